#include "Program.h"

#include "Parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace netc {

namespace fs = std::filesystem;

namespace {

std::string canonical(const std::string &p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(fs::path(p), ec);
    return ec ? p : c.string();
}

std::string dir_of(const std::string &p) {
    fs::path d = fs::path(p).parent_path();
    return d.empty() ? "." : d.string();
}

}  // namespace

std::vector<std::string> default_search_path() {
    std::vector<std::string> out;
    if (const char *env = std::getenv("NETC_PATH")) {
        std::string s = env;
        size_t b = 0;
        while (b <= s.size()) {
            size_t e = s.find(':', b);
            if (e == std::string::npos) e = s.size();
            if (e > b) out.push_back(s.substr(b, e - b));
            b = e + 1;
        }
    }
    // An installed netc finds its stdlib next to itself (PREFIX/bin/netc ->
    // PREFIX/share/netc/stdlib); a build tree uses the source tree's.
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    fs::path installed = self.parent_path().parent_path() / "share" / "netc" / "stdlib";
    if (!ec && fs::is_directory(installed, ec)) out.push_back(installed.string());
    out.push_back(NETC_STDLIB_DIR);
    return out;
}

Program::Program(SourceManager &sources, Diagnostics &diag, std::vector<std::string> search_path)
    : sources_(sources), diag_(diag), search_path_(std::move(search_path)) {}

std::string Program::find_import(const std::string &name, const std::string &dir,
                                 std::vector<std::string> &tried) const {
    std::vector<std::string> dirs{dir};
    dirs.insert(dirs.end(), search_path_.begin(), search_path_.end());
    for (auto &d : dirs) {
        fs::path p = fs::path(name).is_absolute() ? fs::path(name) : fs::path(d) / name;
        tried.push_back(p.string());
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.string();
        if (fs::path(name).is_absolute()) break;
    }
    return "";
}

int Program::load_file(const std::string &path, const Loc &from) {
    std::string key = canonical(path);
    auto it = by_path_.find(key);
    if (it != by_path_.end()) return it->second;
    auto cyc = std::find(loading_.begin(), loading_.end(), key);
    if (cyc != loading_.end()) {
        std::string chain;
        for (auto i = cyc; i != loading_.end(); ++i) chain += fs::path(*i).filename().string() + " -> ";
        chain += fs::path(key).filename().string();
        diag_.error(from, "import cycle: " + chain);
        return -1;
    }
    // Each import loads its own imports before returning: a chain of them
    // nests on the stack, so its length is bounded like any nesting.
    if (loading_.size() >= kMaxImportDepth) {
        diag_.error(from, "imports nest more than " + std::to_string(kMaxImportDepth) + " files deep");
        return -1;
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (from.valid()) diag_.error(from, "'" + path + "' is a directory, not a .net file");
        else diag_.error(path, "is a directory, not a .net file");
        return -1;
    }
    std::string text;
    if (!read_file(path, text)) {
        std::string why = std::strerror(errno);
        if (from.valid()) diag_.error(from, "cannot read '" + path + "': " + why);
        else diag_.error(path, "cannot read file: " + why);
        return -1;
    }
    // Parsing takes about a second per MiB, so a larger file is refused, at
    // the line where it crosses the limit, rather than parsed for minutes.
    // (The whole standard library is 30 KiB.)
    bool too_large = text.size() > kMaxSourceBytes;
    auto limit = text.begin() + static_cast<std::ptrdiff_t>(std::min(text.size(), kMaxSourceBytes));
    int line = 1 + static_cast<int>(std::count(text.begin(), limit, '\n'));
    int file = sources_.add(path, std::move(text));
    if (too_large) {
        diag_.error(Loc{file, line, 1, 1},
                    "source file is larger than " + std::to_string(kMaxSourceBytes >> 20) +
                        " MiB, the most netc reads (split it into files that import each other)");
        return -1;
    }
    auto m = parse_module(sources_, file, diag_);
    if (!m) return -1;
    loading_.push_back(key);
    int idx = finish_module(std::move(m), dir_of(path));
    loading_.pop_back();
    if (idx >= 0) by_path_[key] = idx;
    return idx;
}

int Program::load_text(const std::string &name, const std::string &text, const std::string &dir) {
    int file = sources_.add(name, text);
    auto m = parse_module(sources_, file, diag_);
    if (!m) return -1;
    return finish_module(std::move(m), dir);
}

int Program::finish_module(std::unique_ptr<ast::Module> m, const std::string &dir) {
    bool ok = true;
    std::vector<int> imports;
    for (auto &d : m->decls) {
        if (d->kind != ast::DeclKind::Import) continue;
        std::vector<std::string> tried;
        std::string found = find_import(d->name, dir, tried);
        if (found.empty()) {
            diag_.error(d->loc, "cannot find import '" + d->name +
                                    "' (looked next to this file, in $NETC_PATH and in the standard library)");
            ok = false;
            continue;
        }
        int idx = load_file(found, d->loc);
        if (idx < 0) {
            ok = false;
            continue;
        }
        if (std::find(imports.begin(), imports.end(), idx) == imports.end()) imports.push_back(idx);
    }
    std::map<std::string, const ast::Decl *> table;
    for (auto &d : m->decls) {
        if (d->kind == ast::DeclKind::Import) continue;
        auto [it, inserted] = table.emplace(d->name, d.get());
        if (!inserted) {
            diag_.error(d->loc, "duplicate definition of '" + d->name + "'");
            diag_.note(it->second->loc, "previous definition is here");
            ok = false;
        }
    }
    if (!ok) return -1;
    int idx = static_cast<int>(modules_.size());
    m->imports = std::move(imports);
    for (auto &d : m->decls) d->module = idx;
    modules_.push_back(std::move(m));
    symbols_.push_back(std::move(table));
    return idx;
}

void Program::reachable(int m, std::vector<int> &out) const {
    for (int imp : modules_[m]->imports) {
        if (std::find(out.begin(), out.end(), imp) != out.end()) continue;
        out.push_back(imp);
        reachable(imp, out);
    }
}

const ast::Decl *Program::lookup(int m, const std::string &name, const Loc &use,
                                 Diagnostics *diag) const {
    auto &own = symbols_.at(m);
    auto it = own.find(name);
    if (it != own.end()) return it->second;
    std::vector<int> mods;
    reachable(m, mods);
    const ast::Decl *found = nullptr;
    for (int imp : mods) {
        auto jt = symbols_[imp].find(name);
        if (jt == symbols_[imp].end()) continue;
        if (found && found != jt->second) {
            if (diag) {
                diag->error(use, "'" + name + "' is ambiguous: it is defined in more than one import");
                diag->note(found->loc, "one definition is here");
                diag->note(jt->second->loc, "another is here");
            }
            return found;
        }
        found = jt->second;
    }
    return found;
}

std::vector<std::string> Program::visible_names(int m) const {
    std::vector<int> mods{m};
    reachable(m, mods);
    std::vector<std::string> out;
    for (int i : mods)
        for (auto &kv : symbols_[i]) out.push_back(kv.first);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<const ast::Decl *> Program::networks(int m) const {
    std::vector<const ast::Decl *> out;
    for (auto &d : modules_.at(m)->decls)
        if (d->kind == ast::DeclKind::Network) out.push_back(d.get());
    return out;
}

}  // namespace netc
