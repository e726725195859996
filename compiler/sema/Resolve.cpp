#include "Resolve.h"

#include "Builtins.h"

#include <algorithm>
#include <memory>
#include <set>

namespace netc {

using namespace ast;

namespace {

// Levenshtein distance, two rows; any value >= bound once it cannot be less.
size_t distance(const std::string &a, const std::string &b, size_t bound) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); j++) prev[j] = j;
    for (size_t i = 1; i <= a.size(); i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= b.size(); j++) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
            row_min = std::min(row_min, cur[j]);
        }
        if (row_min >= bound) return bound;
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

NameIndex::NameIndex(const std::vector<std::string> &names) {
    for (size_t i = 0; i < names.size(); i++) by_length_[names[i].size()].emplace_back(i, names[i]);
}

NameIndex::Best NameIndex::start(const std::string &name) {
    return Best{"", std::max<size_t>(1, name.size() / 3) + 1};
}

void NameIndex::search(const std::string &name, Best &best, size_t first) const {
    // A name d longer or shorter is at least d away; d equal to the best
    // so far still counts, as an earlier name breaks a tie.
    size_t lo = name.size() >= best.distance ? name.size() - best.distance : 0;
    for (auto it = by_length_.lower_bound(lo); it != by_length_.end(); ++it) {
        if (it->first > name.size() + best.distance) break;
        for (auto &[order, c] : it->second) {
            size_t d = distance(name, c, best.distance + 1);
            if (d < best.distance || (d == best.distance && !best.name.empty() && first + order < best.order)) {
                best = Best{c, d, first + order};
            }
        }
    }
}

std::string suggest(const std::string &name, const std::vector<std::string> &candidates) {
    NameIndex::Best best = NameIndex::start(name);
    NameIndex(candidates).search(name, best);
    return best.name;
}

namespace {

class Resolver {
public:
    Resolver(Program &p, int m) : p_(p), m_(m), diag_(p.diag()) {}

    void run() {
        for (auto &d : p_.module(m_).decls) decl(*d);
    }
    void run(const Decl &d) { decl(d); }

private:
    Program &p_;
    int m_;
    Diagnostics &diag_;
    std::vector<std::set<std::string>> locals_;

    bool is_local(const std::string &n) const {
        for (auto &s : locals_)
            if (s.count(n)) return true;
        return false;
    }

    // The module's visible names and the built-ins, indexed once per
    // resolver rather than gathered again for every unknown name.
    std::unique_ptr<NameIndex> globals_;
    size_t global_count_ = 0;

    std::string closest(const std::string &name) {
        if (!globals_) {
            std::vector<std::string> names = p_.visible_names(m_);
            auto b = builtin_names();
            names.insert(names.end(), b.begin(), b.end());
            global_count_ = names.size();
            globals_ = std::make_unique<NameIndex>(names);
        }
        NameIndex::Best best = NameIndex::start(name);
        globals_->search(name, best);
        std::vector<std::string> locals;
        for (auto &s : locals_) locals.insert(locals.end(), s.begin(), s.end());
        NameIndex(locals).search(name, best, global_count_);
        return best.name;
    }

    void unknown(const std::string &name, const Loc &loc, const char *what = "name") {
        std::string msg = std::string("unknown ") + what + " '" + name + "'";
        // Past the error limit nothing is printed, so nothing is suggested.
        if (diag_.will_print_error()) {
            std::string s = closest(name);
            if (!s.empty()) msg += "; did you mean '" + s + "'?";
        }
        diag_.error(loc, msg);
    }

    // Python-style function scope: a name assigned anywhere in a body is local to it.
    static void collect(const std::vector<StmtPtr> &body, std::set<std::string> &out) {
        for (auto &s : body) {
            if (s->kind == StmtKind::Assign || s->kind == StmtKind::For)
                out.insert(s->targets.begin(), s->targets.end());
            collect(s->body, out);
            collect(s->orelse, out);
        }
    }

    void params(const Decl &d) {
        const std::vector<Param> &ps = d.params;
        std::set<std::string> seen;
        bool had_default = false;
        for (auto &q : ps) {
            if (!seen.insert(q.name).second) diag_.error(q.loc, "duplicate parameter '" + q.name + "'");
            // Only a network's inputs are typed; elsewhere a type would go unchecked.
            if (q.type && d.kind != DeclKind::Network)
                diag_.error(q.type->loc, std::string("only a network's inputs have tensor types, so this one would "
                                                     "not be checked; ") +
                                             (d.kind == DeclKind::Unit ? "unit" : "arg_scope") +
                                             " parameters take any value (test a shape with rank(), shape() or "
                                             "channels() instead)");
            if (q.default_value) {
                expr(*q.default_value);
                had_default = true;
            } else if (had_default && !q.type) {
                diag_.error(q.loc, "parameter '" + q.name + "' without a default follows one with a default");
            }
        }
    }

    void decl(const Decl &d) {
        switch (d.kind) {
        case DeclKind::Import: return;
        case DeclKind::Const: expr(*d.value); return;
        case DeclKind::ArgScope: {
            params(d);
            std::set<std::string> names;
            for (auto &q : d.params) names.insert(q.name);
            locals_.push_back(names);
            for (auto &e : d.entries) entry(e);
            locals_.pop_back();
            return;
        }
        case DeclKind::Unit:
        case DeclKind::Network: {
            params(d);
            if (d.is_inline && d.scope.kind != ScopeName::Absent)
                diag_.error(d.scope.loc, "an inline unit opens no scope, so it cannot name one; drop 'inline' or "
                                         "the scope clause");
            for (auto &c : d.with_calls) with_call(c);
            std::set<std::string> names;
            for (auto &q : d.params) names.insert(q.name);
            collect(d.body, names);
            locals_.push_back(names);
            if (d.scope.kind == ScopeName::Computed) expr(*d.scope.expr);
            body(d.body);
            locals_.pop_back();
            return;
        }
        }
    }

