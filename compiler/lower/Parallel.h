// Kernels are independent pipelines, and Halide lowers and compiles separate
// pipelines thread-safely (LLVM gets one context per module), so the JIT and
// the AOT writer both build theirs on every core.
#pragma once

#include <functional>

namespace netc::lower {

// Runs work(i) for every i < count on up to 4 threads ($HL_NUM_THREADS caps
// them). start(i), if given, runs first under a lock (progress reports); the
// first exception thrown stops the items not yet started and is rethrown.
void for_each_parallel(int count, const std::function<void(int)> &start, const std::function<void(int)> &work);

}  // namespace netc::lower
