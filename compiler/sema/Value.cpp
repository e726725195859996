#include "Value.h"

#include <cmath>
#include <cstdio>

namespace netc {

bool Callable::operator==(const Callable &o) const {
    if (kind != o.kind) return false;
    switch (kind) {
    case Op: return op == o.op;
    case Function: return fn == o.fn;
    default: return decl == o.decl;
    }
}

Value Value::boolean(bool b) {
    Value v;
    v.kind = Kind::Bool;
    v.i = b;
    return v;
}
Value Value::integer(int64_t x) {
    Value v;
    v.kind = Kind::Int;
    v.i = x;
    return v;
}
Value Value::real(double x) {
    Value v;
    v.kind = Kind::Float;
    v.f = x;
    return v;
}
Value Value::string(std::string x) {
    Value v;
    v.kind = Kind::String;
    v.s = std::move(x);
    return v;
}
Value Value::list(ValueList x) {
    Value v;
    v.kind = Kind::List;
    v.items = std::make_shared<const ValueList>(std::move(x));
    return v;
}
Value Value::tuple(ValueList x) {
    Value v = list(std::move(x));
    v.kind = Kind::Tuple;
    return v;
}
Value Value::tensor(int node) {
    Value v;
    v.kind = Kind::Tensor;
    v.i = node;
    return v;
}
Value Value::callable(Callable c) {
    Value v;
    v.kind = Kind::Callable;
    v.fn = std::make_shared<const Callable>(std::move(c));
    return v;
}
Value Value::make_record(Record r) {
    Value v;
    v.kind = Kind::Record;
    v.record = std::make_shared<const Record>(std::move(r));
    return v;
}

const char *kind_name(Value::Kind k) {
    switch (k) {
    case Value::Kind::None: return "none";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return "string";
    case Value::Kind::List: return "list";
    case Value::Kind::Tuple: return "tuple";
    case Value::Kind::Tensor: return "tensor";
    case Value::Kind::Callable: return "callable";
    case Value::Kind::Record: return "record";
    }
    return "?";
}

std::string to_string(const Value &v) {
    switch (v.kind) {
    case Value::Kind::None: return "none";
    case Value::Kind::Bool: return v.i ? "true" : "false";
    case Value::Kind::Int: return std::to_string(v.i);
    case Value::Kind::Float: {
        char buf[32];
        snprintf(buf, sizeof buf, "%.17g", v.f);
        std::string s = buf;
        // Shortest spelling that reads back the same.
        for (int p = 1; p < 17; p++) {
            snprintf(buf, sizeof buf, "%.*g", p, v.f);
            if (std::strtod(buf, nullptr) == v.f) {
                s = buf;
                break;
            }
        }
        if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
        return s;
    }
    case Value::Kind::String: return "\"" + v.s + "\"";
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        bool list = v.kind == Value::Kind::List;
        std::string s = list ? "[" : "(";
        for (size_t k = 0; k < v.items->size(); k++) {
            if (k) s += ", ";
            s += to_string((*v.items)[k]);
        }
        if (!list && v.items->size() == 1) s += ",";
        return s + (list ? "]" : ")");
    }
    case Value::Kind::Tensor: return "<tensor #" + std::to_string(v.i) + ">";
    case Value::Kind::Callable: return v.fn->name;
    case Value::Kind::Record: {
        std::string s = v.record->type + "(";
        for (size_t k = 0; k < v.record->fields.size(); k++) {
            if (k) s += ", ";
            s += v.record->fields[k].first + "=" + to_string(v.record->fields[k].second);
        }
        return s + ")";
    }
    }
    return "?";
}

bool values_equal(const Value &a, const Value &b) {
    if (a.is_number() && b.is_number()) {
        if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) return a.i == b.i;
        return a.as_double() == b.as_double();
    }
    if (a.kind != b.kind) {
        if (a.is_sequence() && b.is_sequence()) return false;
        return false;
    }
    switch (a.kind) {
    case Value::Kind::None: return true;
    case Value::Kind::Bool: return a.i == b.i;
    case Value::Kind::String: return a.s == b.s;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        if (a.items->size() != b.items->size()) return false;
        for (size_t k = 0; k < a.items->size(); k++)
            if (!values_equal((*a.items)[k], (*b.items)[k])) return false;
        return true;
    }
    case Value::Kind::Tensor: return a.i == b.i;
    case Value::Kind::Callable: return *a.fn == *b.fn;
    case Value::Kind::Record: return a.record == b.record;
    default: return false;
    }
}

}  // namespace netc
