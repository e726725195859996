// A training step as a program for the AOT object: the kernel calls a
// grad::TrainStep and its optimizer make, recorded (grad::Recording) rather
// than run, with each buffer resolved to where it lives when the object
// runs: the caller's weights, gradients or optimizer state (blocks laid out
// here), the caller's images and labels, a workspace the object allocates,
// or a constant embedded in it. The sequencing stays TrainStep's own; this
// only records it, once per entry (a training step and an evaluation).
#pragma once

#include "OptimizerState.h"
#include "TrainStep.h"

#include <HalideRuntime.h>

#include <string>
#include <vector>

namespace netc::aot {

enum class Home { Weights, Grads, State, Images, Labels, Workspace, Constant };

struct TraceBuffer {
    Home home = Home::Workspace;
    int index = -1;       // Workspace: the entry's region; Constant: the program's constant
    int64_t offset = 0;   // bytes from the start of the block, region or constant
    std::vector<halide_dimension_t> dims;  // as recorded, the batch's extent aside
    int batch_dim = -1;   // the dimension whose extent is the call's batch, or -1
};

// Kernel scalars are constants of the recording, except these, which the
// entry computes per call (found by the kernel parameter's name).
enum class ScalarRole { Constant, LearningRate, AdamLearningRate, Seed };

struct TraceScalar {
    ScalarRole role = ScalarRole::Constant;
    float value = 0;
};

struct TraceCall {
    grad::Kernel *kernel = nullptr;
    std::vector<TraceBuffer> ins, outs;
    std::vector<TraceScalar> scalars;
};

// A workspace region takes per_image * batch + fixed bytes.
struct Region {
    int64_t per_image = 0, fixed = 0;
};

struct TraceEntry {
    std::vector<TraceCall> calls;
    std::vector<Region> regions;
    TraceBuffer loss, correct, logits;  // one value each; logits [batch, classes]
};

// An array of a caller's block: TF's name and shape, its place in floats.
struct BlockArray {
    std::string name;
    std::vector<int64_t> shape;
    int64_t offset = 0, size = 0;
    bool trainable = false;
};

struct TrainProgram {
    TraceEntry step, evaluate;
    // The weights block (the gradients block has the same layout; only
    // trainable arrays' gradients are written) and the optimizer's block.
    std::vector<BlockArray> weights, state;
    int64_t weight_floats = 0, state_floats = 0;
    std::vector<float> initial_weights, initial_state;
    int beta1_power = -1, beta2_power = -1;  // Adam's powers in `state`, which the entry advances
    grad::OptimizerOptions optimizer;
    std::vector<std::vector<float>> constants;  // read-only workspace (batch norm without scale or center)
    std::vector<int64_t> image_shape;  // one example's, H, W, C (or K)
    int64_t image_floats = 0, classes = 0;
    int64_t largest_image_floats = 0;  // the largest per-example tensor, which bounds the batch
};

// Records both entries of `step` (its variables loaded with the initial
// weights) with `opt`. Throws InternalError if the recorded calls do not
// scale with the batch as a program must (a kernel call whose shape or
// constants depend on the batch other than through its batch dimension).
TrainProgram record_program(grad::TrainStep &step, grad::OptimizerState &opt);

}  // namespace netc::aot
