#include "ASTPrinter.h"

#include <iomanip>
#include <sstream>

namespace netc {

using namespace ast;

namespace {

class Printer {
public:
    explicit Printer(std::ostream &out) : out_(out) {}

    void module(const Module &m) {
        for (auto &d : m.decls) decl(*d);
    }

private:
    std::ostream &out_;
    int indent_ = 0;

    std::ostream &line() { return out_ << std::string(2 * indent_, ' '); }
    static std::string pos(const Loc &l) {
        return " <" + std::to_string(l.line) + ":" + std::to_string(l.col) + ">";
    }
    static std::string quoted(const std::string &s) {
        std::ostringstream os;
        os << std::quoted(s);
        return os.str();
    }

    struct Nest {
        Printer &p;
        explicit Nest(Printer &p) : p(p) { p.indent_++; }
        ~Nest() { p.indent_--; }
    };

    void decl(const Decl &d) {
        switch (d.kind) {
        case DeclKind::Import: line() << "Import " << quoted(d.name) << pos(d.loc) << "\n"; return;
        case DeclKind::Const: {
            line() << "Const " << d.name << pos(d.loc) << "\n";
            Nest n(*this);
            expr(*d.value);
            return;
        }
        case DeclKind::ArgScope: {
            line() << "ArgScope " << d.name << pos(d.loc) << "\n";
            Nest n(*this);
            params(d.params);
            for (auto &e : d.entries) entry(e);
            return;
        }
        case DeclKind::Unit:
        case DeclKind::Network: {
            line() << (d.kind == DeclKind::Unit ? (d.is_inline ? "InlineUnit " : "Unit ") : "Network ")
                   << d.name << pos(d.loc) << "\n";
            Nest n(*this);
            params(d.params);
            if (d.scope.kind != ScopeName::Absent) scope("Scope", d.scope);
            for (auto &c : d.with_calls) scope_call(c);
            block("Body", d.body);
            return;
        }
        }
    }

    void params(const std::vector<Param> &ps) {
        for (auto &p : ps) {
            line() << "Param " << p.name;
            if (p.type) {
                out_ << " : " << p.type->dtype << "[";
                for (size_t i = 0; i < p.type->dims.size(); i++) {
                    auto &dim = p.type->dims[i];
                    out_ << (i ? ", " : "") << (dim.symbol.empty() ? std::to_string(dim.value) : dim.symbol);
                }
                out_ << "]";
            }
            out_ << pos(p.loc) << "\n";
            if (p.default_value) {
                Nest n(*this);
                line() << "Default\n";
                Nest m(*this);
                expr(*p.default_value);
            }
        }
    }

    void entry(const ScopeEntry &e) {
        line() << "Entry";
        for (auto &op : e.ops) out_ << " " << op;
        out_ << pos(e.loc) << "\n";
        Nest n(*this);
        for (auto &k : e.kwargs) kwarg(k.name, *k.value, k.loc);
    }

    void kwarg(const std::string &name, const Expr &value, const Loc &l) {
        line() << "Kwarg " << name << pos(l) << "\n";
        Nest n(*this);
        expr(value);
    }

    void scope_call(const ScopeCall &c) {
        line() << "With " << c.name << pos(c.loc) << "\n";
        Nest n(*this);
        args(c.args);
    }

    void scope(const char *what, const ScopeName &s) {
        if (s.kind == ScopeName::Literal) {
            line() << what << " " << quoted(s.text) << pos(s.loc) << "\n";
        } else if (s.kind == ScopeName::Computed) {
            line() << what << pos(s.loc) << "\n";
            Nest n(*this);
            expr(*s.expr);
        }
    }

    void block(const char *what, const std::vector<StmtPtr> &body) {
        line() << what << "\n";
        Nest n(*this);
        for (auto &s : body) stmt(*s);
    }

    void stmt(const Stmt &s) {
        switch (s.kind) {
        case StmtKind::Assign: {
            line() << "Assign";
            for (auto &t : s.targets) out_ << " " << t;
            out_ << pos(s.loc) << "\n";
            Nest n(*this);
            expr(*s.exprs[0]);
            return;
        }
        case StmtKind::EndPoint: {
            line() << "EndPoint" << pos(s.loc) << "\n";
            Nest n(*this);
            expr(*s.exprs[0]);
            expr(*s.exprs[1]);
            return;
        }
        case StmtKind::Return: {
            line() << "Return" << pos(s.loc) << "\n";
            Nest n(*this);
            for (auto &e : s.exprs) expr(*e);
            return;
        }
        case StmtKind::If: {
            line() << "If" << pos(s.loc) << "\n";
            Nest n(*this);
            expr(*s.exprs[0]);
            block("Then", s.body);
            if (!s.orelse.empty()) block("Else", s.orelse);
            return;
        }
        case StmtKind::For: {
            line() << "For";
            for (auto &t : s.targets) out_ << " " << t;
            out_ << pos(s.loc) << "\n";
            Nest n(*this);
            expr(*s.exprs[0]);
            block("Body", s.body);
            return;
        }
        case StmtKind::Scope: {
            scope("ScopeBlock", s.scope);
            Nest n(*this);
            block("Body", s.body);
            return;
        }
        case StmtKind::With: {
            line() << "WithBlock" << pos(s.loc) << "\n";
            Nest n(*this);
            for (auto &c : s.with_calls) scope_call(c);
            for (auto &e : s.with_entries) entry(e);
            block("Body", s.body);
            return;
        }
        }
    }

    void args(const std::vector<Arg> &as) {
        for (auto &a : as) {
            if (a.kind == Arg::Keyword) {
                kwarg(a.name, *a.value, a.loc);
            } else if (a.kind == Arg::Splat) {
                line() << "Splat" << pos(a.loc) << "\n";
                Nest n(*this);
                expr(*a.value);
            } else {
                expr(*a.value);
            }
        }
    }

    void expr(const Expr &e) {
        auto &o = line();
        switch (e.kind) {
        case ExprKind::Int: o << "Int " << e.int_value; break;
        case ExprKind::Float: o << "Float " << e.text; break;
        case ExprKind::String: o << "String " << quoted(e.text); break;
        case ExprKind::Bool: o << "Bool " << (e.int_value ? "true" : "false"); break;
        case ExprKind::None: o << "None"; break;
        case ExprKind::Name: o << "Name " << e.text; break;
        case ExprKind::List: o << "List"; break;
        case ExprKind::Tuple: o << "Tuple"; break;
        case ExprKind::Comprehension: {
            o << "Comprehension";
            for (auto &v : e.vars) o << " " << v;
            break;
        }
        case ExprKind::Call: o << "Call"; break;
        case ExprKind::Field: o << "Field " << e.text; break;
        case ExprKind::Index: o << "Index"; break;
        case ExprKind::Unary: o << "Unary " << e.text; break;
        case ExprKind::Binary: o << "Binary " << e.text; break;
        case ExprKind::Cond: o << "Cond"; break;
        }
        o << pos(e.loc) << "\n";
        Nest n(*this);
        for (auto &x : e.operands) expr(*x);
        if (e.kind == ExprKind::Call) {
            args(e.args);
            scope("At", e.scope);
        }
    }
};

}  // namespace

void print_ast(std::ostream &out, const Module &module) {
    Printer(out).module(module);
}

}  // namespace netc
