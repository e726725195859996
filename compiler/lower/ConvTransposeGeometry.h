// The arithmetic of a transposed convolution along one axis, shared by the
// plan (the input's border) and the lowering. Output o takes input i through
// tap k where o = i * stride + k * rate - pad_before. With t = o + pad_before,
// the taps that reach o are k = t % stride + stride * j (stride > 1, rate 1)
// or k = j (stride 1), from input i = t / stride - j * rate: each output
// gathers `taps` inputs, the taps past the kernel's end weighted zero.
#pragma once

#include "IR.h"

#include <algorithm>

namespace netc::lower {

struct TransposedAxis {
    int64_t stride, rate, pad_before, kernel, taps;  // taps: j's extent
    int64_t border_before, border_after;             // how far the gathered inputs reach past the input
};

// axis 0: height, 1: width; `in` is the input's extent along it.
inline TransposedAxis transposed_axis(const ir::Node &n, int axis, int64_t in) {
    TransposedAxis a;
    a.stride = axis ? n.stride_w : n.stride_h;
    a.rate = axis ? n.rate_w : n.rate_h;
    a.pad_before = axis ? n.padding.left : n.padding.top;
    a.kernel = axis ? n.kernel_w : n.kernel_h;
    a.taps = (a.kernel + a.stride - 1) / a.stride;
    int64_t out = n.shape[axis + 1];
    int64_t lowest = a.pad_before / a.stride - (a.taps - 1) * a.rate;
    int64_t highest = (out - 1 + a.pad_before) / a.stride;
    a.border_before = std::max<int64_t>(0, -lowest);
    a.border_after = std::max<int64_t>(0, highest - (in - 1));
    return a;
}

}  // namespace netc::lower
