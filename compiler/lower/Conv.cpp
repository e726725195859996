// conv2d and fully_connected (a 1x1 convolution of a 1x1 image): batch norm
// folded into the weights and bias, weights re-blocked so the innermost
// reduction streams them in order, the epilogue fused into the output.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

std::optional<schedule::ConvProblem> conv_problem(const Plan &plan, int step) {
    const Step &s = plan.steps[step];
    const ir::Node &n = plan.graph.nodes[s.anchor];
    if ((n.op != OpKind::Conv2D && n.op != OpKind::FullyConnected) || !s.prologue.empty() || n.groups > 1)
        return std::nullopt;
    schedule::ConvProblem p;
    p.fc = n.op == OpKind::FullyConnected;
    p.ci = plan.buffers[s.inputs[0]].shape.dims.back();
    p.co = n.shape.dims.back();
    if (!p.fc) {
        p.kh = n.kernel_h, p.kw = n.kernel_w, p.ow = n.shape[2], p.oh = n.shape[1];
        p.stride_h = n.stride_h, p.stride_w = n.stride_w, p.rate_h = n.rate_h, p.rate_w = n.rate_w;
    }
    return p;
}

// The tuned schedule for p if the table has a valid one, else the model's.
schedule::ConvSchedule choose_schedule(const schedule::ConvProblem &p, const tune::TuningTable *tuning,
                                       const Target &target) {
    if (tuning)
        if (auto text = tuning->find(p.signature()))
            if (auto s = schedule::ConvSchedule::parse(*text); s && schedule::valid_for(*s, p, target)) return *s;
    return schedule::model_conv_schedule(p, target);
}

Kernel lower_conv(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    if (!kb.step().prologue.empty()) return lower_inverted_residual(kb, w, target);
    if (kb.anchor().groups > 1) return lower_grouped_conv(kb, w, target);
    const ir::Node &n = kb.anchor();
    const Plan &plan = kb.plan();
    const Step &s = kb.step();
    bool fc = n.op == OpKind::FullyConnected;
    const ir::Shape &in_shape = plan.buffers[s.inputs[0]].shape;
    int64_t ci = in_shape.dims.back(), co = n.shape.dims.back();
    int64_t kh = fc ? 1 : n.kernel_h, kw = fc ? 1 : n.kernel_w;
    int64_t wi = fc ? 1 : in_shape[2], hi = fc ? 1 : in_shape[1];
    int64_t wo = fc ? 1 : n.shape[2], ho = fc ? 1 : n.shape[1];

    const rt::Array *weights = find_param(n, w, "weights"), *biases = find_param(n, w, "biases");
    if (!weights) weights = find_param(n, w, "pointwise_weights");
    if (!weights) throw InternalError("'" + n.name + "' has no weights");

    schedule::ConvProblem problem = *conv_problem(plan, kb.step_index());
    schedule::ConvSchedule tiling = choose_schedule(problem, kb.tuning(), target);
    if (tiling.algorithm == schedule::ConvSchedule::Winograd) return lower_winograd(kb, w, target, problem, tiling);
    // Channel counts that no block divides (1001 classes) are padded with
    // zero weights to whole blocks; the output is then stored unblocked,
    // its last block's tail lane by lane.
    const int64_t B = tiling.block, blocks = (co + B - 1) / B;
    const bool blocked = co % B == 0;

    // Fold the batch norm: w' = w * scale[co], b' = shift + b * scale.
    std::vector<float> scale, shift;
    batch_norm_scale_shift(n, w, co, scale, shift);
    rt::Array packed_w, packed_b;
    packed_w.shape = {blocks, kh, kw, ci, B};  // Halide sees (cl, ci, kx, ky, cb)
    packed_w.data.assign(static_cast<size_t>(blocks * kh * kw * ci * B), 0.0f);
    for (int64_t ky = 0; ky < kh; ky++)
        for (int64_t kx = 0; kx < kw; kx++)
            for (int64_t c = 0; c < ci; c++)
                for (int64_t o = 0; o < co; o++) {
                    float v = weights->data[((ky * kw + kx) * ci + c) * co + o] * scale[o];
                    packed_w.data[((((o / B) * kh + ky) * kw + kx) * ci + c) * B + o % B] = v;
                }
    packed_b.shape = {blocks, B};  // (cl, cb)
    packed_b.data.assign(static_cast<size_t>(blocks * B), 0.0f);
    for (int64_t o = 0; o < co; o++) packed_b.data[o] = shift[o] + (biases ? biases->data[o] * scale[o] : 0.0f);

    ImageParam in = kb.buffer(s.inputs[0], "input", 0, fc);
    ImageParam wt = kb.constant(std::move(packed_w), "weights");
    ImageParam bias = kb.constant(std::move(packed_b), "biases");

    Var cl("cl"), cb("cb"), x("x"), y("y"), b("n");
    RDom r(0, static_cast<int>(ci), 0, static_cast<int>(kw), 0, static_cast<int>(kh), "r");
    Func acc(n.name);
    acc(cl, cb, x, y, b) = bias(cl, cb);
    Expr ix = x * static_cast<int>(n.stride_w) + r.y * static_cast<int>(n.rate_w) - static_cast<int>(n.padding.left);
    Expr iy = y * static_cast<int>(n.stride_h) + r.z * static_cast<int>(n.rate_h) - static_cast<int>(n.padding.top);
    if (fc) ix = iy = 0;
    Expr iv = in(r.x, ix, iy, b);
    // Squeeze-and-excitation's product, formed as the input is read.
    if (s.gated_input) iv = iv * kb.buffer(s.inputs[1], "gate")(r.x, 0, 0, b);
    acc(cl, cb, x, y, b) += wt(cl, r.x, r.y, r.z, cb) * iv;

    Func out = kb.output_func();
    if (blocked) {
        out(cl, cb, x, y, b) = kb.epilogue(acc(cl, cb, x, y, b), {cl, cb, x, y, b}, static_cast<int>(B), fc);
    } else {
        Var c("c");
        int bi = static_cast<int>(B);
        out(c, x, y, b) = kb.epilogue(acc(c % bi, c / bi, x, y, b), {c, x, y, b}, 0, fc);
    }
    if (!target.has_gpu_feature()) schedule::schedule_conv(out, acc, r, tiling, wo, ho, co);

    std::string key = std::string(fc ? "fc" : "conv") + " k" + std::to_string(kh) + "x" + std::to_string(kw) +
                      " s" + std::to_string(n.stride_h) + "x" + std::to_string(n.stride_w) + " d" +
                      std::to_string(n.rate_h) + "x" + std::to_string(n.rate_w) + " p" +
                      std::to_string(n.padding.top) + "," + std::to_string(n.padding.left) + " in" +
                      std::to_string(ci) + "x" + std::to_string(wi) + "x" + std::to_string(hi) + " out" +
                      std::to_string(co) + "x" + std::to_string(wo) + "x" + std::to_string(ho) + " " + tiling.str();
    Kernel k = kb.finish(out, blocked ? static_cast<int>(B) : 0, key, fc);
    k.signature = problem.signature();
    k.schedule = tiling.str();
    return k;
}

}  // namespace netc::lower