    // The parameter names of what `name` calls, if it is an op or a unit.
    bool signature(const std::string &name, std::vector<std::string> &out, std::string &what) {
        if (is_local(name)) return false;
        if (const Decl *d = p_.lookup(m_, name)) {
            if (d->kind != DeclKind::Unit && d->kind != DeclKind::ArgScope) return false;
            for (auto &q : d->params) out.push_back(q.name);
            what = (d->kind == DeclKind::Unit ? "unit '" : "arg_scope '") + name + "'";
            return true;
        }
        if (const OpInfo *op = find_op(name)) {
            for (auto &q : op->params) out.push_back(q.name);
            what = "'" + name + "'";
            return true;
        }
        return false;
    }

    void entry(const ScopeEntry &e) {
        for (size_t i = 0; i < e.ops.size(); i++) {
            const std::string &op = e.ops[i];
            std::vector<std::string> names;
            std::string what;
            const Decl *d = p_.lookup(m_, op);
            bool ok = find_op(op) || (d && d->kind == DeclKind::Unit);
            if (!ok) {
                if (d) diag_.error(e.op_locs[i], "'" + op + "' is not an op or a unit, so an arg_scope cannot set its defaults");
                else unknown(op, e.op_locs[i], "op");
                continue;
            }
            signature(op, names, what);
            for (auto &kw : e.kwargs) check_param(what, kw.name, names, kw.loc);
        }
        for (auto &kw : e.kwargs) expr(*kw.value);
    }

    void with_call(const ScopeCall &c) {
        const Decl *d = is_local(c.name) ? nullptr : p_.lookup(m_, c.name, c.loc, &diag_);
        if (!d) {
            unknown(c.name, c.loc, "arg_scope");
        } else if (d->kind != DeclKind::ArgScope) {
            diag_.error(c.loc, "'" + c.name + "' is not an arg_scope; `with` takes arg_scopes");
        } else {
            check_args(c.name, c.args, c.loc);
        }
        for (auto &a : c.args) expr(*a.value);
    }

    void check_param(const std::string &what, const std::string &name, const std::vector<std::string> &names,
                     const Loc &loc) {
        if (std::find(names.begin(), names.end(), name) != names.end()) return;
        std::string msg = what + " has no parameter '" + name + "'";
        std::string s = suggest(name, names);
        if (!s.empty()) msg += "; did you mean '" + s + "'?";
        diag_.error(loc, msg);
    }

    void check_args(const std::string &callee, const std::vector<Arg> &args, const Loc &loc) {
        std::vector<std::string> names;
        std::string what;
        if (!signature(callee, names, what)) return;
        size_t positional = 0;
        bool splat = false;
        for (auto &a : args) {
            if (a.kind == Arg::Splat) splat = true;
            if (a.kind == Arg::Positional) positional++;
            if (a.kind == Arg::Keyword) check_param(what, a.name, names, a.loc);
        }
        if (!splat && positional > names.size())
            diag_.error(loc, what + " takes at most " + std::to_string(names.size()) + " argument" +
                                 (names.size() == 1 ? "" : "s") + ", got " + std::to_string(positional));
    }

    void body(const std::vector<StmtPtr> &stmts) {
        for (auto &s : stmts) stmt(*s);
    }

    void stmt(const Stmt &s) {
        for (auto &e : s.exprs) expr(*e);
        if (s.kind == StmtKind::Scope && s.scope.kind == ScopeName::Computed) expr(*s.scope.expr);
        for (auto &c : s.with_calls) with_call(c);
        for (auto &e : s.with_entries) entry(e);
        body(s.body);
        body(s.orelse);
    }

    void expr(const Expr &e) {
        switch (e.kind) {
        case ExprKind::Name: {
            Value v;
            if (is_local(e.text) || p_.lookup(m_, e.text, e.loc, &diag_) || find_op(e.text) || find_fn(e.text) ||
                find_constant(e.text, v))
                return;
            unknown(e.text, e.loc);
            return;
        }
        case ExprKind::Comprehension: {
            expr(*e.operands[1]);
            locals_.push_back(std::set<std::string>(e.vars.begin(), e.vars.end()));
            expr(*e.operands[0]);
            if (e.operands.size() > 2) expr(*e.operands[2]);
            locals_.pop_back();
            return;
        }
        case ExprKind::Call: {
            for (auto &x : e.operands) expr(*x);
            for (auto &a : e.args) expr(*a.value);
            if (e.scope.kind == ScopeName::Computed) expr(*e.scope.expr);
            if (e.operands[0]->kind == ExprKind::Name) check_args(e.operands[0]->text, e.args, e.loc);
            return;
        }
        default:
            for (auto &x : e.operands) expr(*x);
        }
    }
};

}  // namespace

bool resolve_module(Program &program, int m) {
    int before = program.diag().error_count();
    Resolver(program, m).run();
    return program.diag().error_count() == before;
}

bool resolve_decl(Program &program, int m, const Decl &d) {
    int before = program.diag().error_count();
    Resolver(program, m).run(d);
    return program.diag().error_count() == before;
}

}  // namespace netc
