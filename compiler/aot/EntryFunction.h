// The entry function of an AOT network, built as Halide IR: it walks the
// plan the way the JIT's run loop does (one activation arena, border zeroing,
// the input copied into a padded buffer when its first convolution wants a
// border) and calls each step's kernel with halide_buffer_t views. Being
// Halide IR, it is compiled with the kernels into one LLVM module, and an
// error from a kernel returns its code.
#pragma once

#include "Memory.h"
#include "Plan.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace netc::aot {

// One argument of a kernel call: a view of a plan buffer, or an embedded constant.
struct CallArg {
    int buffer = -1;       // plan buffer, or -1
    int block = 0;         // see lower::Operand
    bool as_image = false;
    std::string constant;  // the embedded Halide::Buffer's name when buffer < 0
};

// A plan step's kernel call: its inputs and constants, then its output.
struct KernelCall {
    std::string function;
    std::vector<CallArg> args;
};

// `int name(void *input_0, ..., void *output_0, ..., int32 batch, void *arena)`,
// a pointer per network input and output in order; the caller
// checks the arguments and supplies the activation arena, 64-byte aligned,
// of MemoryLayout::floats(batch) floats (the C ABI wrapper does both).
// gpu: the kernels run on a device; activations are copied to and from it
// around each kernel.
Halide::Internal::LoweredFunc entry_function(const std::string &name, const lower::Plan &plan,
                                             const lower::MemoryLayout &memory,
                                             const std::vector<KernelCall> &calls, bool gpu);

}  // namespace netc::aot
