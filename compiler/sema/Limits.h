// What netc's kernels can address and what a machine can hold, checked when
// a network is elaborated: a network too large to compute is refused at
// check time with the size named, instead of overflowing an index in Halide
// or failing an allocation when it runs.
#pragma once

#include "IR.h"

#include <cstdint>
#include <string>
#include <vector>

namespace netc {

// float32 values of one tensor, per image. Kernels address each image of a
// buffer with 32-bit offsets (Halide indexes with int32; a buffer may not
// exceed 2^31 bytes), and buffers carry borders for padded convolutions, so
// the limit is half of that: 1 GiB.
constexpr int64_t kMaxImageValues = int64_t(1) << 28;
// float32 values of one variable, addressed the same way once packed.
constexpr int64_t kMaxVariableValues = int64_t(1) << 28;
// float32 values of all of a network's variables together: 4 GiB, which the
// JIT holds twice (as read and as packed) and an object embeds.
constexpr int64_t kMaxWeightValues = int64_t(1) << 30;

// The product of dims, with kBatch (and any leading batch) left out when
// per_image; -1 when it exceeds 2^62.
int64_t count_values(const std::vector<int64_t> &dims, bool per_image);

// The bytes of n float32 values for a message: "37.3 GiB", "512 MiB"; n < 0
// (an overflowed count) reads "more than 16 EiB".
std::string format_bytes(int64_t values);

// An empty string when a tensor of this shape fits, else why not, naming
// `what` ("'concat' would make a tensor", "input 'x' is a tensor").
std::string check_tensor_size(const std::string &what, const ir::Shape &shape, const std::string &batch_symbol);

// The same for a variable of a node.
std::string check_variable_size(const std::string &op, const ir::Param &p);

}  // namespace netc
