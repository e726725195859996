// `netc summary`: a Keras-style table of every op with its scope path, output
// shape and parameter count, then the totals. Moving statistics of batch norm
// count as non-trainable, as in TensorFlow.
#pragma once

#include "IR.h"

#include <cstdint>
#include <ostream>
#include <string>

namespace netc {

// batch < 1 keeps the batch symbolic.
void print_summary(std::ostream &out, const ir::Graph &graph, int64_t batch = -1);
// 25613800 -> "25,613,800"
std::string with_commas(int64_t n);

}  // namespace netc
