// The elaborator's internals, shared by its three parts: statements and
// expressions (Elaborator.cpp), built-in ops that build IR (OpBuilders.cpp)
// and built-in functions (BuiltinFns.cpp). Not used outside compiler/ir.
#pragma once

#include "Builtins.h"
#include "Elaborate.h"

#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace netc {

// A call's arguments after evaluation, splats expanded.
struct CallArg {
    std::string name;  // empty: positional
    Value value;
    Loc loc;
};

// Arguments bound to a callee's parameters, with where each came from.
struct BoundArgs {
    std::vector<Value> values;
    std::vector<Loc> locs;
    std::vector<bool> given;  // explicitly passed at the call (not a default)
    Loc call;
};

// Bounds on what a program may compute at compile time, so that a hostile
// or mistaken one ends as a located error rather than a hang or an
// exhausted machine. Each is far beyond what any network needs.
constexpr long kMaxSteps = 20'000'000;              // statements, expressions and elements touched
constexpr size_t kMaxListSize = 1'000'000;          // elements of one list or tuple
constexpr size_t kMaxStringSize = 1 << 20;          // bytes of one string
constexpr int kMaxValueDepth = 1000;                // lists within lists
constexpr size_t kMaxValueBytes = size_t(512) << 20;  // all lists, strings and node names made, together
constexpr size_t kMaxScopeName = 1024;               // characters of one scope name

class Elaborator {
public:
    Elaborator(Program &program, const ElaborateOptions &options);

    std::unique_ptr<ir::Graph> run(const ast::Decl &network);
    Value eval_in_module(int module, const ast::Expr &expr);

    // --- used by ops and functions ---
    ir::Graph &graph() { return *graph_; }
    [[noreturn]] void fail(const Loc &loc, const std::string &msg, const Loc &note_loc = Loc(),
                           const std::string &note = "");
    std::string describe(const Value &v) const;
    // Counts n steps of work against kMaxSteps.
    void tick(const Loc &loc, long n = 1);
    // Every list, tuple, record and string the program makes passes through
    // here: checks its size and nesting and charges its memory.
    Value made(Value v, const Loc &loc);
    // ==, with the work it takes counted as steps.
    bool equal(const Value &a, const Value &b, const Loc &loc);
    const ir::Node &tensor_node(const Value &v) const { return graph_->nodes.at(v.i); }
    // Names a new node: the call's `@ name`, or slim's default made unique.
    std::string node_name(const std::string &default_base, const std::string &explicit_name, const Loc &loc);
    int add_node(ir::Node node);
    // Takes a scope path no node holds (an op of several nodes, such as
    // split, names them under it), so default names skip it.
    void reserve_name(const std::string &full, const Loc &loc) { used_names_.emplace(full, loc); }
    // Records (or moves) a named end point.
    void set_end_point(const std::string &name, int node);
    // batch_norm's defaults as the current arg_scopes set them (a conv's normalizer).
    BoundArgs effective_defaults(BuiltinOp op, const Loc &loc);
    // The `@` name the innermost unit was called with; notes that the unit
    // read it (an inline unit must, or the name would be lost).
    std::optional<std::string> call_scope();
    std::string scope_path() const;

private:
    struct Frame {
        int module = -1;
        std::map<std::string, Value> locals;
        const ast::Decl *unit = nullptr;
        Loc call_loc;
        std::optional<std::string> call_scope;
        std::optional<Value> returned;
        std::vector<std::string> returned_names;  // each returned expression's variable name, or ""
        bool call_scope_read = false;
        Loc returned_at;

        // A frame that only evaluates in a module (constants, defaults).
        static Frame in(int module, std::map<std::string, Value> locals = {}) {
            Frame f;
            f.module = module;
            f.locals = std::move(locals);
            return f;
        }
    };
    struct Defaults {
        Callable target;
        std::vector<std::pair<std::string, Value>> kwargs;
        std::vector<Loc> locs;
    };

    Program &program_;
    const ElaborateOptions &options_;
    std::unique_ptr<ir::Graph> graph_;
    std::vector<Frame> frames_;
    std::vector<std::string> scopes_;
    std::map<std::string, Loc> used_names_;  // full scope paths taken by nodes
    std::set<std::string> used_scopes_;      // full paths opened by units and scopes
    // Per "prefix/base": the first suffix k that may still be free for a
    // default name (Conv_k); the names taken only grow, so the search for the
    // next one starts there rather than at 0.
    mutable std::unordered_map<std::string, int> first_free_;
    std::unordered_map<std::string, size_t> end_point_index_;  // into graph_->end_points
    std::vector<std::vector<Defaults>> arg_scopes_;
    std::map<const ast::Decl *, Value> consts_;
    std::set<const ast::Decl *> consts_in_progress_;
    long steps_ = 0;
    size_t value_bytes_ = 0;
    int64_t weight_values_ = 0;  // of every variable so far

    Frame &frame() { return frames_.back(); }

    // Statements: true when a `return` ran.
    bool exec(const std::vector<ast::StmtPtr> &body);
    bool exec(const ast::Stmt &s);
    void assign(const ast::Stmt &s, const Value &v);

    Value eval(const ast::Expr &e);
    Value lookup(const std::string &name, const Loc &loc);
    Value eval_binary(const ast::Expr &e);
    Value eval_unary(const ast::Expr &e);
    Value eval_index(const ast::Expr &e);
    Value eval_field(const ast::Expr &e);
    Value eval_comprehension(const ast::Expr &e);
    std::vector<CallArg> eval_args(const std::vector<ast::Arg> &args);
    std::string eval_scope_name(const ast::ScopeName &s);

    Value call(const Value &callee, std::vector<CallArg> args, const Loc &loc, const std::string &site);
    Value call_unit(const ast::Decl &unit, std::vector<CallArg> args, const Loc &loc, const std::string &site);
    Value call_op(BuiltinOp op, std::vector<CallArg> args, const Loc &loc, const std::string &site);
    Value call_fn(BuiltinFn fn, std::vector<CallArg> args, const Loc &loc);

    // Binds args to parameter names; arg_scope defaults fill what is not given.
    void bind(const std::string &what, const Callable &target, const std::vector<std::string> &names,
              std::vector<CallArg> &args, BoundArgs &out);
    const Defaults *find_default(const Callable &target, const std::string &param, size_t &index) const;
    std::vector<Defaults> instantiate_arg_scope(const ast::ScopeCall &call);
    std::vector<Defaults> inline_arg_scope(const std::vector<ast::ScopeEntry> &entries);
    Defaults make_defaults(const ast::ScopeEntry &entry, int module, const std::string &op,
                           const Loc &op_loc);
    void push_with(const std::vector<ast::ScopeCall> &calls);

    void check_scope_name(const std::string &name, const Loc &loc);
    void charge_bytes(size_t bytes, const Loc &loc);
    void push_scope(const std::string &name, bool is_default, const Loc &loc);
    void pop_scope() { scopes_.pop_back(); }
    std::string unique_scope(const std::string &base) const;
    Value const_value(const ast::Decl &d);
    void bind_network_inputs(const ast::Decl &net);
    void bind_network_outputs(const ast::Decl &net, const Value &out, const std::vector<std::string> &names);
};

// Built-in op and function bodies.
Value build_op(Elaborator &el, BuiltinOp op, const BoundArgs &args, const std::string &site);
Value call_builtin_fn(Elaborator &el, BuiltinFn fn, const std::vector<CallArg> &args, const Loc &loc);

}  // namespace netc
