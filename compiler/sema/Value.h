// Compile-time values of the .net language. Elaboration evaluates a network's
// body with these; tensors are symbolic (an IR node and its static shape).
#pragma once

#include "AST.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace netc {

enum class BuiltinOp;
enum class BuiltinFn;

// Something that can be called: a built-in op, a built-in function, a unit or
// an arg_scope (the latter only in `with`).
struct Callable {
    enum Kind { Op, Function, Unit, ArgScope } kind = Op;
    BuiltinOp op{};
    BuiltinFn fn{};
    const ast::Decl *decl = nullptr;  // Unit, ArgScope
    std::string name;
    bool operator==(const Callable &o) const;
};

struct Value;
using ValueList = std::vector<Value>;

// A record such as slim's Block(scope, unit_fn, args).
struct Record {
    std::string type;
    std::vector<std::pair<std::string, Value>> fields;
};

struct Value {
    enum class Kind { None, Bool, Int, Float, String, List, Tuple, Tensor, Callable, Record };
    Kind kind = Kind::None;
    int64_t i = 0;     // Bool, Int; Tensor: node id
    double f = 0;
    std::string s;
    std::shared_ptr<const ValueList> items;  // List, Tuple
    std::shared_ptr<const Callable> fn;
    std::shared_ptr<const Record> record;

    static Value none() { return Value(); }
    static Value boolean(bool b);
    static Value integer(int64_t v);
    static Value real(double v);
    static Value string(std::string v);
    static Value list(ValueList v);
    static Value tuple(ValueList v);
    static Value tensor(int node);
    static Value callable(Callable c);
    static Value make_record(Record r);

    bool is(Kind k) const { return kind == k; }
    bool is_sequence() const { return kind == Kind::List || kind == Kind::Tuple; }
    bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
    const ValueList &elements() const { return *items; }
    double as_double() const { return kind == Kind::Float ? f : static_cast<double>(i); }
};

// "int", "list", "tensor", ... for messages.
const char *kind_name(Value::Kind k);
// A short rendering for messages and the REPL; tensors show as <tensor NAME>
// only through the describer the elaborator passes in.
std::string to_string(const Value &v);
bool values_equal(const Value &a, const Value &b);

}  // namespace netc
