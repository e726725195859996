// A network's variables as arrays: checked against what the graph expects,
// or made up deterministically. Names and layouts are TF-slim's (SPEC 4).
#pragma once

#include "IR.h"
#include "Npy.h"

#include <cstdint>
#include <map>
#include <string>

namespace netc::weights {

using WeightMap = std::map<std::string, rt::Array>;

// Exactly the variables of g, from an .npz's arrays. Missing, extra and
// mis-shaped tensors are reported together, by name, as one rt::IOError.
WeightMap bind_weights(const ir::Graph &g, rt::NamedArrays arrays, const std::string &file);

// Deterministic weights initialised as TF-slim's arg-scopes do (truncated
// normal variance scaling, fan-in, factor 2, for convolution and fully
// connected kernels), except that biases and batch-norm parameters and
// statistics are drawn around their usual values (beta, mean and biases near
// 0, gamma near 1, variance in [0.5, 1.5]) rather than set to them, so that a
// conformance run exercises every term. The last layer of each residual
// branch starts at 0.2 of the usual scale (as zero_init_residual does), so
// deep residual networks keep outputs of order 10 instead of growing with
// depth. Each tensor depends only on the seed, its name and that role.
WeightMap random_weights(const ir::Graph &g, uint64_t seed);

// The graph's variables in creation order, for writing an .npz.
rt::NamedArrays in_graph_order(const ir::Graph &g, const WeightMap &w);

}  // namespace netc::weights
