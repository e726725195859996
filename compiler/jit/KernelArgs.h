// One kernel call's arguments as its argv entry point takes them: a
// halide_buffer_t per operand, in the kernel's parameter order (inputs and
// constants, then the output). Constants are dense arrays; activations are
// views of plan buffers (borders, channel blocks) whose host pointer and
// batch extent are filled in per call.
#pragma once

#include "Kernel.h"
#include "Memory.h"

#include <HalideRuntime.h>

#include <vector>

namespace netc::jit {

class KernelArgs {
public:
    KernelArgs() = default;
    KernelArgs(const lower::Plan &plan, const std::vector<lower::Operand> &operands);
    KernelArgs(const KernelArgs &) = delete;  // buffers point into their own dims
    KernelArgs &operator=(const KernelArgs &) = delete;
    KernelArgs(KernelArgs &&) = default;
    KernelArgs &operator=(KernelArgs &&) = default;

    size_t size() const { return buffers_.size(); }
    bool is_activation(size_t k) const { return activation_[k]; }
    // A constant operand's data.
    void bind_constant(size_t k, const float *data) { buffers_[k].host = (uint8_t *)data; }
    // An activation operand's buffer, starting at `buffer` (its plan buffer's
    // first float for this call), holding `batch` images.
    void bind_activation(size_t k, float *buffer, int batch) {
        buffers_[k].host = reinterpret_cast<uint8_t *>(buffer + views_[k].offset);
        dims_[k].back().extent = batch;
    }
    const lower::View &view(size_t k) const { return views_[k]; }
    void **argv() { return argv_.data(); }

private:
    std::vector<lower::View> views_;
    std::vector<bool> activation_;
    std::vector<halide_buffer_t> buffers_;
    std::vector<std::vector<halide_dimension_t>> dims_;
    std::vector<void *> argv_;
};

}  // namespace netc::jit
