// Source text -> AST. Runs the ANTLR-generated lexer and parser, reports syntax
// errors as located diagnostics, and converts the parse tree with one visitor.
#pragma once

#include "AST.h"
#include "Diagnostics.h"

#include <memory>

namespace netc {

// Parses one file already added to the SourceManager. Returns null after
// reporting errors. Never throws on bad input: binary junk, deep nesting and
// huge literals all end as diagnostics.
std::unique_ptr<ast::Module> parse_module(const SourceManager &sources, int file,
                                          Diagnostics &diag);

// Bounds that keep the recursive parser and later stages on the stack.
constexpr int kMaxNesting = 200;

}  // namespace netc
