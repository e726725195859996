// The elaborator's expressions: names, arithmetic, comparisons, indexing,
// comprehensions. Tensor `+` becomes an add op and `*` a multiply; everything else is a
// compile-time value.
#include "Elaborator.h"

#include <algorithm>
#include <cmath>

namespace netc {

using namespace ast;
using K = Value::Kind;

namespace {

bool add_overflows(int64_t a, int64_t b, int64_t &r) { return __builtin_add_overflow(a, b, &r); }
bool sub_overflows(int64_t a, int64_t b, int64_t &r) { return __builtin_sub_overflow(a, b, &r); }
bool mul_overflows(int64_t a, int64_t b, int64_t &r) { return __builtin_mul_overflow(a, b, &r); }

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

}  // namespace

Value Elaborator::lookup(const std::string &name, const Loc &loc) {
    auto it = frame().locals.find(name);
    if (it != frame().locals.end()) return it->second;
    if (const Decl *d = program_.lookup(frame().module, name, loc, &program_.diag())) {
        switch (d->kind) {
        case DeclKind::Const: return const_value(*d);
        case DeclKind::Unit:
        case DeclKind::ArgScope: {
            Callable c;
            c.kind = d->kind == DeclKind::Unit ? Callable::Unit : Callable::ArgScope;
            c.decl = d;
            c.name = d->name;
            return Value::callable(c);
        }
        case DeclKind::Network:
            fail(loc, "'" + name + "' is a network; networks are entry points and cannot be used as values");
        case DeclKind::Import: break;
        }
    }
    Value v;
    if (find_constant(name, v)) return v;
    if (const OpInfo *op = find_op(name)) {
        Callable c;
        c.kind = Callable::Op;
        c.op = op->op;
        c.name = op->name;
        return Value::callable(c);
    }
    if (const FnInfo *fn = find_fn(name)) {
        Callable c;
        c.kind = Callable::Function;
        c.fn = fn->fn;
        c.name = fn->name;
        return Value::callable(c);
    }
    // The resolver reports unknown names before elaboration; a local that is
    // only assigned on some paths ends here.
    fail(loc, "'" + name + "' is used before it is assigned");
}

namespace {

// The free names of an expression: those not bound by a comprehension in it.
void free_names(const Expr &e, std::vector<const std::string *> &bound, std::vector<const Expr *> &out) {
    switch (e.kind) {
    case ExprKind::Name:
        for (auto *b : bound)
            if (*b == e.text) return;
        out.push_back(&e);
        return;
    case ExprKind::Comprehension: {
        free_names(*e.operands[1], bound, out);
        size_t mark = bound.size();
        for (auto &v : e.vars) bound.push_back(&v);
        free_names(*e.operands[0], bound, out);
        if (e.operands.size() > 2) free_names(*e.operands[2], bound, out);
        bound.resize(mark);
        return;
    }
    default:
        for (auto &x : e.operands) free_names(*x, bound, out);
        for (auto &a : e.args) free_names(*a.value, bound, out);
        if (e.scope.kind == ScopeName::Computed) free_names(*e.scope.expr, bound, out);
    }
}

}  // namespace

// Constants are evaluated on first use. The constants one refers to are
// evaluated before it, deepest first, from an explicit stack: a chain
// `const c1 = c0 + 1`, `const c2 = c1 + 1`, ... as long as the user likes
// then never nests calls on the C++ stack.
Value Elaborator::const_value(const Decl &d) {
    auto it = consts_.find(&d);
    if (it != consts_.end()) return it->second;
    if (consts_in_progress_.count(&d)) fail(d.loc, "constant '" + d.name + "' is defined in terms of itself");
    struct Pending {
        const Decl *decl;
        bool expanded;
    };
    std::vector<Pending> stack{{&d, false}};
    while (!stack.empty()) {
        Pending &top = stack.back();
        const Decl *c = top.decl;
        if (consts_.count(c)) {
            stack.pop_back();
            continue;
        }
        if (!top.expanded) {
            // Entries marked expanded are the path from d to here.
            if (consts_in_progress_.count(c))
                fail(c->loc, "constant '" + c->name + "' is defined in terms of itself");
            top.expanded = true;
            consts_in_progress_.insert(c);
            std::vector<const std::string *> bound;
            std::vector<const Expr *> names;
            free_names(*c->value, bound, names);
            for (const Expr *n : names) {
                const Decl *dep = program_.lookup(c->module, n->text);
                if (dep && dep->kind == DeclKind::Const && !consts_.count(dep)) stack.push_back({dep, false});
            }
            continue;
        }
        stack.pop_back();
        frames_.push_back(Frame::in(c->module));
        Value v = eval(*c->value);
        frames_.pop_back();
        consts_in_progress_.erase(c);
        if (v.is(K::Tensor)) fail(c->loc, "a constant cannot hold a tensor");
        consts_[c] = v;
    }
    return consts_.at(&d);
}

Value Elaborator::eval(const Expr &e) {
    tick(e.loc);
    switch (e.kind) {
    case ExprKind::Int: return Value::integer(e.int_value);
    case ExprKind::Float: return Value::real(e.float_value);
    case ExprKind::String: return made(Value::string(e.text), e.loc);
    case ExprKind::Bool: return Value::boolean(e.int_value != 0);
    case ExprKind::None: return Value::none();
    case ExprKind::Name: return lookup(e.text, e.loc);
    case ExprKind::List:
    case ExprKind::Tuple: {
        ValueList vs;
        for (auto &x : e.operands) vs.push_back(eval(*x));
        return made(e.kind == ExprKind::List ? Value::list(std::move(vs)) : Value::tuple(std::move(vs)), e.loc);
    }
    case ExprKind::Comprehension: return eval_comprehension(e);
    case ExprKind::Call: {
        Value callee = eval(*e.operands[0]);
        std::vector<CallArg> args = eval_args(e.args);
        std::string site = eval_scope_name(e.scope);
        return call(callee, std::move(args), e.loc, site);
    }
    case ExprKind::Field: return eval_field(e);
    case ExprKind::Index: return eval_index(e);
    case ExprKind::Unary: return eval_unary(e);
    case ExprKind::Binary: return eval_binary(e);
    case ExprKind::Cond: {
        Value c = eval(*e.operands[0]);
        if (!c.is(K::Bool)) fail(e.operands[0]->loc, "condition must be a bool, got " + describe(c));
        return eval(*e.operands[c.i ? 1 : 2]);
    }
    }
    return Value::none();
}

std::vector<CallArg> Elaborator::eval_args(const std::vector<Arg> &args) {
    std::vector<CallArg> out;
    for (auto &a : args) {
        Value v = eval(*a.value);
        if (a.kind == Arg::Splat) {
            if (!v.is_sequence()) fail(a.loc, "'*' needs a list or tuple, got " + describe(v));
            for (auto &item : v.elements()) out.push_back({"", item, a.loc});
        } else {
            out.push_back({a.kind == Arg::Keyword ? a.name : "", std::move(v), a.loc});
        }
    }
    return out;
}

Value Elaborator::eval_unary(const Expr &e) {
    Value v = eval(*e.operands[0]);
    if (e.text == "not") {
        if (!v.is(K::Bool)) fail(e.loc, "'not' needs a bool, got " + describe(v));
        return Value::boolean(!v.i);
    }
    if (v.is(K::Int)) {
        if (v.i == INT64_MIN) fail(e.loc, "integer overflow");
        return Value::integer(-v.i);
    }
    if (v.is(K::Float)) return Value::real(-v.f);
    fail(e.loc, "unary '-' needs a number, got " + describe(v));
}

Value Elaborator::eval_binary(const Expr &e) {
    const std::string &op = e.text;
    if (op == "and" || op == "or") {
        Value a = eval(*e.operands[0]);
        if (!a.is(K::Bool)) fail(e.operands[0]->loc, "'" + op + "' needs bools, got " + describe(a));
        if ((op == "and") != static_cast<bool>(a.i)) return a;  // short-circuit
        Value b = eval(*e.operands[1]);
        if (!b.is(K::Bool)) fail(e.operands[1]->loc, "'" + op + "' needs bools, got " + describe(b));
        return b;
    }
    Value a = eval(*e.operands[0]);
    Value b = eval(*e.operands[1]);
    auto mismatch = [&]() -> Value {
        fail(e.loc, "operator '" + op + "' is not defined for " + describe(a) + " and " + describe(b));
    };
    if (op == "==") return Value::boolean(equal(a, b, e.loc));
    if (op == "!=") return Value::boolean(!equal(a, b, e.loc));
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
        int c = 0;
        if (a.is_number() && b.is_number()) {
            if (a.is(K::Int) && b.is(K::Int)) c = a.i < b.i ? -1 : a.i > b.i;
            else c = a.as_double() < b.as_double() ? -1 : a.as_double() > b.as_double();
        } else if (a.is(K::String) && b.is(K::String)) {
            tick(e.loc, static_cast<long>(std::min(a.str().size(), b.str().size()) / 64));
            c = a.str().compare(b.str());
        } else {
            mismatch();
        }
        bool r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
        return Value::boolean(r);
    }
    if (op == "+") {
        if (a.is(K::Tensor) && b.is(K::Tensor)) {
            std::vector<CallArg> args{{"", a, e.operands[0]->loc}, {"", b, e.operands[1]->loc}};
            return call_op(BuiltinOp::Add, std::move(args), e.loc, "");
        }
        if (a.is(K::String) && b.is(K::String)) {
            size_t n = a.str().size() + b.str().size();
            if (n > kMaxStringSize)
                fail(e.loc, "'+' would make a string of " + std::to_string(n) + " bytes (netc's limit is " +
                                std::to_string(kMaxStringSize) + ")");
            return made(Value::string(a.str() + b.str()), e.loc);
        }
        if (a.is_sequence() && a.kind == b.kind) {
            size_t n = a.elements().size() + b.elements().size();
            if (n > kMaxListSize)
                fail(e.loc, "'+' would make a " + std::string(kind_name(a.kind)) + " of " + std::to_string(n) +
                                " elements (netc's limit is " + std::to_string(kMaxListSize) + ")");
            ValueList vs;
            vs.reserve(n);
            vs.insert(vs.end(), a.elements().begin(), a.elements().end());
            vs.insert(vs.end(), b.elements().begin(), b.elements().end());
            return made(a.is(K::List) ? Value::list(std::move(vs)) : Value::tuple(std::move(vs)), e.loc);
        }
    }
    if (op == "*" && a.is(K::Tensor) && b.is(K::Tensor)) {
        std::vector<CallArg> args{{"", a, e.operands[0]->loc}, {"", b, e.operands[1]->loc}};
        return call_op(BuiltinOp::Multiply, std::move(args), e.loc, "");
    }
    if (op == "*" && ((a.is_sequence() && b.is(K::Int)) || (a.is(K::Int) && b.is_sequence()))) {
        const Value &seq = a.is_sequence() ? a : b;
        int64_t n = a.is_sequence() ? b.i : a.i;
        if (n < 0 || seq.elements().empty()) n = 0;
        if (n > 0 && seq.elements().size() > kMaxListSize / static_cast<size_t>(n))
            fail(e.loc, "'*' would make a " + std::string(kind_name(seq.kind)) + " of more than " +
                            std::to_string(kMaxListSize) + " elements (netc's limit)");
        ValueList vs;
        vs.reserve(seq.elements().size() * static_cast<size_t>(n));
        for (int64_t k = 0; k < n; k++) vs.insert(vs.end(), seq.elements().begin(), seq.elements().end());
        return made(seq.is(K::List) ? Value::list(std::move(vs)) : Value::tuple(std::move(vs)), e.loc);
    }
    if (a.is(K::Tensor) || b.is(K::Tensor))
        fail(e.loc, "operator '" + op + "' on tensors is not supported yet (only '+' and '*' of two tensors)");
    if (!a.is_number() || !b.is_number()) mismatch();
    if (a.is(K::Int) && b.is(K::Int)) {
        int64_t r = 0;
        if (op == "+" && !add_overflows(a.i, b.i, r)) return Value::integer(r);
        if (op == "-" && !sub_overflows(a.i, b.i, r)) return Value::integer(r);
        if (op == "*" && !mul_overflows(a.i, b.i, r)) return Value::integer(r);
        if (op == "/" || op == "%") {
            if (b.i == 0) fail(e.loc, "division by zero");
            if (a.i == INT64_MIN && b.i == -1) fail(e.loc, "integer overflow");
            int64_t q = floor_div(a.i, b.i);
            return Value::integer(op == "/" ? q : a.i - q * b.i);
        }
        fail(e.loc, "integer overflow in '" + op + "'");
    }
    double x = a.as_double(), y = b.as_double();
    if ((op == "/" || op == "%") && y == 0) fail(e.loc, "division by zero");
    if (op == "+") return Value::real(x + y);
    if (op == "-") return Value::real(x - y);
    if (op == "*") return Value::real(x * y);
    if (op == "/") return Value::real(x / y);
    return Value::real(x - std::floor(x / y) * y);
}

