#include "KernelArgs.h"

namespace netc::jit {

KernelArgs::KernelArgs(const lower::Plan &plan, const std::vector<lower::Operand> &operands) {
    size_t n = operands.size();
    views_.resize(n);
    activation_.resize(n);
    buffers_.assign(n, halide_buffer_t{});
    dims_.resize(n);
    argv_.resize(n);
    for (size_t k = 0; k < n; k++) {
        const lower::Operand &o = operands[k];
        auto &dims = dims_[k];
        activation_[k] = o.buffer >= 0;
        if (o.buffer < 0) {
            // Halide's dimensions are the array's, innermost first.
            int32_t stride = 1;
            for (auto it = o.constant.shape.rbegin(); it != o.constant.shape.rend(); ++it) {
                dims.push_back({0, static_cast<int32_t>(*it), stride, 0});
                stride *= static_cast<int32_t>(*it);
            }
        } else {
            // The output (last) sees its buffer's interior, inputs the border too.
            views_[k] = lower::operand_view(plan, o.buffer, o.block, o.as_image, k + 1 == n);
            for (auto &d : views_[k].dims) dims.push_back({d.min, d.extent, d.stride, 0});
            dims.push_back({0, 1, static_cast<int32_t>(views_[k].image), 0});
        }
        halide_buffer_t &b = buffers_[k];
        b.type = halide_type_t(halide_type_float, 32);
        b.dimensions = static_cast<int32_t>(dims.size());
        b.dim = dims.data();
        argv_[k] = &b;
    }
}

}  // namespace netc::jit
