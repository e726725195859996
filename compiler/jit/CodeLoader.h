// Machine code loaded into this process: relocatable objects (compiled
// kernels, fresh or from the KernelCache) linked in memory by LLVM's ORC
// JIT, against one Halide runtime per target. Kernels are then called
// directly through their argv entry points, without Halide's JIT or its
// per-call argument marshalling. Code stays loaded for the process's life:
// the runtime's worker threads may still be spinning in it at exit.
#pragma once

#include <Halide.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace netc::jit {

// A Halide pipeline's argv entry: args[i] is the i-th halide_buffer_t *.
using KernelFn = int (*)(void **args);

class CodeLoader {
public:
    static CodeLoader &instance();

    // The kernel `symbol` for `target`, if this process has loaded it.
    KernelFn find(const Halide::Target &target, const std::string &symbol);
    // Links `object` (which defines `symbol`) for `target`, loading that
    // target's Halide runtime first if needed.
    KernelFn load(const Halide::Target &target, const std::string &symbol, const std::vector<char> &object);

    // Worker threads of every loaded runtime, now and for runtimes loaded
    // later (0: Halide's default, HL_NUM_THREADS or every core).
    void set_num_threads(int n);
    // The message of the last error a loaded runtime reported, cleared.
    std::string take_error();

    // The kernel code for a target: what compiled kernels are built for
    // (no JIT feature, no runtime of their own).
    static Halide::Target kernel_target(const Halide::Target &t);

private:
    CodeLoader();
    struct Impl;
    struct Runtime;
    Runtime &runtime(const Halide::Target &t);
    std::unique_ptr<Impl> impl_;
    std::mutex lock_;
};

}  // namespace netc::jit
