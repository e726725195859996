// depthwise_conv2d: each output channel o = c * multiplier + j filters input
// channel c. TF's [kh, kw, cin, multiplier] weights are already laid out as
// [kh][kw][o], channels innermost, which is how the kernel vectorizes.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;

Kernel lower_depthwise(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &in_shape = kb.plan().buffers[s.inputs[0]].shape;
    // conv2d with a group per input channel is this op: its [kh, kw, 1, cout]
    // weights are laid out as depthwise [kh, kw, cin, multiplier] ones.
    bool grouped = n.op == ir::OpKind::Conv2D;
    int64_t co = n.shape[3], mult = grouped ? co / in_shape[3] : n.multiplier, kh = n.kernel_h, kw = n.kernel_w;
    const rt::Array *weights = find_param(n, w, grouped ? "weights" : "depthwise_weights");
    const rt::Array *biases = find_param(n, w, "biases");
    if (!weights) throw InternalError("'" + n.name + "' has no depthwise weights");
    std::vector<float> scale, shift;
    batch_norm_scale_shift(n, w, co, scale, shift);
    rt::Array pw, pb;
    pw.shape = {kh, kw, co};  // (o, kx, ky)
    pw.data = weights->data;
    for (size_t i = 0; i < pw.data.size(); i++) pw.data[i] *= scale[i % co];
    pb.shape = {co};
    pb.data.resize(co);
    for (int64_t o = 0; o < co; o++) pb.data[o] = shift[o] + (biases ? biases->data[o] * scale[o] : 0.0f);

    ImageParam in = kb.buffer(s.inputs[0], "input");
    ImageParam wt = kb.constant(std::move(pw), "depthwise_weights");
    ImageParam bias = kb.constant(std::move(pb), "biases");
    Var c("c"), x("x"), y("y"), b("n");
    RDom r(0, static_cast<int>(kw), 0, static_cast<int>(kh), "r");
    Func acc(n.name);
    acc(c, x, y, b) = bias(c);
    Expr ic = mult == 1 ? Expr(c) : c / static_cast<int>(mult);
    acc(c, x, y, b) += wt(c, r.x, r.y) * in(ic, x * static_cast<int>(n.stride_w) + r.x * static_cast<int>(n.rate_w) -
                                                    static_cast<int>(n.padding.left),
                                            y * static_cast<int>(n.stride_h) + r.y * static_cast<int>(n.rate_h) -
                                                static_cast<int>(n.padding.top),
                                            b);
    Func out = kb.output_func();
    out(c, x, y, b) = kb.epilogue(acc(c, x, y, b), {c, x, y, b}, 0);
    schedule::schedule_channels_last(out, acc, co, 4, n.shape[1], target);

    std::string key = "depthwise k" + std::to_string(kh) + "x" + std::to_string(kw) + " m" + std::to_string(mult) +
                      " s" + std::to_string(n.stride_h) + "x" + std::to_string(n.stride_w) + " d" +
                      std::to_string(n.rate_h) + "x" + std::to_string(n.rate_w) + " p" +
                      std::to_string(n.padding.top) + "," + std::to_string(n.padding.left) + " in" +
                      std::to_string(in_shape[3]) + "x" + std::to_string(in_shape[2]) + "x" +
                      std::to_string(in_shape[1]) + " out" + std::to_string(co) + "x" + std::to_string(n.shape[2]) +
                      "x" + std::to_string(n.shape[1]);
    return kb.finish(out, 0, key);
}

}  // namespace netc::lower
