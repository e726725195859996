// MobileNetV2's inverted residual as one kernel: the 1x1 expand (when the
// block has one), the 3x3 depthwise and the 1x1 project, computed per strip
// of output rows so the expanded tensor (up to 4.8 MB an image) stays in
// cache instead of making two round trips through memory. Batch norms fold
// into each stage's weights; the depthwise's zero padding is applied to the
// expanded values (not to the block's input), as the unfused graph does.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

namespace {

// The largest multiple of `vector` lanes, at most `most` vectors, dividing `channels`.
int channel_block(int64_t channels, int vector, int most) {
    for (int v = most; v >= 1; v--)
        if (channels % (int64_t(v) * vector) == 0) return v * vector;
    return 0;
}

// A prologue stage's epilogue: activations, and batch norms that did not
// fold into its weights, on blocked channels (cl, cb).
Expr stage_epilogue(KernelBuilder &kb, const weights::WeightMap &w, Expr v, const std::vector<Epilogue> &epilogue,
                    Var cl, Var cb, int64_t channels, int block) {
    for (auto &e : epilogue) {
        if (e.kind == Epilogue::Activate) {
            v = activate(v, e.activation, &kb.plan().graph.nodes[e.node]);
        } else if (e.kind == Epilogue::ScaleShift) {
            std::vector<float> scale, shift;
            batch_norm_scale_shift(kb.plan().graph.nodes[e.node], w, channels, scale, shift);
            rt::Array a, b;
            a.shape = b.shape = {channels / block, block};
            a.data = std::move(scale);
            b.data = std::move(shift);
            ImageParam ps = kb.constant(std::move(a), "stage_scale"), pb = kb.constant(std::move(b), "stage_shift");
            v = v * ps(cl, cb) + pb(cl, cb);
        } else {
            throw InternalError("a fused stage cannot add a buffer");
        }
    }
    return v;
}

// A 1x1 convolution's weights with its batch norm folded, as (cl, c, cb)
// over [cb][c][cl], and its biases as (cl, cb).
void pack_pointwise(const ir::Node &n, const weights::WeightMap &w, int64_t cin, int64_t cout, int block,
                    rt::Array &weights, rt::Array &biases) {
    const rt::Array *wt = find_param(n, w, "weights"), *b = find_param(n, w, "biases");
    if (!wt) throw InternalError("'" + n.name + "' has no weights");
    std::vector<float> scale, shift;
    batch_norm_scale_shift(n, w, cout, scale, shift);
    weights.shape = {cout / block, cin, block};
    weights.data.resize(static_cast<size_t>(cin * cout));
    for (int64_t c = 0; c < cin; c++)
        for (int64_t o = 0; o < cout; o++)
            weights.data[((o / block) * cin + c) * block + o % block] = wt->data[c * cout + o] * scale[o];
    biases.shape = {cout / block, block};
    biases.data.resize(static_cast<size_t>(cout));
    for (int64_t o = 0; o < cout; o++) biases.data[o] = shift[o] + (b ? b->data[o] * scale[o] : 0.0f);
}

}  // namespace

