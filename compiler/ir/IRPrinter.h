// `--emit=ir`: the typed graph as text, one op a line with its attributes and
// variables. IR golden tests compare this text.
#pragma once

#include "IR.h"

#include <ostream>

namespace netc {

void print_ir(std::ostream &out, const ir::Graph &graph);
// The attributes of one node ("kernel=3x3 stride=2x2 padding=SAME(0,1,0,1)").
std::string node_attributes(const ir::Node &node);

}  // namespace netc
