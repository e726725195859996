// conv2d with groups (PyTorch's and ONNX's grouped convolution, weights
// [kh, kw, cin/groups, cout] in TF's layout per group): the direct
// convolution's kernel over each block's span of input channels. A group
// per input channel (groups == cin) is a depthwise convolution and takes
// that kernel instead.
#include "GroupedConv.h"

#include "Diagnostics.h"
#include "Schedules.h"

#include <algorithm>

namespace netc::lower {

using namespace Halide;

GroupBlocks group_blocks(int64_t cin, int64_t cout, int64_t groups, int64_t block) {
    GroupBlocks g;
    g.groups = groups;
    g.cin_g = cin / groups;
    g.cout_g = cout / groups;
    g.block = block;
    // One group: a padded last block (3 outputs in a block of 16) still reads every input.
    g.span = groups == 1 ? cin : std::max<int64_t>(1, block / g.cout_g) * g.cin_g;
    return g;
}

schedule::ConvSchedule grouped_schedule(schedule::ConvProblem p, int64_t groups, const Target &t) {
    if (groups == 1) return schedule::model_conv_schedule(p, t);
    int lanes = t.natural_vector_size<float>();
    int64_t cout_g = p.co / groups, cin_g = p.ci;
    // The tiles a dense problem of a block's span would take, and those of
    // one group's outputs alone (narrower vectors when a group is narrow).
    schedule::ConvProblem wide = p, narrow = p;
    wide.ci = cin_g * std::max<int64_t>(1, lanes / cout_g);
    narrow.co = cout_g;
    std::vector<schedule::ConvSchedule> all = schedule::conv_candidates(wide, t);
    for (auto &c : schedule::conv_candidates(narrow, t)) all.push_back(c);
    schedule::ConvSchedule best;
    double best_waste = 0;
    for (auto &c : all) {
        if (c.algorithm != schedule::ConvSchedule::Direct || p.co % c.block != 0) continue;
        if (cout_g % c.block != 0 && c.block % cout_g != 0) continue;
        if (!schedule::valid_for(c, p, t)) continue;
        double waste = double(std::max<int64_t>(1, c.block / cout_g)) * lanes / c.vector;
        if (best_waste == 0 || waste < best_waste) best = c, best_waste = waste;
    }
    if (best_waste == 0) best.block = best.vector = 1;  // scalar, but any grouping fits
    return best;
}

Kernel lower_grouped_conv(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &in_shape = kb.plan().buffers[s.inputs[0]].shape;
    int64_t ci = in_shape[3], co = n.shape[3], kh = n.kernel_h, kw = n.kernel_w;
    if (n.groups == ci && ci > 1) return lower_depthwise(kb, w, target);

    schedule::ConvProblem p;
    p.ci = ci / n.groups, p.co = co, p.kh = kh, p.kw = kw, p.ow = n.shape[2], p.oh = n.shape[1];
    p.stride_h = n.stride_h, p.stride_w = n.stride_w, p.rate_h = n.rate_h, p.rate_w = n.rate_w;
    schedule::ConvSchedule tiling = grouped_schedule(p, n.groups, target);
    GroupBlocks g = group_blocks(ci, co, n.groups, tiling.block);
    const int64_t B = g.block, blocks = co / B;

    const rt::Array *weights = find_param(n, w, "weights"), *biases = find_param(n, w, "biases");
    if (!weights) throw InternalError("'" + n.name + "' has no weights");
    std::vector<float> scale, shift;
    batch_norm_scale_shift(n, w, co, scale, shift);
    rt::Array packed_w, packed_b;
    packed_w.shape = {blocks, kh, kw, g.span, B};  // Halide sees (cl, c, kx, ky, cb)
    packed_w.data.assign(static_cast<size_t>(blocks * kh * kw * g.span * B), 0.0f);
    for (int64_t cb = 0; cb < blocks; cb++)
        for (int64_t ky = 0; ky < kh; ky++)
            for (int64_t kx = 0; kx < kw; kx++)
                for (int64_t c = 0; c < g.span; c++)
                    for (int64_t l = 0; l < B; l++) {
                        int64_t o = cb * B + l;
                        if (!g.connects(o, cb, c)) continue;
                        float v = weights->data[((ky * kw + kx) * g.cin_g + c % g.cin_g) * co + o] * scale[o];
                        packed_w.data[(((cb * kh + ky) * kw + kx) * g.span + c) * B + l] = v;
                    }
    packed_b.shape = {blocks, B};
    packed_b.data.resize(static_cast<size_t>(co));
    for (int64_t o = 0; o < co; o++) packed_b.data[o] = shift[o] + (biases ? biases->data[o] * scale[o] : 0.0f);

    ImageParam in = kb.buffer(s.inputs[0], "input");
    ImageParam wt = kb.constant(std::move(packed_w), "weights");
    ImageParam bias = kb.constant(std::move(packed_b), "biases");
    Var cl("cl"), cb("cb"), x("x"), y("y"), b("n");
    RDom r(0, static_cast<int>(g.span), 0, static_cast<int>(kw), 0, static_cast<int>(kh), "r");
    Func acc(n.name);
    acc(cl, cb, x, y, b) = bias(cl, cb);
    Expr first = g.first_channel(cb);
    Expr ix = x * static_cast<int>(n.stride_w) + r.y * static_cast<int>(n.rate_w) - static_cast<int>(n.padding.left);
    Expr iy = y * static_cast<int>(n.stride_h) + r.z * static_cast<int>(n.rate_h) - static_cast<int>(n.padding.top);
    acc(cl, cb, x, y, b) += wt(cl, r.x, r.y, r.z, cb) * in(first + r.x, ix, iy, b);
    Func out = kb.output_func();
    out(cl, cb, x, y, b) = kb.epilogue(acc(cl, cb, x, y, b), {cl, cb, x, y, b}, static_cast<int>(B));
    if (!target.has_gpu_feature()) schedule::schedule_conv(out, acc, r, tiling, p.ow, p.oh, co);

    std::string key = "grouped_conv g" + std::to_string(n.groups) + " k" + std::to_string(kh) + "x" +
                      std::to_string(kw) + " s" + std::to_string(n.stride_h) + "x" + std::to_string(n.stride_w) +
                      " d" + std::to_string(n.rate_h) + "x" + std::to_string(n.rate_w) + " p" +
                      std::to_string(n.padding.top) + "," + std::to_string(n.padding.left) + " in" +
                      std::to_string(ci) + "x" + std::to_string(in_shape[2]) + "x" + std::to_string(in_shape[1]) +
                      " out" + std::to_string(co) + "x" + std::to_string(p.ow) + "x" + std::to_string(p.oh) + " " +
                      tiling.str();
    Kernel k = kb.finish(out, static_cast<int>(B), key);
    k.schedule = tiling.str() + (g.span > g.cin_g ? " x" + std::to_string(g.span / g.cin_g) + " groups a block" : "");
    return k;
}

}  // namespace netc::lower
