// Built-in functions: compile-time helpers over values and static shapes.
#include "Elaborator.h"

#include <cmath>

namespace netc {

using K = Value::Kind;

namespace {

constexpr int64_t kMaxRange = 1'000'000;

class Fn {
public:
    Fn(Elaborator &el, const std::vector<CallArg> &args, const Loc &loc, const FnInfo &info)
        : el(el), args(args), loc(loc), info(info) {}

    Elaborator &el;
    const std::vector<CallArg> &args;
    const Loc &loc;
    const FnInfo &info;

    [[noreturn]] void bad(size_t i, const std::string &want) const {
        el.fail(args[i].loc, "'" + info.name + "' needs " + want + ", got " + el.describe(args[i].value));
    }
    int64_t integer(size_t i) const {
        if (!args[i].value.is(K::Int)) bad(i, "an int");
        return args[i].value.i;
    }
    const ir::Node &tensor(size_t i) const {
        if (!args[i].value.is(K::Tensor)) bad(i, "a tensor");
        return el.tensor_node(args[i].value);
    }
    int64_t dim(size_t i, int d) const {
        const ir::Node &n = tensor(i);
        if (n.shape.rank() != 4) bad(i, "an NHWC tensor");
        return n.shape[d];
    }
    // min/max over either the arguments or one sequence argument.
    Value extreme(bool want_max) const {
        const ValueList *items = nullptr;
        ValueList direct;
        if (args.size() == 1) {
            if (!args[0].value.is_sequence() || args[0].value.elements().empty()) bad(0, "numbers or a non-empty list");
            items = &args[0].value.elements();
        } else {
            for (auto &a : args) direct.push_back(a.value);
            items = &direct;
        }
        el.tick(loc, static_cast<long>(items->size()));
        Value best = (*items)[0];
        for (auto &v : *items) {
            if (!v.is_number()) el.fail(loc, "'" + info.name + "' needs numbers, got " + el.describe(v));
            bool better = want_max ? v.as_double() > best.as_double() : v.as_double() < best.as_double();
            if (better) best = v;
        }
        return best;
    }
};

}  // namespace

Value call_builtin_fn(Elaborator &el, BuiltinFn fn, const std::vector<CallArg> &args, const Loc &loc) {
    Fn f(el, args, loc, fn_info(fn));
    switch (fn) {
    case BuiltinFn::Len: {
        const Value &v = args[0].value;
        if (v.is_sequence()) return Value::integer(static_cast<int64_t>(v.elements().size()));
        if (v.is(K::String)) return Value::integer(static_cast<int64_t>(v.str().size()));
        f.bad(0, "a list, tuple or string");
    }
    case BuiltinFn::Range: {
        int64_t start = 0, stop = 0, step = 1;
        if (args.size() == 1) {
            stop = f.integer(0);
        } else {
            start = f.integer(0);
            stop = f.integer(1);
            if (args.size() == 3) step = f.integer(2);
        }
        if (step == 0) el.fail(args[2].loc, "'range' step cannot be zero");
        ValueList out;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (static_cast<int64_t>(out.size()) >= kMaxRange)
                el.fail(loc, "'range' would produce more than " + std::to_string(kMaxRange) + " values");
            out.push_back(Value::integer(i));
        }
        return el.made(Value::list(std::move(out)), loc);
    }
    case BuiltinFn::Enumerate: {
        if (!args[0].value.is_sequence()) f.bad(0, "a list or tuple");
        int64_t start = args.size() > 1 ? f.integer(1) : 0;
        ValueList out;
        for (auto &v : args[0].value.elements())
            out.push_back(el.made(Value::tuple({Value::integer(start++), v}), loc));
        return el.made(Value::list(std::move(out)), loc);
    }
    case BuiltinFn::Zip: {
        size_t n = SIZE_MAX;
        for (size_t i = 0; i < args.size(); i++) {
            if (!args[i].value.is_sequence()) f.bad(i, "lists or tuples");
            n = std::min(n, args[i].value.elements().size());
        }
        ValueList out;
        for (size_t k = 0; k < n; k++) {
            ValueList row;
            for (auto &a : args) row.push_back(a.value.elements()[k]);
            out.push_back(el.made(Value::tuple(std::move(row)), loc));
        }
        return el.made(Value::list(std::move(out)), loc);
    }
    case BuiltinFn::Str: {
        const Value &v = args[0].value;
        if (v.is(K::String)) return v;
        if (v.is(K::Tensor)) f.bad(0, "a compile-time value");
        std::string text;
        if (!render(v, kMaxStringSize, text))
            el.fail(loc, "'str' would make a string longer than " + std::to_string(kMaxStringSize) +
                             " bytes (netc's limit)");
        return el.made(Value::string(std::move(text)), loc);
    }
    case BuiltinFn::Int: {
        const Value &v = args[0].value;
        if (v.is(K::Int)) return v;
        if (v.is(K::Bool)) return Value::integer(v.i);
        if (v.is(K::Float) && std::isfinite(v.f) && std::fabs(v.f) < 9.2e18)
            return Value::integer(static_cast<int64_t>(v.f));
        f.bad(0, "a finite number");
    }
    case BuiltinFn::Float:
        if (!args[0].value.is_number()) f.bad(0, "a number");
        return Value::real(args[0].value.as_double());
    case BuiltinFn::Min: return f.extreme(false);
    case BuiltinFn::Max: return f.extreme(true);
    case BuiltinFn::Abs: {
        const Value &v = args[0].value;
        if (v.is(K::Int) && v.i != INT64_MIN) return Value::integer(v.i < 0 ? -v.i : v.i);
        if (v.is(K::Float)) return Value::real(std::fabs(v.f));
        f.bad(0, "a number");
    }
    case BuiltinFn::Sum: {
        const Value &v = args[0].value;
        if (!v.is_sequence()) f.bad(0, "a list");
        el.tick(loc, static_cast<long>(v.elements().size()));
        if (!v.elements().empty() && v.elements()[0].is_sequence()) {
            size_t total = 0;
            for (auto &x : v.elements()) {
                if (!x.is_sequence()) f.bad(0, "a list of numbers or of lists");
                total += x.elements().size();
                if (total > kMaxListSize)
                    el.fail(loc, "'sum' would make a list of more than " + std::to_string(kMaxListSize) +
                                     " elements (netc's limit)");
            }
            ValueList out;
            out.reserve(total);
            for (auto &x : v.elements()) out.insert(out.end(), x.elements().begin(), x.elements().end());
            return el.made(Value::list(std::move(out)), loc);
        }
        int64_t si = 0;
        double sf = 0;
        bool is_float = false;
        for (auto &x : v.elements()) {
            if (!x.is_number()) f.bad(0, "a list of numbers or of lists");
            if (x.is(K::Float)) is_float = true;
            if (!is_float && __builtin_add_overflow(si, x.i, &si)) el.fail(loc, "integer overflow in 'sum'");
            sf += x.as_double();
        }
        return is_float ? Value::real(sf) : Value::integer(si);
    }
    case BuiltinFn::Channels: {
        const ir::Node &n = f.tensor(0);
        if (n.shape.rank() < 2) f.bad(0, "a tensor with channels");
        return Value::integer(n.shape.dims.back());
    }
    case BuiltinFn::Height: return Value::integer(f.dim(0, 1));
    case BuiltinFn::Width: return Value::integer(f.dim(0, 2));
    case BuiltinFn::Shape: {
        ValueList dims;
        for (int64_t d : f.tensor(0).shape.dims) dims.push_back(d == ir::kBatch ? Value::none() : Value::integer(d));
        return el.made(Value::list(std::move(dims)), loc);
    }
    case BuiltinFn::Rank: return Value::integer(f.tensor(0).shape.rank());
    case BuiltinFn::Block: {
        if (!args[0].value.is(K::String)) f.bad(0, "a scope name string");
        if (!args[1].value.is(K::Callable)) f.bad(1, "a unit");
        if (!args[2].value.is_sequence()) f.bad(2, "a list of argument tuples");
        Record r;
        r.type = "Block";
        r.fields = {{"scope", args[0].value}, {"unit_fn", args[1].value}, {"args", args[2].value}};
        return el.made(Value::make_record(std::move(r)), loc);
    }
    case BuiltinFn::CallScope: {
        auto s = el.call_scope();
        return s ? Value::string(*s) : Value::none();
    }
    case BuiltinFn::ScopePath: return Value::string(el.scope_path());
    case BuiltinFn::L2Regularizer: {
        const Value &v = args[0].value;
        if (!v.is_number() || !(v.as_double() >= 0) || v.as_double() > 1e6) f.bad(0, "a scale of at least 0");
        Record r;
        r.type = "l2_regularizer";
        r.fields = {{"scale", Value::real(v.as_double())}};
        return el.made(Value::make_record(std::move(r)), loc);
    }
    }
    el.fail(loc, "unknown built-in function");
}

}  // namespace netc
