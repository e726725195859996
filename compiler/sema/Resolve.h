// Static checks before elaboration, so one run reports every naming mistake
// in a file: unknown names (with a suggestion), unknown keyword arguments and
// too many arguments to ops and units, arg_scope entries naming things that
// do not exist, duplicate or misordered parameters.
#pragma once

#include "Program.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace netc {

// Checks every declaration of module m. Returns false after reporting errors.
bool resolve_module(Program &program, int m);
// Checks one declaration of module m (the REPL checks what was typed apart
// from what it may break).
bool resolve_decl(Program &program, int m, const ast::Decl &d);

// Names to suggest from ("did you mean"), indexed by length: a name within
// edit distance d of the query is no more than d longer or shorter, so a
// query reads only the lengths near its own, and each comparison stops as
// soon as it cannot beat the best so far.
class NameIndex {
public:
    explicit NameIndex(const std::vector<std::string> &names);

    // A candidate beats the best so far when it is closer or, as close,
    // earlier in the list (`first` numbers this index's names).
    struct Best {
        std::string name;
        size_t distance;
        size_t order = SIZE_MAX;
    };
    // The distance a suggestion may have: about a third of the name.
    static Best start(const std::string &name);
    void search(const std::string &name, Best &best, size_t first = 0) const;

private:
    std::map<size_t, std::vector<std::pair<size_t, std::string>>> by_length_;  // (order, name)
};

// The closest candidate within a small edit distance, or "".
std::string suggest(const std::string &name, const std::vector<std::string> &candidates);

}  // namespace netc