Kernel lower_inverted_residual(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    const Plan &plan = kb.plan();
    const Step &s = kb.step();
    const ir::Node &project = kb.anchor();
    const bool has_expand = s.prologue.size() == 2;
    const ir::Node *expand = has_expand ? &plan.graph.nodes[s.prologue[0].node] : nullptr;
    const ir::Node &dw = plan.graph.nodes[s.prologue.back().node];
    const ir::Shape &in_shape = plan.buffers[s.inputs[0]].shape;
    const int64_t cin = in_shape[3], width = in_shape[2], height = in_shape[1];
    const int64_t ce = dw.shape[3], wo = project.shape[2], ho = project.shape[1], co = project.shape[3];
    const int lanes = target.natural_vector_size<float>();

    schedule::FusedBlockSchedule fs = schedule::model_fused_block(cin, ce, co, width, wo, ho, dw.stride_h, target);
    const int be = fs.expand_block, bp = fs.project_block;
    if (!be || !bp) throw InternalError("inverted residual '" + project.name + "' has channels no vector divides");

    ImageParam in = kb.buffer(s.inputs[0], "input");
    Var cl("cl"), cb("cb"), x("x"), y("y"), n("n"), pl("pl"), pb("pb");
    // The expanded values e(cl, cb, x, y, n) over the block's input grid.
    Func ae(expand ? expand->name : dw.name + "/input"), e(expand ? expand->name + "/output" : dw.name + "/expanded");
    RDom rk(0, static_cast<int>(cin), "rk");
    if (expand) {
        rt::Array we, bias;
        pack_pointwise(*expand, w, cin, ce, be, we, bias);
        ImageParam pw = kb.constant(std::move(we), "expand/weights"), pbias = kb.constant(std::move(bias), "expand/biases");
        ae(cl, cb, x, y, n) = pbias(cl, cb);
        ae(cl, cb, x, y, n) += pw(cl, rk, cb) * in(rk, x, y, n);
        e(cl, cb, x, y, n) = stage_epilogue(kb, w, ae(cl, cb, x, y, n), s.prologue[0].epilogue, cl, cb, ce, be);
    } else {
        e(cl, cb, x, y, n) = in(cl + cb * be, x, y, n);
    }

    // The depthwise over e with zeros outside the grid.
    rt::Array wd, bd;
    {
        const rt::Array *wt = find_param(dw, w, "depthwise_weights"), *b = find_param(dw, w, "biases");
        if (!wt) throw InternalError("'" + dw.name + "' has no depthwise weights");
        std::vector<float> scale, shift;
        batch_norm_scale_shift(dw, w, ce, scale, shift);
        wd.shape = {ce / be, 3, 3, be};  // (cl, kx, ky, cb)
        wd.data.resize(static_cast<size_t>(9 * ce));
        for (int64_t k = 0; k < 9; k++)
            for (int64_t c = 0; c < ce; c++) wd.data[((c / be) * 9 + k) * be + c % be] = wt->data[k * ce + c] * scale[c];
        bd.shape = {ce / be, be};
        bd.data.resize(static_cast<size_t>(ce));
        for (int64_t c = 0; c < ce; c++) bd.data[c] = shift[c] + (b ? b->data[c] * scale[c] : 0.0f);
    }
    ImageParam pwd = kb.constant(std::move(wd), "depthwise/weights"), pbd = kb.constant(std::move(bd), "depthwise/biases");
    const int sx = static_cast<int>(dw.stride_w), sy = static_cast<int>(dw.stride_h);
    const int px = static_cast<int>(dw.padding.left), py = static_cast<int>(dw.padding.top);
    const int W = static_cast<int>(width), H = static_cast<int>(height);
    auto padded = [&](Expr ix, Expr iy) {
        return select(ix >= 0 && ix < W && iy >= 0 && iy < H, e(cl, cb, clamp(ix, 0, W - 1), clamp(iy, 0, H - 1), n),
                      0.0f);
    };
    Expr taps = pbd(cl, cb);
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) taps += pwd(cl, kx, ky, cb) * padded(x * sx + kx - px, y * sy + ky - py);
    Func d(dw.name);
    d(cl, cb, x, y, n) = stage_epilogue(kb, w, taps, s.prologue.back().epilogue, cl, cb, ce, be);

    // The project, reducing over the expanded channels in memory order.
    rt::Array wp, bpj;
    pack_pointwise(project, w, ce, co, bp, wp, bpj);
    ImageParam ppw = kb.constant(std::move(wp), "weights"), ppb = kb.constant(std::move(bpj), "biases");
    RDom rc(0, be, 0, static_cast<int>(ce / be), "rc");
    Func ap(project.name);
    ap(pl, pb, x, y, n) = ppb(pl, pb);
    ap(pl, pb, x, y, n) += ppw(pl, rc.x + rc.y * be, pb) * d(rc.x, rc.y, x, y, n);
    Func out = kb.output_func();
    out(pl, pb, x, y, n) = kb.epilogue(ap(pl, pb, x, y, n), {pl, pb, x, y, n}, bp);
    if (!target.has_gpu_feature())
        schedule::schedule_fused_block({out, ap, d, e, ae, rk, rc, expand != nullptr}, fs, ce, co, width, wo, ho,
                                       lanes);

    std::string key = "invres in" + std::to_string(cin) + "x" + std::to_string(width) + "x" + std::to_string(height) +
                      " e" + std::to_string(ce) + (expand ? "" : "(none)") + " s" + std::to_string(sy) + "x" +
                      std::to_string(sx) + " p" + std::to_string(py) + "," + std::to_string(px) + " out" +
                      std::to_string(co) + "x" + std::to_string(wo) + "x" + std::to_string(ho) + " " + fs.str();
    // The stages' own activations are code too (relu6 and hard_swish blocks differ).
    for (auto &p : s.prologue)
        for (auto &e : p.epilogue)
            if (e.kind == Epilogue::Activate) key += " " + activation_key(e.activation, plan.graph.nodes[e.node]);
    Kernel k = kb.finish(out, bp, key);
    k.schedule = fs.str();
    return k;
}

}  // namespace netc::lower
