// The entry functions of an AOT training step, built as Halide IR from its
// recorded program (TrainProgram.h), as EntryFunction builds an inference
// network's: each recorded kernel call becomes a call with halide_buffer_t
// views into the caller's blocks, the batch, the workspace and the embedded
// constants, its status checked. Compiled with the kernels into one module.
#pragma once

#include "TrainProgram.h"

#include <Halide.h>

#include <map>
#include <string>
#include <vector>

namespace netc::aot {

// The module-level names an entry refers to.
struct TrainSymbols {
    std::map<const grad::Kernel *, std::string> kernels;  // compiled kernel functions
    std::vector<std::string> constants;                 // program.constants as embedded buffers
    std::string initial_weights;                        // the initial weights block
    std::vector<std::pair<int, std::string>> initial_state;  // state arrays that start non-zero
};

// The workspace an entry's regions take: per_image * batch + fixed bytes,
// each region 64-byte aligned.
Region workspace(const TraceEntry &e);

// `int name(void *weights, void *grads, void *state, void *images,
// void *labels, int32 batch, float lr, int32 seed, void *workspace,
// void *results, void *logits)`: labels as floats; results receives the
// loss and the count of correct predictions (floats); logits, unless null,
// batch x classes floats. The caller has checked the arguments. A training
// step also advances Adam's beta powers in the state block.
Halide::Internal::LoweredFunc train_entry(const std::string &name, const TrainProgram &p, const TraceEntry &e,
                                          bool training, const TrainSymbols &symbols);

// `int name(void *weights, void *state)`: the initial weights (those
// compiled in) and optimizer state.
Halide::Internal::LoweredFunc init_entry(const std::string &name, const TrainProgram &p, const TrainSymbols &symbols);

}  // namespace netc::aot
