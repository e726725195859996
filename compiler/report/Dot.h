// `--emit=dot`: the graph for Graphviz, ops clustered by their scope path so
// blocks and units show as boxes.
#pragma once

#include "IR.h"

#include <ostream>

namespace netc {

void print_dot(std::ostream &out, const ir::Graph &graph);

}  // namespace netc
