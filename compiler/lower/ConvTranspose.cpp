// conv2d_transpose (PyTorch's ConvTranspose2d, TF's weight layout [kh, kw,
// cout/groups, cin]) as a gather on the direct convolution's kernel: output
// o takes, per axis, the taps k = (o + pad) % stride + stride * j and the
// inputs (o + pad) / stride - j * rate (ConvTransposeGeometry.h). The phase
// (o + pad) % stride picks the taps, so no multiply-add is spent on the
// zeros a scatter through a strided input would insert; the weights are
// padded with zero taps to whole multiples of the stride, and the input
// buffer has a zero border as wide as the gather reaches past its edges.
#include "ConvTransposeGeometry.h"
#include "Diagnostics.h"
#include "GroupedConv.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;

Kernel lower_conv_transpose(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &in_shape = kb.plan().buffers[s.inputs[0]].shape;
    int64_t ci = in_shape[3], co = n.shape[3];
    TransposedAxis ah = transposed_axis(n, 0, in_shape[1]), aw = transposed_axis(n, 1, in_shape[2]);
    // Taps padded to whole strides: kernel tap k = phase + stride * j.
    int64_t th = ah.taps * ah.stride, tw = aw.taps * aw.stride;

    schedule::ConvProblem p;
    p.ci = ci / n.groups, p.co = co, p.kh = ah.taps, p.kw = aw.taps, p.ow = n.shape[2], p.oh = n.shape[1];
    schedule::ConvSchedule tiling = grouped_schedule(p, n.groups, target);
    GroupBlocks g = group_blocks(ci, co, n.groups, tiling.block);
    const int64_t B = g.block, blocks = (co + B - 1) / B;
    const bool blocked = co % B == 0;  // else (one group) the last block is padded, as conv2d's

    const rt::Array *weights = find_param(n, w, "weights"), *biases = find_param(n, w, "biases");
    if (!weights) throw InternalError("'" + n.name + "' has no weights");
    std::vector<float> scale, shift;
    batch_norm_scale_shift(n, w, co, scale, shift);
    rt::Array packed_w, packed_b;
    packed_w.shape = {blocks, th, tw, g.span, B};  // Halide sees (cl, c, kx, ky, cb)
    packed_w.data.assign(static_cast<size_t>(blocks * th * tw * g.span * B), 0.0f);
    for (int64_t cb = 0; cb < blocks; cb++)
        for (int64_t ky = 0; ky < n.kernel_h; ky++)
            for (int64_t kx = 0; kx < n.kernel_w; kx++)
                for (int64_t c = 0; c < g.span; c++)
                    for (int64_t l = 0; l < B; l++) {
                        int64_t o = cb * B + l;
                        if (o >= co || !g.connects(o, cb, c)) continue;
                        int64_t input = g.first_group(cb) * g.cin_g + c;
                        float v = weights->data[((ky * n.kernel_w + kx) * g.cout_g + o % g.cout_g) * ci + input];
                        packed_w.data[(((cb * th + ky) * tw + kx) * g.span + c) * B + l] = v * scale[o];
                    }
    packed_b.shape = {blocks, B};
    packed_b.data.assign(static_cast<size_t>(blocks * B), 0.0f);
    for (int64_t o = 0; o < co; o++) packed_b.data[o] = shift[o] + (biases ? biases->data[o] * scale[o] : 0.0f);

    ImageParam in = kb.buffer(s.inputs[0], "input");
    ImageParam wt = kb.constant(std::move(packed_w), "weights");
    ImageParam bias = kb.constant(std::move(packed_b), "biases");
    Var cl("cl"), cb("cb"), x("x"), y("y"), b("n");
    RDom r(0, static_cast<int>(g.span), 0, static_cast<int>(aw.taps), 0, static_cast<int>(ah.taps), "r");
    Func acc(n.name);
    acc(cl, cb, x, y, b) = bias(cl, cb);
    Expr tx = x + static_cast<int>(aw.pad_before), ty = y + static_cast<int>(ah.pad_before);
    int sw = static_cast<int>(aw.stride), sh = static_cast<int>(ah.stride);
    Expr kx = tx % sw + sw * r.y, ky = ty % sh + sh * r.z;
    Expr ix = tx / sw - r.y * static_cast<int>(aw.rate), iy = ty / sh - r.z * static_cast<int>(ah.rate);
    Expr first = g.first_channel(cb);
    acc(cl, cb, x, y, b) += wt(cl, r.x, kx, ky, cb) * in(first + r.x, ix, iy, b);
    Func out = kb.output_func();
    if (blocked) {
        out(cl, cb, x, y, b) = kb.epilogue(acc(cl, cb, x, y, b), {cl, cb, x, y, b}, static_cast<int>(B));
    } else {
        Var c("c");
        int bi = static_cast<int>(B);
        out(c, x, y, b) = kb.epilogue(acc(c % bi, c / bi, x, y, b), {c, x, y, b}, 0);
    }
    if (!target.has_gpu_feature()) schedule::schedule_conv(out, acc, r, tiling, p.ow, p.oh, co);

    std::string key = "conv_transpose g" + std::to_string(n.groups) + " k" + std::to_string(n.kernel_h) + "x" +
                      std::to_string(n.kernel_w) + " s" + std::to_string(sh) + "x" + std::to_string(sw) + " d" +
                      std::to_string(n.rate_h) + "x" + std::to_string(n.rate_w) + " p" +
                      std::to_string(ah.pad_before) + "," + std::to_string(aw.pad_before) + " in" +
                      std::to_string(ci) + "x" + std::to_string(in_shape[2]) + "x" + std::to_string(in_shape[1]) +
                      " out" + std::to_string(co) + "x" + std::to_string(p.ow) + "x" + std::to_string(p.oh) + " " +
                      tiling.str();
    Kernel k = kb.finish(out, blocked ? static_cast<int>(B) : 0, key);
    k.schedule = tiling.str();
    return k;
}

}  // namespace netc::lower
