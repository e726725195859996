#include "Elaborator.h"

#include "Limits.h"

#include <algorithm>

namespace netc {

using namespace ast;

Elaborator::Elaborator(Program &program, const ElaborateOptions &options)
    : program_(program), options_(options), graph_(std::make_unique<ir::Graph>()) {}

void Elaborator::fail(const Loc &loc, const std::string &msg, const Loc &note_loc, const std::string &note) {
    Diagnostics &d = program_.diag();
    d.error(loc, msg);
    if (!note.empty()) d.note(note_loc, note);
    // Walk the unit calls outwards so the user sees how the op was reached.
    int shown = 0;
    for (size_t i = frames_.size(); i-- > 1;) {
        const Frame &f = frames_[i];
        if (!f.unit) continue;
        if (++shown > 6) {
            d.note(Loc(), "... and " + std::to_string(i) + " more calls");
            break;
        }
        d.note(f.call_loc, "in unit '" + f.unit->name + "' called here");
    }
    throw CompileAborted();
}

void Elaborator::tick(const Loc &loc, long n) {
    steps_ += n;
    if (steps_ > kMaxSteps)
        fail(loc, "elaboration did not finish within " + std::to_string(kMaxSteps) +
                      " steps (an unbounded loop or recursion, or values that grow without bound?)");
}

Value Elaborator::made(Value v, const Loc &loc) {
    size_t bytes = 0;
    if (v.is_sequence()) {
        size_t n = v.elements().size();
        if (n > kMaxListSize)
            fail(loc, std::string(kind_name(v.kind)) + " of " + std::to_string(n) +
                          " elements is too long (netc's limit is " + std::to_string(kMaxListSize) + ")");
        tick(loc, static_cast<long>(n));
        bytes = n * sizeof(Value);
    } else if (v.is(Value::Kind::String)) {
        size_t n = v.str().size();
        if (n > kMaxStringSize)
            fail(loc, "string of " + std::to_string(n) + " bytes is too long (netc's limit is " +
                          std::to_string(kMaxStringSize) + ")");
        tick(loc, static_cast<long>(n / 64));
        bytes = n;
    }
    if (v.depth > kMaxValueDepth)
        fail(loc, "values nest more than " + std::to_string(kMaxValueDepth) +
                      " levels deep (a list wrapped in a list in a loop?)");
    charge_bytes(bytes, loc);
    return v;
}

void Elaborator::charge_bytes(size_t bytes, const Loc &loc) {
    value_bytes_ += bytes;
    if (value_bytes_ > kMaxValueBytes)
        fail(loc, "the lists, strings and names made at compile time take more than " +
                      std::to_string(kMaxValueBytes >> 20) + " MiB (a list or string that grows in a loop?)");
}

bool Elaborator::equal(const Value &a, const Value &b, const Loc &loc) {
    long budget = kMaxSteps - steps_;
    bool r = values_equal(a, b, budget);
    if (budget < 0) fail(loc, "comparing these values takes more than " + std::to_string(kMaxSteps) + " steps");
    steps_ = kMaxSteps - budget;
    return r;
}

std::string Elaborator::describe(const Value &v) const {
    if (v.is(Value::Kind::Tensor)) {
        const ir::Node &n = graph_->nodes.at(v.i);
        return std::string(n.dtype == ir::DType::I32 ? "i32 " : "") + (n.shape.rank() == 0 ? "scalar " : "") +
               "tensor " + n.shape.str(graph_->batch_symbol);
    }
    return std::string(kind_name(v.kind)) + " " + to_string(v, 57);
}

std::string Elaborator::scope_path() const {
    std::string p;
    for (auto &s : scopes_) p += (p.empty() ? "" : "/") + s;
    return p;
}

std::optional<std::string> Elaborator::call_scope() {
    for (size_t i = frames_.size(); i-- > 0;)
        if (frames_[i].unit) {
            frames_[i].call_scope_read = true;
            return frames_[i].call_scope;
        }
    return std::nullopt;
}

std::string Elaborator::unique_scope(const std::string &base) const {
    std::string prefix = scope_path();
    if (!prefix.empty()) prefix += "/";
    int &k = first_free_[prefix + base];
    for (;; k++) {
        std::string name = k == 0 ? base : base + "_" + std::to_string(k);
        std::string full = prefix + name;
        if (!used_names_.count(full) && !used_scopes_.count(full)) return name;
    }
}

// Every node's name repeats its scopes, so long ones would multiply.
void Elaborator::check_scope_name(const std::string &name, const Loc &loc) {
    if (name.size() > kMaxScopeName)
        fail(loc, "scope name of " + std::to_string(name.size()) + " characters is too long (netc's limit is " +
                      std::to_string(kMaxScopeName) + ")");
}

void Elaborator::push_scope(const std::string &name, bool is_default, const Loc &loc) {
    if (name.empty() || name.find('/') != std::string::npos)
        fail(loc, "scope name '" + clip(name) + "' must be non-empty and contain no '/'");
    check_scope_name(name, loc);
    std::string n = is_default ? unique_scope(name) : name;
    scopes_.push_back(n);
    used_scopes_.insert(scope_path());
}

std::string Elaborator::node_name(const std::string &base, const std::string &explicit_name, const Loc &loc) {
    std::string prefix = scope_path();
    if (!prefix.empty()) prefix += "/";
    if (explicit_name.empty()) return prefix + unique_scope(base);
    if (explicit_name.find('/') != std::string::npos)
        fail(loc, "scope name '" + clip(explicit_name) + "' must not contain '/'");
    check_scope_name(explicit_name, loc);
    std::string full = prefix + explicit_name;
    auto it = used_names_.find(full);
    if (it != used_names_.end())
        fail(loc, "'" + full + "' is already defined: two ops cannot share a scope", it->second,
             "first defined here");
    return full;
}

void Elaborator::set_end_point(const std::string &name, int node) {
    auto [it, added] = end_point_index_.emplace(name, graph_->end_points.size());
    if (added) graph_->end_points.push_back({name, node});
    else graph_->end_points[it->second].node = node;
}

namespace {

// The op as the user wrote it, for messages about its size.
std::string op_phrase(const ir::Node &n) {
    if (n.op == ir::OpKind::Input) return "input '" + n.name + "' is a tensor";
    std::string op = n.op == ir::OpKind::Activation ? ir::activation_name(n.activation) : ir::op_name(n.op);
    return "'" + op + "' would make a tensor";
}

}  // namespace

int Elaborator::add_node(ir::Node node) {
    std::string why = check_tensor_size(op_phrase(node), node.shape, graph_->batch_symbol);
    if (!why.empty()) fail(node.loc, why);
    for (auto &p : node.params) {
        std::string op = node.op == ir::OpKind::Activation ? "" : std::string("'") + ir::op_name(node.op) + "'";
        why = check_variable_size(op, p);
        if (!why.empty()) fail(node.loc, why);
        weight_values_ += count_values(p.shape, false);
        if (weight_values_ > kMaxWeightValues)
            fail(node.loc, "with '" + p.name + "' the network's weights come to " + std::to_string(weight_values_) +
                               " float32 values, past netc's limit of " + std::to_string(kMaxWeightValues) + " (" +
                               format_bytes(kMaxWeightValues) + ") for one network");
    }
    // Names repeat the scope path: charged like the strings they are.
    size_t name_bytes = node.name.size();
    for (auto &p : node.params) name_bytes += p.name.size();
    charge_bytes(name_bytes, node.loc);
    node.id = static_cast<int>(graph_->nodes.size());
    used_names_.emplace(node.name, node.loc);
    graph_->nodes.push_back(std::move(node));
    return graph_->nodes.back().id;
}

Value Elaborator::eval_in_module(int module, const Expr &expr) {
    Frame top;
    top.module = module;
    frames_.push_back(std::move(top));
    return eval(expr);
}

// -------------------------------------------------------------- statements

bool Elaborator::exec(const std::vector<StmtPtr> &body) {
    for (auto &s : body)
        if (exec(*s)) return true;
    return false;
}

void Elaborator::assign(const Stmt &s, const Value &v) {
    if (s.targets.size() == 1) {
        frame().locals[s.targets[0]] = v;
        return;
    }
    if (!v.is_sequence() || v.elements().size() != s.targets.size())
        fail(s.loc, "cannot unpack " + describe(v) + " into " + std::to_string(s.targets.size()) + " names");
    for (size_t i = 0; i < s.targets.size(); i++) frame().locals[s.targets[i]] = v.elements()[i];
}

bool Elaborator::exec(const Stmt &s) {
    tick(s.loc);
    switch (s.kind) {
    case StmtKind::Assign: assign(s, eval(*s.exprs[0])); return false;
    case StmtKind::EndPoint: {
        Value key = eval(*s.exprs[0]);
        if (!key.is(Value::Kind::String)) fail(s.exprs[0]->loc, "end point names are strings, got " + describe(key));
        Value v = eval(*s.exprs[1]);
        if (!v.is(Value::Kind::Tensor)) fail(s.exprs[1]->loc, "an end point must be a tensor, got " + describe(v));
        set_end_point(key.str(), static_cast<int>(v.i));
        return false;
    }
    case StmtKind::Return: {
        frame().returned_at = s.loc;
        frame().returned_names.clear();
        for (auto &e : s.exprs) frame().returned_names.push_back(e->kind == ExprKind::Name ? e->text : "");
        if (s.exprs.size() == 1) {
            frame().returned = eval(*s.exprs[0]);
        } else {
            ValueList vs;
            for (auto &e : s.exprs) vs.push_back(eval(*e));
            frame().returned = made(Value::tuple(std::move(vs)), s.loc);
        }
        return true;
    }
    case StmtKind::If: {
        Value c = eval(*s.exprs[0]);
        if (!c.is(Value::Kind::Bool)) fail(s.exprs[0]->loc, "condition must be a bool, got " + describe(c));
        return c.i ? exec(s.body) : exec(s.orelse);
    }
    case StmtKind::For: {
        Value seq = eval(*s.exprs[0]);
        if (!seq.is_sequence()) fail(s.exprs[0]->loc, "cannot loop over " + describe(seq));
        auto items = seq.items;  // keep alive while the body rebinds names
        for (auto &item : *items) {
            if (s.targets.size() == 1) {
                frame().locals[s.targets[0]] = item;
            } else {
                if (!item.is_sequence() || item.elements().size() != s.targets.size())
                    fail(s.loc, "cannot unpack " + describe(item) + " into " + std::to_string(s.targets.size()) +
                                    " loop variables");
                for (size_t i = 0; i < s.targets.size(); i++) frame().locals[s.targets[i]] = item.elements()[i];
            }
            if (exec(s.body)) return true;
        }
        return false;
    }
    case StmtKind::Scope: {
        std::string name = s.scope.kind == ScopeName::Literal ? s.scope.text : eval_scope_name(s.scope);
        push_scope(name, false, s.scope.loc);
        bool r = exec(s.body);
        pop_scope();
        return r;
    }
    case StmtKind::With: {
        std::vector<Defaults> layer;
        for (auto &c : s.with_calls) {
            auto d = instantiate_arg_scope(c);
            layer.insert(layer.end(), d.begin(), d.end());
        }
        auto inl = inline_arg_scope(s.with_entries);
        layer.insert(layer.end(), inl.begin(), inl.end());
        arg_scopes_.push_back(std::move(layer));
        bool r = exec(s.body);
        arg_scopes_.pop_back();
        return r;
    }
    }
    return false;
}

std::string Elaborator::eval_scope_name(const ScopeName &s) {
    if (s.kind == ScopeName::Absent) return "";
    if (s.kind == ScopeName::Literal) return s.text;
    Value v = eval(*s.expr);
    if (v.is(Value::Kind::None)) return "";
    if (!v.is(Value::Kind::String)) fail(s.loc, "a scope name must be a string, got " + describe(v));
    if (v.str().empty() || v.str().find('/') != std::string::npos)
        fail(s.loc, "scope name \"" + clip(v.str()) + "\" must be non-empty and contain no '/'");
    return v.str();
}

// --------------------------------------------------------------- arg scopes

Elaborator::Defaults Elaborator::make_defaults(const ScopeEntry &entry, int module, const std::string &op,
                                               const Loc &op_loc) {
    Defaults d;
    std::vector<std::string> names;
    if (const OpInfo *info = find_op(op)) {
        d.target.kind = Callable::Op;
        d.target.op = info->op;
        d.target.name = info->name;
        for (auto &p : info->params) names.push_back(p.name);
    } else if (const Decl *decl = program_.lookup(module, op); decl && decl->kind == DeclKind::Unit) {
        d.target.kind = Callable::Unit;
        d.target.decl = decl;
        d.target.name = decl->name;
        for (auto &p : decl->params) names.push_back(p.name);
    } else {
        fail(op_loc, "'" + op + "' in an arg_scope is neither a built-in op nor a unit");
    }
    for (auto &kw : entry.kwargs) {
        if (std::find(names.begin(), names.end(), kw.name) == names.end())
            fail(kw.loc, "'" + op + "' has no parameter '" + kw.name + "'");
        if (kw.name == names[0] && d.target.kind == Callable::Op)
            fail(kw.loc, "an arg_scope cannot set the input of '" + op + "'");
        d.kwargs.emplace_back(kw.name, eval(*kw.value));
        d.locs.push_back(kw.loc);
    }
    return d;
}

std::vector<Elaborator::Defaults> Elaborator::inline_arg_scope(const std::vector<ScopeEntry> &entries) {
    std::vector<Defaults> out;
    for (auto &e : entries)
        for (size_t i = 0; i < e.ops.size(); i++) out.push_back(make_defaults(e, frame().module, e.ops[i], e.op_locs[i]));
    return out;
}

std::vector<Elaborator::Defaults> Elaborator::instantiate_arg_scope(const ScopeCall &call) {
    const Decl *decl = program_.lookup(frame().module, call.name, call.loc, &program_.diag());
    if (!decl) fail(call.loc, "unknown arg_scope '" + call.name + "'");
    if (decl->kind != DeclKind::ArgScope)
        fail(call.loc, "'" + call.name + "' is not an arg_scope; `with` takes arg_scopes");
    std::vector<CallArg> args = eval_args(call.args);
    std::vector<std::string> names;
    for (auto &p : decl->params) names.push_back(p.name);
    Callable target;
    target.kind = Callable::ArgScope;
    target.decl = decl;
    target.name = decl->name;
    BoundArgs bound;
    bound.call = call.loc;
    bind("arg_scope '" + decl->name + "'", target, names, args, bound);
    Frame f;
    f.module = decl->module;
    for (size_t i = 0; i < names.size(); i++) {
        if (!bound.given[i]) {
            if (!decl->params[i].default_value)
                fail(call.loc, "arg_scope '" + decl->name + "' needs a value for '" + names[i] + "'");
            frames_.push_back(Frame::in(decl->module));
            bound.values[i] = eval(*decl->params[i].default_value);
            frames_.pop_back();
        }
        f.locals[names[i]] = bound.values[i];
    }
    frames_.push_back(std::move(f));
    std::vector<Defaults> out;
    for (auto &e : decl->entries)
        for (size_t i = 0; i < e.ops.size(); i++) out.push_back(make_defaults(e, decl->module, e.ops[i], e.op_locs[i]));
    frames_.pop_back();
    return out;
}

void Elaborator::push_with(const std::vector<ScopeCall> &calls) {
    std::vector<Defaults> layer;
    for (auto &c : calls) {
        auto d = instantiate_arg_scope(c);
        layer.insert(layer.end(), d.begin(), d.end());
    }
    arg_scopes_.push_back(std::move(layer));
}

const Elaborator::Defaults *Elaborator::find_default(const Callable &target, const std::string &param,
                                                     size_t &index) const {
    // Inner scopes beat outer ones; within one `with`, later entries win.
    for (size_t l = arg_scopes_.size(); l-- > 0;)
        for (size_t d = arg_scopes_[l].size(); d-- > 0;) {
            const Defaults &def = arg_scopes_[l][d];
            if (!(def.target == target)) continue;
            for (size_t k = def.kwargs.size(); k-- > 0;)
                if (def.kwargs[k].first == param) {
                    index = k;
                    return &def;
                }
        }
    return nullptr;
}

BoundArgs Elaborator::effective_defaults(BuiltinOp op, const Loc &loc) {
    const OpInfo &info = op_info(op);
    Callable target;
    target.kind = Callable::Op;
    target.op = op;
    target.name = info.name;
    BoundArgs b;
    b.call = loc;
    for (auto &p : info.params) {
        size_t k = 0;
        const Defaults *d = find_default(target, p.name, k);
        b.values.push_back(d ? d->kwargs[k].second : p.default_value);
        b.locs.push_back(d ? d->locs[k] : loc);
        b.given.push_back(false);
    }
    return b;
}

}  // namespace netc
