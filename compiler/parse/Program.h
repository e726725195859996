// A program: the main module and everything it imports, each parsed once.
// Imports resolve relative to the importing file, then to the standard
// library. A module sees its own definitions, then everything its imports see
// (as Python's `from m import *` would); a name two imports define
// differently is ambiguous.
#pragma once

#include "AST.h"
#include "Diagnostics.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace netc {

// The largest .net file netc reads.
constexpr size_t kMaxSourceBytes = size_t(1) << 20;
// The longest chain of files importing each other.
constexpr size_t kMaxImportDepth = 100;

class Program {
public:
    Program(SourceManager &sources, Diagnostics &diag, std::vector<std::string> search_path);

    // Loads a file and its imports. Returns the module index, or -1 after
    // reporting errors. `from` locates the import statement, if any.
    int load_file(const std::string &path, const Loc &from = Loc());
    // Loads source text that has no file of its own (the REPL, tests).
    // Imports resolve against `dir`.
    int load_text(const std::string &name, const std::string &text, const std::string &dir);
    // Adds a module assembled by the caller (the REPL's session, whose
    // declarations come from many typed inputs), loading its imports from
    // `dir`. Returns the module index, or -1 after reporting errors.
    int add_module(std::unique_ptr<ast::Module> m, const std::string &dir) { return finish_module(std::move(m), dir); }

    const ast::Module &module(int i) const { return *modules_.at(i); }
    ast::Module &module(int i) { return *modules_.at(i); }
    int module_count() const { return static_cast<int>(modules_.size()); }

    // Finds what `name` means inside module `m`: its own definitions first,
    // then its imports. Null when unknown; reports ambiguity between imports
    // at `use` when diag is given.
    const ast::Decl *lookup(int m, const std::string &name, const Loc &use = Loc(),
                            Diagnostics *diag = nullptr) const;
    // Every name visible in module m (for suggestions and completion).
    std::vector<std::string> visible_names(int m) const;

    // Networks defined in module m itself.
    std::vector<const ast::Decl *> networks(int m) const;

    SourceManager &sources() { return sources_; }
    Diagnostics &diag() { return diag_; }
    const std::vector<std::string> &search_path() const { return search_path_; }

private:
    void reachable(int m, std::vector<int> &out) const;
    int finish_module(std::unique_ptr<ast::Module> m, const std::string &dir);
    std::string find_import(const std::string &name, const std::string &dir,
                            std::vector<std::string> &tried) const;

    SourceManager &sources_;
    Diagnostics &diag_;
    std::vector<std::string> search_path_;
    std::vector<std::unique_ptr<ast::Module>> modules_;
    std::vector<std::map<std::string, const ast::Decl *>> symbols_;
    std::map<std::string, int> by_path_;       // canonical path -> module
    std::vector<std::string> loading_;         // import chain, for cycle errors
};

// The default import search path: $NETC_PATH entries, then the stdlib.
std::vector<std::string> default_search_path();

}  // namespace netc
