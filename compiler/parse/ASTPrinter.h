// `--emit=ast`: an indented tree, one node a line with its position, in the
// style of MLIR's Toy tutorial dumps. Parser golden tests compare this text.
#pragma once

#include "AST.h"

#include <ostream>

namespace netc {

void print_ast(std::ostream &out, const ast::Module &module);

}  // namespace netc
