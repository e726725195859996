// resize: ONNX's Resize on H and W, nearest or bilinear. Which inputs an
// output row or column reads, and with what weights, depends on its index
// alone, so the tables are computed here, once, with ONNX Runtime's float
// arithmetic (its floors then agree at the exact integers a scale like 1.5
// hits), and the kernel gathers whole channel vectors by them.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

#include <algorithm>
#include <cmath>

namespace netc::lower {

using namespace Halide;

namespace {

// Per output index along one axis: the two inputs it reads and the second's
// weight (nearest: the same input twice, weight 0).
struct AxisTable {
    rt::Array first, second, weight;
};

AxisTable axis_table(const ir::Node &n, int64_t in, int64_t out, double given_scale) {
    AxisTable t;
    t.first.shape = t.second.shape = t.weight.shape = {out};
    float scale = given_scale > 0 ? static_cast<float>(given_scale) : static_cast<float>(out) / static_cast<float>(in);
    for (int64_t o = 0; o < out; o++) {
        float x = static_cast<float>(o), src;
        const std::string &mode = n.coordinates;
        if (mode == "half_pixel") src = (x + 0.5f) / scale - 0.5f;
        else if (mode == "pytorch_half_pixel") src = out > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
        else if (mode == "align_corners") src = out == 1 ? 0.0f : x * static_cast<float>(in - 1) / static_cast<float>(out - 1);
        else src = x / scale;  // asymmetric
        int64_t i0, i1;
        float w = 0;
        if (n.resize_mode == "nearest") {
            float r;
            if (n.nearest_mode == "floor") r = std::floor(src);
            else if (n.nearest_mode == "ceil") r = std::ceil(src);
            else if (n.nearest_mode == "round_prefer_floor") r = src == std::floor(src) + 0.5f ? std::floor(src) : std::round(src);
            else r = std::round(src);  // round_prefer_ceil: halves away from zero, clamped below
            i0 = i1 = std::clamp<int64_t>(static_cast<int64_t>(r), 0, in - 1);
        } else {
            src = std::clamp(src, 0.0f, static_cast<float>(in - 1));
            i0 = static_cast<int64_t>(src);
            i1 = std::min(i0 + 1, in - 1);
            w = src - static_cast<float>(i0);
        }
        t.first.data.push_back(static_cast<float>(i0));
        t.second.data.push_back(static_cast<float>(i1));
        t.weight.data.push_back(w);
    }
    return t;
}

}  // namespace

Kernel lower_resize(KernelBuilder &kb, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &is = kb.plan().buffers[s.inputs[0]].shape;
    AxisTable th = axis_table(n, is[1], n.shape[1], n.scale_h), tw = axis_table(n, is[2], n.shape[2], n.scale_w);
    ImageParam in = kb.buffer(s.inputs[0], "input");
    Var c("c"), x("x"), y("y"), b("n");
    Func out = kb.output_func();
    // Indices travel as floats (the constants' type), exact below 2^24; the
    // clamps (no-ops) tell Halide what the loads may reach.
    int W = static_cast<int>(is[2]), H = static_cast<int>(is[1]);
    auto index = [](Expr e, int size) { return clamp(cast<int>(e), 0, size - 1); };
    ImageParam x0 = kb.constant(std::move(tw.first), "x0"), y0 = kb.constant(std::move(th.first), "y0");
    Expr ix0 = index(x0(x), W), iy0 = index(y0(y), H);
    Expr v;
    if (n.resize_mode == "nearest") {
        v = in(c, ix0, iy0, b);
    } else {
        ImageParam x1 = kb.constant(std::move(tw.second), "x1"), y1 = kb.constant(std::move(th.second), "y1");
        ImageParam wx = kb.constant(std::move(tw.weight), "wx"), wy = kb.constant(std::move(th.weight), "wy");
        Expr ix1 = index(x1(x), W), iy1 = index(y1(y), H);
        Expr top = in(c, ix0, iy0, b) + wx(x) * (in(c, ix1, iy0, b) - in(c, ix0, iy0, b));
        Expr bottom = in(c, ix0, iy1, b) + wx(x) * (in(c, ix1, iy1, b) - in(c, ix0, iy1, b));
        v = top + wy(y) * (bottom - top);
    }
    out(c, x, y, b) = kb.epilogue(v, {c, x, y, b}, 0);
    schedule::schedule_channels_last(out, Func(), n.shape[3], 4, n.shape[1], target);
    // The tables are operands, so only the mode and the shapes are code.
    std::string key = "resize " + n.resize_mode + " in" + std::to_string(is[3]) + "x" + std::to_string(is[2]) + "x" +
                      std::to_string(is[1]) + " out" + std::to_string(n.shape[2]) + "x" + std::to_string(n.shape[1]);
    return kb.finish(out, 0, key);
}

}  // namespace netc::lower
