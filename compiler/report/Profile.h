// `netc profile` and the REPL's `:profile`: where a network's time goes.
// Each step's wall time (averaged over the profiled runs), its share of the
// total, its GFLOP/s and that as a share of the measured FMA peak, sorted,
// with the schedule its kernel runs; then the same per class of kernel
// (conv 3x3 s1, conv 1x1 s1, depthwise 3x3 s2, ...).
#pragma once

#include "JitNetwork.h"
#include "Peak.h"

#include <ostream>

namespace netc {

void print_profile(std::ostream &os, const jit::JitNetwork &net, int runs, int batch, const tune::Peak &peak);

// The class a step's kernel belongs to in the profile: "conv 3x3 s1",
// "fully_connected", "depthwise 3x3 s2", "max_pool2d", ...
std::string kernel_class(const lower::Plan &plan, int step);

}  // namespace netc