Value Elaborator::eval_index(const Expr &e) {
    Value seq = eval(*e.operands[0]);
    Value idx = eval(*e.operands[1]);
    if (seq.is(K::Record) && idx.is(K::String)) {
        for (auto &f : seq.record->fields)
            if (f.first == idx.str()) return f.second;
        fail(e.loc, seq.record->type + " has no field \"" + clip(idx.str()) + "\"");
    }
    if (!idx.is(K::Int)) fail(e.operands[1]->loc, "an index must be an int, got " + describe(idx));
    int64_t n = 0;
    if (seq.is_sequence()) n = static_cast<int64_t>(seq.elements().size());
    else if (seq.is(K::String)) n = static_cast<int64_t>(seq.str().size());
    else fail(e.operands[0]->loc, "cannot index " + describe(seq));
    int64_t i = idx.i < 0 ? idx.i + n : idx.i;
    if (i < 0 || i >= n)
        fail(e.operands[1]->loc, "index " + std::to_string(idx.i) + " is out of range for length " + std::to_string(n));
    if (seq.is(K::String)) return Value::string(seq.str().substr(i, 1));
    return seq.elements()[i];
}

Value Elaborator::eval_field(const Expr &e) {
    Value v = eval(*e.operands[0]);
    if (v.is(K::Record)) {
        for (auto &f : v.record->fields)
            if (f.first == e.text) return f.second;
        std::string names;
        for (auto &f : v.record->fields) names += (names.empty() ? "" : ", ") + f.first;
        fail(e.loc, v.record->type + " has no field '" + e.text + "' (it has " + names + ")");
    }
    fail(e.loc, "cannot take field '" + e.text + "' of " + describe(v));
}

