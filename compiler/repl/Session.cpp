#include "Session.h"

#include "Parser.h"
#include "Resolve.h"
#include "Summary.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

namespace netc::repl {

namespace {

const char *kind_word(ast::DeclKind k) {
    switch (k) {
    case ast::DeclKind::Import: return "import";
    case ast::DeclKind::Const: return "const";
    case ast::DeclKind::ArgScope: return "arg_scope";
    case ast::DeclKind::Unit: return "unit";
    case ast::DeclKind::Network: return "network";
    }
    return "definition";
}

std::string key_of(const ast::Decl &d) {
    return d.kind == ast::DeclKind::Import ? "import " + d.name : d.name;
}

std::string trim(std::string s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t{");
    return b == std::string::npos || e < b ? "" : s.substr(b, e - b + 1);
}

// The networks of the module that `import "name"` in module m loaded. The
// import found it next to the session, in $NETC_PATH or in the stdlib, so
// its path ends with the name.
std::string imported_networks(const Program &p, int m, const std::string &name) {
    std::string want = std::filesystem::path(name).lexically_normal().generic_string();
    for (int i : p.module(m).imports) {
        std::string got = std::filesystem::path(p.module(i).path).lexically_normal().generic_string();
        if (got.size() < want.size() || got.compare(got.size() - want.size(), want.size(), want) != 0) continue;
        std::string names;
        for (auto *n : p.networks(i)) names += (names.empty() ? "" : ", ") + n->name;
        return names.empty() ? "no networks" : "networks " + names;
    }
    return "";
}

}  // namespace

Session::Session(std::ostream &out, std::ostream &err, jit::JitNetwork::Interrupt interrupt)
    : out_(out), err_(err), diag_out_(err.rdbuf()), diag_(sources_, diag_out_), interrupt_(std::move(interrupt)),
      target_(exec::parse_target("host", "target")), tuning_(tune::load_tuning("", target_)) {
    diag_out_.setf(std::ios::unitbuf);
    Built empty;
    build({}, empty);
    program_ = std::move(empty.program);
    module_ = empty.module;
}

// A fresh Program over the session's sources: every input's declarations
// parsed again so that each binds to the latest definitions, and every import
// read again (a `:load` of an edited file picks the edit up).
bool Session::build(const std::vector<Def> &defs, Built &out) {
    out.program = std::make_unique<Program>(sources_, diag_, default_search_path());
    auto m = std::make_unique<ast::Module>();
    m->path = "<session>";
    std::map<int, std::unique_ptr<ast::Module>> inputs;
    for (auto &d : defs) {
        auto &in = inputs[d.file];
        if (!in && !(in = parse_module(sources_, d.file, diag_))) return false;
        for (auto &decl : in->decls)
            if (decl && key_of(*decl) == d.key) {
                m->decls.push_back(std::move(decl));
                break;
            }
    }
    out.module = out.program->add_module(std::move(m), ".");
    if (out.module < 0) return false;
    // Imported modules are checked too, as `netc check` does.
    bool ok = true;
    for (int i = 0; i < out.program->module_count(); i++)
        if (i != out.module) ok = resolve_module(*out.program, i) && ok;
    return ok;
}

bool Session::define(int file) {
    auto typed = parse_module(sources_, file, diag_);
    if (!typed) return false;
    if (typed->decls.empty()) return true;  // only blanks and comments
    std::set<std::string> keys;
    for (auto &d : typed->decls) keys.insert(key_of(*d));
    std::vector<Def> defs;
    std::set<std::string> before;
    for (auto &d : defs_) {
        if (keys.count(d.key)) before.insert(d.key);
        else defs.push_back(d);
    }
    for (auto &d : typed->decls) defs.push_back({key_of(*d), d->kind, file});

    Built next;
    if (!build(defs, next)) return false;
    Program &p = *next.program;
    // Only what was typed must check and build; what it breaks is noted below.
    std::vector<std::string> report;
    bool ok = true;
    for (auto &d : p.module(next.module).decls) {
        if (d->loc.file != file) continue;
        if (!resolve_decl(p, next.module, *d)) {
            ok = false;
            continue;
        }
        std::string line = std::string(before.count(key_of(*d)) ? "redefined " : "defined ") + kind_word(d->kind) +
                           " " + d->name;
        if (d->kind == ast::DeclKind::Import) {
            line = "imported \"" + d->name + "\": " + imported_networks(p, next.module, d->name);
        } else if (d->kind == ast::DeclKind::Const) {
            Value v;
            if (!evaluate_constant(p, next.module, *d->value, v)) {
                ok = false;
                continue;
            }
            line += " = " + to_string(v);
        } else if (d->kind == ast::DeclKind::Unit || d->kind == ast::DeclKind::ArgScope) {
            std::string params;
            for (auto &q : d->params) params += (params.empty() ? "" : ", ") + q.name;
            line += "(" + params + ")";
        } else if (d->kind == ast::DeclKind::Network) {
            auto g = elaborate_network(p, *d);
            if (!g) {
                ok = false;
                continue;
            }
            auto shapes = [&](const std::vector<int> &nodes) {
                std::string s;
                for (size_t k = 0; k < nodes.size(); k++)
                    s += (k ? ", " : "") + g->node(nodes[k]).shape.str(g->batch_symbol);
                return s;
            };
            line += ": " + shapes(g->inputs) + " -> " + shapes(g->outputs) + ", " + with_commas(g->total_params()) +
                    " params";
        }
        report.push_back(line);
    }
    if (!ok) return false;
    defs_ = std::move(defs);
    program_ = std::move(next.program);
    module_ = next.module;
    for (auto &line : report) out_ << line << "\n";
    after_change({keys.begin(), keys.end()});
    return true;
}

bool Session::load(const std::string &path, const std::string &input_name) {
    std::string quoted;
    for (char c : path) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return define(sources_.add(input_name, "import \"" + quoted + "\"\n"));
}

std::vector<std::string> Session::network_names() const {
    std::vector<std::string> out;
    for (auto &n : program_->visible_names(module_)) {
        const ast::Decl *d = program_->lookup(module_, n);
        if (d && d->kind == ast::DeclKind::Network) out.push_back(n);
    }
    return out;
}

void Session::list_definitions(std::ostream &os) const {
    if (defs_.empty()) os << "(nothing defined yet: type a definition, or :load FILE)\n";
    for (auto &d : defs_) {
        const ast::Decl *decl = nullptr;
        for (auto &x : program_->module(module_).decls)
            if (key_of(*x) == d.key) decl = x.get();
        if (!decl) continue;
        std::string where = sources_.file(decl->loc.file).path();
        os << where << std::string(where.size() < 12 ? 12 - where.size() : 1, ' ');
        if (d.kind == ast::DeclKind::Import) os << "import \"" << decl->name << "\"\n";
        else os << trim(sources_.file(decl->loc.file).line(decl->loc.line)) << "\n";
    }
}

bool Session::resolve_expression(ast::ExprPtr &e) {
    // Checked as the value of a constant would be: unknown names with a
    // suggestion, rather than the elaborator's terser message.
    ast::Decl tmp(ast::DeclKind::Const, e->loc);
    tmp.value = std::move(e);
    bool ok = resolve_decl(*program_, module_, tmp);
    e = std::move(tmp.value);
    return ok;
}

bool Session::show(const std::string &name, const Loc &use, std::ostream &os) {
    const ast::Decl *d = program_->lookup(module_, name, use, &diag_);
    if (!d) {
        std::string s = suggest(name, visible_names());
        diag_.error(use, "nothing named '" + name + "' is defined" + (s.empty() ? "" : "; did you mean '" + s + "'?"));
        return false;
    }
    // From its line to the line before the next declaration of its file.
    const SourceFile &f = sources_.file(d->loc.file);
    int end = 1 << 30;
    for (auto &x : program_->module(d->module).decls)
        if (x->loc.file == d->loc.file && x->loc.line > d->loc.line) end = std::min(end, x->loc.line);
    int last = static_cast<int>(std::count(f.text().begin(), f.text().end(), '\n')) + 1;
    std::vector<std::string> lines;
    for (int l = d->loc.line; l < end && l <= last; l++) lines.push_back(f.line(l));
    while (!lines.empty() && (trim(lines.back()).empty() || trim(lines.back()).rfind("//", 0) == 0)) lines.pop_back();
    os << "// " << f.path() << ":" << d->loc.line << "\n";
    for (auto &l : lines) os << l << "\n";
    return true;
}

}  // namespace netc::repl
