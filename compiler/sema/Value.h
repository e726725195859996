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
    // How deeply lists, tuples and records nest inside this value (a scalar:
    // 0). Printing, comparing and freeing a value recurse this deep, so the
    // elaborator bounds it.
    int depth = 0;
    int64_t i = 0;     // Bool, Int; Tensor: node id
    double f = 0;
    // String. Shared, since values are copied freely (list repetition,
    // bindings) and a copy must not copy the text.
    std::shared_ptr<const std::string> text;
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
    const std::string &str() const { return *text; }
    double as_double() const { return kind == Kind::Float ? f : static_cast<double>(i); }
};

// "int", "list", "tensor", ... for messages.
const char *kind_name(Value::Kind k);

// Text the program made, cut to n characters and "..." for a message.
std::string clip(const std::string &s, size_t n = 60);

// A rendering for messages and the REPL, cut to `limit` characters and "..."
// (a list that holds one shared list twice, 40 times over, renders 2^40
// items; the cut keeps the work in proportion to the text). Tensors show as
// <tensor #ID>; the elaborator describes them with their shapes instead.
std::string to_string(const Value &v, size_t limit = size_t(1) << 20);
// The whole rendering, or false when it would be longer than `limit`.
bool render(const Value &v, size_t limit, std::string &out);

// Python's ==. Shared parts compare equal without being walked, and each
// pair of lists found equal is remembered, so values built by doubling
// compare in time linear in what was built. `budget` is decreased by the
// work done (an element, or 64 bytes of text, each); below 0 the result
// means nothing and the caller reports the comparison as too large.
bool values_equal(const Value &a, const Value &b, long &budget);

}  // namespace netc
