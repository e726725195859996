// The elaborator's calls: binding arguments with slim's arg_scope precedence
// (explicit beats inner scope beats outer scope beats the default), expanding
// units in their scopes, and dispatching to built-in ops and functions.
#include "Elaborator.h"

#include <algorithm>

namespace netc {

using namespace ast;

namespace {
constexpr size_t kMaxUnitDepth = 100;
}  // namespace

void Elaborator::bind(const std::string &what, const Callable &target, const std::vector<std::string> &names,
                      std::vector<CallArg> &args, BoundArgs &out) {
    size_t n = names.size();
    out.values.assign(n, Value());
    out.locs.assign(n, out.call);
    out.given.assign(n, false);
    size_t pos = 0;
    for (auto &a : args) {
        size_t i = 0;
        if (a.name.empty()) {
            if (pos >= n)
                fail(a.loc, what + " takes at most " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") +
                                ", got " + std::to_string(std::count_if(args.begin(), args.end(),
                                                                        [](const CallArg &x) { return x.name.empty(); })));
            i = pos++;
        } else {
            auto it = std::find(names.begin(), names.end(), a.name);
            if (it == names.end()) fail(a.loc, what + " has no parameter '" + a.name + "'");
            i = static_cast<size_t>(it - names.begin());
        }
        if (out.given[i]) fail(a.loc, what + " got two values for '" + names[i] + "'");
        out.values[i] = std::move(a.value);
        out.locs[i] = a.loc;
        out.given[i] = true;
    }
    if (target.kind == Callable::ArgScope) return;
    for (size_t i = 0; i < n; i++) {
        if (out.given[i]) continue;
        size_t k = 0;
        if (const Defaults *d = find_default(target, names[i], k)) {
            out.values[i] = d->kwargs[k].second;
            out.locs[i] = d->locs[k];
            out.given[i] = true;  // counts as supplied: the default is not used
        }
    }
}

Value Elaborator::call(const Value &callee, std::vector<CallArg> args, const Loc &loc, const std::string &site) {
    if (!callee.is(Value::Kind::Callable)) fail(loc, "cannot call " + describe(callee));
    const Callable &c = *callee.fn;
    switch (c.kind) {
    case Callable::Op: return call_op(c.op, std::move(args), loc, site);
    case Callable::Function:
        if (!site.empty()) fail(loc, "'@' names ops and units; '" + c.name + "' is a function");
        return call_fn(c.fn, std::move(args), loc);
    case Callable::Unit: return call_unit(*c.decl, std::move(args), loc, site);
    case Callable::ArgScope:
        fail(loc, "arg_scope '" + c.name + "' can only be used in a `with`");
    }
    fail(loc, "cannot call " + describe(callee));
}

Value Elaborator::call_op(BuiltinOp op, std::vector<CallArg> args, const Loc &loc, const std::string &site) {
    const OpInfo &info = op_info(op);
    Callable target;
    target.kind = Callable::Op;
    target.op = op;
    target.name = info.name;
    std::vector<std::string> names;
    for (auto &p : info.params) names.push_back(p.name);
    BoundArgs bound;
    bound.call = loc;
    bind("'" + info.name + "'", target, names, args, bound);
    for (size_t i = 0; i < names.size(); i++) {
        if (bound.given[i]) continue;
        if (info.params[i].required)
            fail(loc, "'" + info.name + "' needs a value for '" + names[i] + "'");
        bound.values[i] = info.params[i].default_value;
    }
    return build_op(*this, op, bound, site);
}

Value Elaborator::call_fn(BuiltinFn fn, std::vector<CallArg> args, const Loc &loc) {
    const FnInfo &info = fn_info(fn);
    for (auto &a : args)
        if (!a.name.empty() && !(fn == BuiltinFn::Enumerate && a.name == "start"))
            fail(a.loc, "'" + info.name + "' takes no keyword arguments");
    int n = static_cast<int>(args.size());
    if (n < info.min_args || (info.max_args >= 0 && n > info.max_args))
        fail(loc, "wrong number of arguments to '" + info.name + "': expected " + info.signature);
    return call_builtin_fn(*this, fn, args, loc);
}

Value Elaborator::call_unit(const Decl &unit, std::vector<CallArg> args, const Loc &loc, const std::string &site) {
    if (frames_.size() > kMaxUnitDepth)
        fail(loc, "units nest more than " + std::to_string(kMaxUnitDepth) + " deep (unbounded recursion?)");
    std::vector<std::string> names;
    for (auto &p : unit.params) names.push_back(p.name);
    Callable target;
    target.kind = Callable::Unit;
    target.decl = &unit;
    target.name = unit.name;
    BoundArgs bound;
    bound.call = loc;
    bind("unit '" + unit.name + "'", target, names, args, bound);

    Frame f;
    f.module = unit.module;
    f.unit = &unit;
    f.call_loc = loc;
    if (!site.empty()) f.call_scope = site;
    for (size_t i = 0; i < names.size(); i++) {
        if (!bound.given[i]) {
            if (!unit.params[i].default_value)
                fail(loc, "unit '" + unit.name + "' needs a value for '" + names[i] + "'");
            // Defaults see the parameters bound so far, as in a call chain.
            Frame d = Frame::in(unit.module, f.locals);
            frames_.push_back(std::move(d));
            bound.values[i] = eval(*unit.params[i].default_value);
            frames_.pop_back();
        }
        f.locals[names[i]] = bound.values[i];
    }
    size_t depth = scopes_.size();
    frames_.push_back(std::move(f));
    if (!unit.is_inline) {
        if (!site.empty()) {
            push_scope(site, false, loc);
        } else {
            std::string name = unit.name;
            if (unit.scope.kind == ScopeName::Literal) name = unit.scope.text;
            else if (unit.scope.kind == ScopeName::Computed) name = eval_scope_name(unit.scope);
            push_scope(name, true, loc);
        }
    }
    push_with(unit.with_calls);
    size_t nodes_before = graph_->nodes.size();
    bool returned = exec(unit.body);
    if (!returned) fail(unit.loc, "unit '" + unit.name + "' ends without a return");
    Value result = *frame().returned;
    // A unit that made no op (slim's subsample by 1 returns its input) has
    // nothing to name; one that did must have used the name.
    bool name_lost = unit.is_inline && !site.empty() && !frame().call_scope_read && graph_->nodes.size() > nodes_before;
    arg_scopes_.pop_back();
    // slim collects each unit's output under its scope's name.
    if (!unit.is_inline && result.is(Value::Kind::Tensor)) set_end_point(scope_path(), static_cast<int>(result.i));
    scopes_.resize(depth);
    frames_.pop_back();
    if (name_lost)
        fail(loc, "inline unit '" + unit.name + "' opens no scope, so the name '" + site +
                      "' given with '@' would be lost: pass it on with call_scope() in the unit, or make the "
                      "unit a plain one (not inline) so that it opens the scope");
    return result;
}

// ------------------------------------------------------------ entry points

std::unique_ptr<ir::Graph> elaborate_network(Program &program, const Decl &network,
                                             const ElaborateOptions &options) {
    Elaborator el(program, options);
    return el.run(network);
}

bool evaluate_constant(Program &program, int module, const Expr &expr, Value &out) {
    ElaborateOptions options;
    Elaborator el(program, options);
    try {
        out = el.eval_in_module(module, expr);
        if (out.is(Value::Kind::Tensor)) {
            program.diag().error(expr.loc, "this expression needs a network's tensors");
            return false;
        }
        return true;
    } catch (CompileAborted &) {
        return false;
    }
}

}  // namespace netc
