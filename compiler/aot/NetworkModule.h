// A network as one Halide module for one target: every distinct kernel
// (lowered once, like the JIT does), the packed constants as embedded
// buffers, and the entry function that runs the plan.
#pragma once

#include "Memory.h"
#include "Plan.h"
#include "TuningTable.h"
#include "Weights.h"

#include <Halide.h>

#include <functional>
#include <string>

namespace netc::aot {

struct NetworkModule {
    Halide::Module module{"", Halide::Target()};
    std::string run;  // the entry function: int run(void *input, void *output, int batch, void *arena)
    lower::MemoryLayout memory;  // the activation arena's layout and passes
    int steps = 0, kernels = 0, constants = 0;
    int64_t constant_bytes = 0;
    int max_batch = 0;  // the largest batch one call takes
};

// progress(kernel, kernels, name) as each distinct kernel is lowered.
using Progress = std::function<void(int, int, const std::string &)>;

// Symbols are `prefix`-qualified so several networks and targets link together.
NetworkModule network_module(const lower::Plan &plan, const weights::WeightMap &w, const Halide::Target &target,
                             const std::string &prefix, const Progress &progress = nullptr,
                             const tune::TuningTable *tuning = nullptr);

}  // namespace netc::aot
