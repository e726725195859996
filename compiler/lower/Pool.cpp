// max_pool2d, avg_pool2d and reduce_mean with TensorFlow's semantics: SAME
// padding never wins a max and never counts in an average; explicit padding
// (PyTorch-style nets) counts in the average when count_padding says so.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

#include <limits>

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

Kernel lower_pool(KernelBuilder &kb, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &in_shape = kb.plan().buffers[s.inputs[0]].shape;
    int64_t c_count = in_shape[3];
    int H = static_cast<int>(in_shape[1]), W = static_cast<int>(in_shape[2]);
    ImageParam in = kb.buffer(s.inputs[0], "input");
    Var c("c"), x("x"), y("y"), b("n");
    Func acc(n.name), out = kb.output_func();
    std::string key;
    if (n.op == OpKind::Mean || n.op == OpKind::ReduceMax) {
        RDom r(0, W, 0, H, "r");
        Expr v;
        if (n.op == OpKind::Mean) {
            acc(c, b) = 0.0f;
            acc(c, b) += in(c, r.x, r.y, b);
            v = acc(c, b) / static_cast<float>(int64_t(H) * W);
        } else {  // global max pooling
            acc(c, b) = std::numeric_limits<float>::lowest();
            acc(c, b) = max(acc(c, b), in(c, r.x, r.y, b));
            v = acc(c, b);
        }
        if (n.keep_dims) {
            out(c, x, y, b) = kb.epilogue(v, {c, x, y, b}, 0);
        } else {
            out(c, b) = kb.epilogue(v, {c, b}, 0);
        }
        if (!target.has_gpu_feature()) {
            acc.compute_at(out, out.args()[0]).vectorize(c, 16, TailStrategy::GuardWithIf);
            acc.update().vectorize(c, 16, TailStrategy::GuardWithIf);
            out.vectorize(out.args()[0], 16, TailStrategy::GuardWithIf).parallel(out.args().back());
        }
        key = (n.op == OpKind::Mean ? "mean " : "max ") + std::to_string(c_count) + "x" + std::to_string(W) + "x" + std::to_string(H) +
              (n.keep_dims ? " keep" : "");
        return kb.finish(out, 0, key);
    }
    int kh = static_cast<int>(n.kernel_h), kw = static_cast<int>(n.kernel_w);
    int sh = static_cast<int>(n.stride_h), sw = static_cast<int>(n.stride_w);
    int dh = static_cast<int>(n.rate_h), dw = static_cast<int>(n.rate_w);
    int pt = static_cast<int>(n.padding.top), pl = static_cast<int>(n.padding.left);
    int pb = static_cast<int>(n.padding.bottom), pr = static_cast<int>(n.padding.right);
    RDom r(0, kw, 0, kh, "r");
    Expr ix = x * sw + r.x * dw - pl, iy = y * sh + r.y * dh - pt;
    Expr inside = ix >= 0 && ix < W && iy >= 0 && iy < H;
    Expr cx = clamp(ix, 0, W - 1), cy = clamp(iy, 0, H - 1);
    Expr v;
    if (n.op == OpKind::MaxPool) {
        acc(c, x, y, b) = std::numeric_limits<float>::lowest();
        acc(c, x, y, b) = max(acc(c, x, y, b), select(inside, in(c, cx, cy, b), std::numeric_limits<float>::lowest()));
        v = acc(c, x, y, b);
    } else {
        acc(c, x, y, b) = 0.0f;
        acc(c, x, y, b) += select(inside, in(c, cx, cy, b), 0.0f);
        // PyTorch's divisor: the window clipped to the padded input (with
        // ceil_mode a last window may run past it), or to the input alone.
        Expr x0 = x * sw - pl, y0 = y * sh - pt;
        Expr wx, wy;
        if (n.count_padding) {
            wx = min(x0 + kw, W + pr) - x0, wy = min(y0 + kh, H + pb) - y0;
        } else {
            wx = min(x0 + kw, W) - max(x0, 0), wy = min(y0 + kh, H) - max(y0, 0);
        }
        Expr count = cast<float>(wx * wy);
        v = acc(c, x, y, b) / count;
    }
    out(c, x, y, b) = kb.epilogue(v, {c, x, y, b}, 0);
    schedule::schedule_channels_last(out, acc, n.shape[3], 4, n.shape[1], target);
    key = std::string(n.op == OpKind::MaxPool ? "maxpool" : "avgpool") + (n.count_padding ? "c" : "") + " k" +
          std::to_string(kh) + "x" + std::to_string(kw) + " s" + std::to_string(sh) + "x" + std::to_string(sw) +
          " d" + std::to_string(dh) + "x" + std::to_string(dw) + " p" + std::to_string(pt) + "," +
          std::to_string(pl) + "," + std::to_string(pb) + "," + std::to_string(pr) + " in" + std::to_string(c_count) + "x" +
          std::to_string(W) + "x" + std::to_string(H) + " out" + std::to_string(n.shape[2]) + "x" +
          std::to_string(n.shape[1]);
    return kb.finish(out, 0, key);
}

}  // namespace netc::lower
