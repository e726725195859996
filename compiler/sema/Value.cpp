#include "Value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

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
    v.text = std::make_shared<const std::string>(std::move(x));
    return v;
}
Value Value::list(ValueList x) {
    Value v;
    v.kind = Kind::List;
    for (const Value &item : x) v.depth = std::max(v.depth, item.depth + 1);
    if (x.empty()) v.depth = 1;
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
    v.depth = 1;
    for (auto &field : r.fields) v.depth = std::max(v.depth, field.second.depth + 1);
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

namespace {

std::string float_text(double f) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", f);
    std::string s = buf;
    // Shortest spelling that reads back the same.
    for (int p = 1; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, f);
        if (std::strtod(buf, nullptr) == f) {
            s = buf;
            break;
        }
    }
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

// Appends to `out` and stops as soon as it holds more than `limit`
// characters, so a value that would render to terabytes costs no more than
// its first `limit` characters.
class Renderer {
public:
    Renderer(size_t limit, std::string &out) : limit_(limit), out_(out) {}

    bool value(const Value &v) {
        switch (v.kind) {
        case Value::Kind::None: return put("none");
        case Value::Kind::Bool: return put(v.i ? "true" : "false");
        case Value::Kind::Int: return put(std::to_string(v.i));
        case Value::Kind::Float: return put(float_text(v.f));
        case Value::Kind::String: return put("\"") && put(v.str()) && put("\"");
        case Value::Kind::List:
        case Value::Kind::Tuple: {
            bool list = v.kind == Value::Kind::List;
            if (!put(list ? "[" : "(")) return false;
            for (size_t k = 0; k < v.items->size(); k++)
                if ((k && !put(", ")) || !value((*v.items)[k])) return false;
            if (!list && v.items->size() == 1 && !put(",")) return false;
            return put(list ? "]" : ")");
        }
        case Value::Kind::Tensor: return put("<tensor #" + std::to_string(v.i) + ">");
        case Value::Kind::Callable: return put(v.fn->name);
        case Value::Kind::Record: {
            if (!put(v.record->type + "(")) return false;
            for (size_t k = 0; k < v.record->fields.size(); k++) {
                auto &field = v.record->fields[k];
                if ((k && !put(", ")) || !put(field.first + "=") || !value(field.second)) return false;
            }
            return put(")");
        }
        }
        return put("?");
    }

private:
    bool put(const std::string &s) {
        out_.append(s, 0, std::min(s.size(), limit_ + 1 - std::min(limit_ + 1, out_.size())));
        return out_.size() <= limit_;
    }
    size_t limit_;
    std::string &out_;
};

class Equality {
public:
    explicit Equality(long &budget) : budget_(budget) {}

    bool equal(const Value &a, const Value &b) {
        if (--budget_ < 0) return false;
        if (a.is_number() && b.is_number()) {
            if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) return a.i == b.i;
            return a.as_double() == b.as_double();
        }
        if (a.kind != b.kind) return false;
        switch (a.kind) {
        case Value::Kind::None: return true;
        case Value::Kind::Bool: return a.i == b.i;
        case Value::Kind::String:
            if (a.text == b.text) return true;
            budget_ -= static_cast<long>(std::min(a.str().size(), b.str().size()) / 64);
            return a.str() == b.str();
        case Value::Kind::List:
        case Value::Kind::Tuple: {
            if (a.items == b.items) return true;
            auto key = std::make_pair(a.items.get(), b.items.get());
            if (same_.count(key)) return true;
            if (a.items->size() != b.items->size()) return false;
            for (size_t k = 0; k < a.items->size(); k++)
                if (!equal((*a.items)[k], (*b.items)[k])) return false;
            same_.insert(key);
            return true;
        }
        case Value::Kind::Tensor: return a.i == b.i;
        case Value::Kind::Callable: return *a.fn == *b.fn;
        case Value::Kind::Record: return a.record == b.record;
        default: return false;
        }
    }

private:
    long &budget_;
    std::set<std::pair<const ValueList *, const ValueList *>> same_;
};

}  // namespace

std::string clip(const std::string &s, size_t n) { return s.size() <= n ? s : s.substr(0, n) + "..."; }

bool render(const Value &v, size_t limit, std::string &out) {
    out.clear();
    return Renderer(limit, out).value(v) && out.size() <= limit;
}

std::string to_string(const Value &v, size_t limit) {
    std::string s;
    if (!render(v, limit, s)) {
        s.resize(limit);
        s += "...";
    }
    return s;
}

bool values_equal(const Value &a, const Value &b, long &budget) {
    Equality eq(budget);
    bool r = eq.equal(a, b);
    return r && budget >= 0;
}

}  // namespace netc