Value Elaborator::eval_comprehension(const Expr &e) {
    Value seq = eval(*e.operands[1]);
    if (!seq.is_sequence()) fail(e.operands[1]->loc, "cannot loop over " + describe(seq));
    // Comprehension variables do not leak into the enclosing body.
    std::map<std::string, std::optional<Value>> saved;
    for (auto &v : e.vars) {
        auto it = frame().locals.find(v);
        saved[v] = it == frame().locals.end() ? std::nullopt : std::optional<Value>(it->second);
    }
    ValueList out;
    auto items = seq.items;
    for (auto &item : *items) {
        if (e.vars.size() == 1) {
            frame().locals[e.vars[0]] = item;
        } else {
            if (!item.is_sequence() || item.elements().size() != e.vars.size())
                fail(e.loc, "cannot unpack " + describe(item) + " into " + std::to_string(e.vars.size()) + " names");
            for (size_t i = 0; i < e.vars.size(); i++) frame().locals[e.vars[i]] = item.elements()[i];
        }
        if (e.operands.size() > 2) {
            Value keep = eval(*e.operands[2]);
            if (!keep.is(K::Bool)) fail(e.operands[2]->loc, "filter must be a bool, got " + describe(keep));
            if (!keep.i) continue;
        }
        out.push_back(eval(*e.operands[0]));
    }
    for (auto &kv : saved) {
        if (kv.second) frame().locals[kv.first] = *kv.second;
        else frame().locals.erase(kv.first);
    }
    return made(Value::list(std::move(out)), e.loc);
}

}  // namespace netc
