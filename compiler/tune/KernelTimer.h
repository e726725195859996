// Times one compiled kernel alone, on buffers shaped as its plan step's
// (borders, channel blocks, `batch` images) and filled with pseudo-random
// values: the tuner's measurement. Best of several rounds, each long enough
// to average out the thread pool's wake-up.
#pragma once

#include "CodeLoader.h"
#include "Kernel.h"

namespace netc::tune {

struct Timing {
    double best_us = 0, median_us = 0;  // per call
    int calls = 0;
};

// `kernel` is step `step` of `plan` lowered (its constants still in its
// operands), `fn` its code. Throws if the kernel reports an error.
Timing time_kernel(const lower::Plan &plan, const lower::Kernel &kernel, jit::KernelFn fn, int batch,
                   double budget_ms);

}  // namespace netc::tune
