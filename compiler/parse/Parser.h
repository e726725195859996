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

// Parses the expression in bytes [begin, end) of a file already added (a
// REPL command's argument). Locations are the file's own, so a caret lands
// under the typed text. Null after reporting errors.
ast::ExprPtr parse_expression(const SourceManager &sources, int file, size_t begin, size_t end,
                              Diagnostics &diag);

// True when text is not a complete module yet: its first syntax error is at
// the end of the input (an open body, a trailing operator, an unclosed
// comment), or a body is still open after an error. The REPL then reads
// another line.
bool needs_more_input(const std::string &text);

}  // namespace netc
