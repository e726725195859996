// netc's own syntax tree. The parser builds it from ANTLR's parse tree in one
// visitor (Parser.cpp); no later stage sees an ANTLR type.
#pragma once

#include "Source.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace netc::ast {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

// The scope an op or unit call opens: `@ conv1`, `@ "conv1"` or `@ (expr)`.
struct ScopeName {
    enum Kind { Absent, Literal, Computed } kind = Absent;
    std::string text;  // Literal
    ExprPtr expr;      // Computed
    Loc loc;
};

struct Arg {
    enum Kind { Positional, Keyword, Splat } kind = Positional;
    std::string name;  // Keyword
    ExprPtr value;
    Loc loc;
};

enum class ExprKind {
    Int, Float, String, Bool, None, Name,
    List, Tuple, Comprehension,
    Call, Field, Index, Unary, Binary, Cond,
};

struct Expr {
    ExprKind kind;
    Loc loc;
    int64_t int_value = 0;    // Int, Bool
    double float_value = 0;   // Float
    std::string text;         // String value, Name, Field name, operator, Float spelling
    std::vector<ExprPtr> operands;
    // Call: operands[0] is the callee. Comprehension: operands are
    // {element, iterable, filter?} and vars the loop variables.
    std::vector<Arg> args;
    ScopeName scope;          // Call
    std::vector<std::string> vars;

    Expr(ExprKind k, Loc l) : kind(k), loc(l) {}
};

struct KwArg {
    std::string name;
    ExprPtr value;
    Loc loc;
};

// `conv2d, max_pool2d: padding = SAME, stride = 1` inside an arg_scope.
struct ScopeEntry {
    std::vector<std::string> ops;
    std::vector<Loc> op_locs;
    std::vector<KwArg> kwargs;
    Loc loc;
};

// `name(args)` naming an arg_scope in a `with`.
struct ScopeCall {
    std::string name;
    std::vector<Arg> args;
    Loc loc;
};

enum class StmtKind { Assign, EndPoint, Return, If, For, Scope, With };

struct Stmt {
    StmtKind kind;
    Loc loc;
    std::vector<std::string> targets;    // Assign targets, For loop variables
    std::vector<Loc> target_locs;
    std::vector<ExprPtr> exprs;          // Assign {value}; EndPoint {key, value};
                                         // Return values; If {cond}; For {iterable}
    std::vector<StmtPtr> body, orelse;   // If/For/Scope/With bodies; If's else
    ScopeName scope;                     // Scope
    std::vector<ScopeCall> with_calls;   // With: named arg_scopes ...
    std::vector<ScopeEntry> with_entries;  // ... or inline entries

    Stmt(StmtKind k, Loc l) : kind(k), loc(l) {}
};

struct Dim {
    std::string symbol;  // empty when the dimension is a number
    int64_t value = 0;
    Loc loc;
};

struct TensorType {
    std::string dtype;
    std::vector<Dim> dims;
    Loc loc;
};

struct Param {
    std::string name;
    std::unique_ptr<TensorType> type;  // networks' inputs
    ExprPtr default_value;
    Loc loc;
};

enum class DeclKind { Import, Const, ArgScope, Unit, Network };

struct Decl {
    DeclKind kind;
    std::string name;  // Import: the path as written
    Loc loc;           // the name's position
    ExprPtr value;     // Const
    std::vector<Param> params;
    std::vector<ScopeEntry> entries;       // ArgScope
    bool is_inline = false;                // Unit
    ScopeName scope;                       // Unit / Network scope clause
    std::vector<ScopeCall> with_calls;     // Unit / Network
    std::vector<StmtPtr> body;             // Unit / Network
    int module = -1;                       // index of the owning module (set by the loader)

    Decl(DeclKind k, Loc l) : kind(k), loc(l) {}
};

struct Module {
    std::string path;      // as opened
    int file = -1;         // SourceManager id
    std::vector<std::unique_ptr<Decl>> decls;
    std::vector<int> imports;  // module indices, in import order
};

}  // namespace netc::ast
