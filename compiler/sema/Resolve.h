// Static checks before elaboration, so one run reports every naming mistake
// in a file: unknown names (with a suggestion), unknown keyword arguments and
// too many arguments to ops and units, arg_scope entries naming things that
// do not exist, duplicate or misordered parameters.
#pragma once

#include "Program.h"

namespace netc {

// Checks every declaration of module m. Returns false after reporting errors.
bool resolve_module(Program &program, int m);
// Checks one declaration of module m (the REPL checks what was typed apart
// from what it may break).
bool resolve_decl(Program &program, int m, const ast::Decl &d);

// The closest candidate within a small edit distance, or "".
std::string suggest(const std::string &name, const std::vector<std::string> &candidates);

}  // namespace netc
