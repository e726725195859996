// Bounds on how deeply source text nests, checked on the tokens before
// parsing: the parser and every later stage recurse as deep as the source
// nests, so nesting a user controls is refused with a located error rather
// than left to overflow the stack.
#pragma once

#include "Diagnostics.h"

namespace antlr4 {
class CommonTokenStream;
}

namespace netc {

// Brackets, prefix operators and `else if` chains nested deeper than this.
constexpr int kMaxNesting = 200;
// Operators in one chain (`a + b + ...`, `a.b.c`, `f(x)[0]`): each nests the
// tree one level deeper.
constexpr int kMaxChain = 2000;

// False after reporting the first place the tokens nest too deep (file -1:
// no position, for a quiet check).
bool check_nesting(antlr4::CommonTokenStream &tokens, int file, Diagnostics &diag);

}  // namespace netc
