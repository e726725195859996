// An AOT training step as one Halide module for one target: every distinct
// kernel its entries call (the same Funcs `netc train` JIT-compiles), the
// step's constants and initial weights as embedded buffers, and the three
// entries (TrainEntry.h).
#pragma once

#include "TrainProgram.h"

#include <Halide.h>

#include <functional>
#include <string>

namespace netc::aot {

struct TrainModule {
    Halide::Module module{"", Halide::Target()};
    std::string step, evaluate, init;  // the entries' function names
    int kernels = 0, calls = 0;
};

// Symbols are `prefix`-qualified, as network_module's. progress(kernel,
// kernels, name) as each distinct kernel is compiled.
TrainModule train_module(const TrainProgram &p, const Halide::Target &target, const std::string &prefix,
                         const std::function<void(int, int, const std::string &)> &progress = nullptr);

}  // namespace netc::aot
