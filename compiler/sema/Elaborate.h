// Semantic analysis proper: evaluates a network's body at compile time, with
// units expanded, arg-scopes applied with slim's precedence and every op's
// shape inferred, producing the typed IR graph.
#pragma once

#include "IR.h"
#include "Program.h"
#include "Value.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace netc {

struct ElaborateOptions {
    // Values for the network's non-tensor parameters (e.g. num_classes).
    std::map<std::string, Value> overrides;
    // Replaces the height and width of NHWC inputs (fully convolutional nets
    // run at other sizes; a net that cannot gets a shape error).
    std::vector<int64_t> image_size;
};

// Returns null after reporting errors to program.diag().
std::unique_ptr<ir::Graph> elaborate_network(Program &program, const ast::Decl &network,
                                             const ElaborateOptions &options = {});

// Evaluates a constant expression in module m (the REPL's `:shape`, `-D`).
bool evaluate_constant(Program &program, int module, const ast::Expr &expr, Value &out);

}  // namespace netc
