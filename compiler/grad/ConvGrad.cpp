// Convolutions in training: the forward pass (on the raw output, before any
// bias, batch norm or activation, whose own stages follow), backward-data
// and backward-filter, for dense and depthwise kernels.
#include "ConvTiles.h"
#include "TrainKernels.h"

namespace netc::grad {

using namespace Halide;

std::string ConvGeom::key() const {
    return std::to_string(kh) + "x" + std::to_string(kw) + "/s" + std::to_string(sh) + "," + std::to_string(sw) +
           "/r" + std::to_string(rh) + "," + std::to_string(rw) + "/p" + std::to_string(pt) + "," +
           std::to_string(pl);
}

namespace {

// The input position an output position's tap (kx, ky) reads.
Expr in_x(const ConvGeom &g, Expr ox, Expr kx) { return ox * g.sw - g.pl + kx * g.rw; }
Expr in_y(const ConvGeom &g, Expr oy, Expr ky) { return oy * g.sh - g.pt + ky * g.rh; }

// Backward-data reads dy at the output position whose tap (kx, ky) lands on
// input x: (x + pl - kx*rw) / sw when that divides exactly. Returns dy's
// value there, zero where no output reads x through that tap.
Expr dy_at(const ConvGeom &g, Func dyb, Expr c, Expr x, Expr y, Expr kx, Expr ky, Expr n) {
    Expr tx = x + g.pl - kx * g.rw, ty = y + g.pt - ky * g.rh;
    Expr v = dyb(c, g.sw == 1 ? tx : tx / g.sw, g.sh == 1 ? ty : ty / g.sh, n);
    Expr hit = Internal::const_true();
    if (g.sw > 1) hit = hit && tx % g.sw == 0;
    if (g.sh > 1) hit = hit && ty % g.sh == 0;
    return g.sw == 1 && g.sh == 1 ? v : select(hit, v, 0.0f);
}

// Register tiles for a reduction into f(c, x, y, n): 8 channels (one
// vector) by 4 columns held across the whole reduction.
void schedule_tiled(Func f, RVar r0, RVar r1, RVar r2) {
    Var c = f.args()[0], x = f.args()[1], y = f.args()[2], n = f.args()[3];
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), yn("yn");
    f.vectorize(c, 8, TailStrategy::GuardWithIf).fuse(y, n, yn).parallel(yn);
    f.update()
        .split(c, co, ci, 8, TailStrategy::GuardWithIf)
        .split(x, xo, xi, 4, TailStrategy::GuardWithIf)
        .reorder(ci, xi, r0, r1, r2, xo, co, y, n)
        .vectorize(ci)
        .unroll(xi)
        .fuse(y, n, yn)
        .parallel(yn);
}

// A filter gradient f(a, b, kx, ky), reduced over (ox, oy, n): the first
// dimension vectorised, taps and the second split across threads.
void schedule_filter(Func f, RVar r0, RVar r1, RVar r2) {
    Var a = f.args()[0], b = f.args()[1], kx = f.args()[2], ky = f.args()[3];
    Var t("t");
    f.vectorize(a, 8, TailStrategy::GuardWithIf);
    f.update()
        .vectorize(a, 8, TailStrategy::GuardWithIf)
        .reorder(a, r0, r1, r2, b, kx, ky)
        .fuse(b, kx, t)
        .fuse(t, ky, t)
        .parallel(t);
}

}  // namespace

void conv_forward(const ConvGeom &g, const Buf &x, const Buf &w, const Buf *b, const Buf *res, Buf &y) {
    if (tiles_fit(y)) return conv_forward_tiled(g, x, w, b, res, y);
    if (res) {
        // Small layers: the plain schedule, then the add.
        conv_forward(g, x, w, b, nullptr, y);
        return add_forward(y, *res, y);
    }
    kernel("conv_forward " + g.key() + (b ? "/bias" : ""), [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs"), wt = k.input(4, "weights");
        Func xb = zero_padded(in);
        Var c("c"), ox("x"), oy("y"), n("n");
        RDom r(0, wt.dim(1).extent(), 0, g.kw, 0, g.kh, "r");
        Func f("conv");
        if (b) {
            ImageParam bias = k.input(1, "biases");
            f(c, ox, oy, n) = bias(c);
        } else {
            f(c, ox, oy, n) = 0.0f;
        }
        f(c, ox, oy, n) += wt(c, r.x, r.y, r.z) * xb(r.x, in_x(g, ox, r.y), in_y(g, oy, r.z), n);
        schedule_tiled(f, r.x, r.y, r.z);
        k.set_outputs({f});
    }).run(b ? std::vector<const Buf *>{&x, &w, b} : std::vector<const Buf *>{&x, &w}, {}, {&y});
}

void conv_backward_data(const ConvGeom &g, const Buf &dy, const Buf &w, Buf &dx) {
    if (tiles_fit(dx)) return conv_backward_data_tiled(g, dy, w, dx);
    kernel("conv_backward_data " + g.key(), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), wt = k.input(4, "weights");
        Func dyb = zero_padded(d);
        Var c("c"), x("x"), y("y"), n("n"), o("o"), kx("kx"), ky("ky");
        // The weights transposed (input channels innermost) so that each
        // vector of dx reads one contiguous vector of them.
        Func wtt("weights_transposed");
        wtt(c, o, kx, ky) = wt(o, c, kx, ky);
        transpose_schedule(wtt);
        RDom r(0, d.dim(0).extent(), 0, g.kw, 0, g.kh, "r");
        Func f("conv_grad_inputs");
        f(c, x, y, n) = 0.0f;
        f(c, x, y, n) += dy_at(g, dyb, r.x, x, y, r.y, r.z, n) * wtt(c, r.x, r.y, r.z);
        schedule_tiled(f, r.x, r.y, r.z);
        k.set_outputs({f});
    }).run({&dy, &w}, {}, {&dx});
}

void conv_backward_filter(const ConvGeom &g, const Buf &dy, const Buf &x, Buf &dw) {
    if (filter_tiles_fit(g, dw)) return conv_backward_filter_tiled(g, dy, x, dw);
    kernel("conv_backward_filter " + g.key(), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), in = k.input(4, "inputs");
        Func xb = zero_padded(in);
        Var co("co"), ci("ci"), kx("kx"), ky("ky");
        RDom r(0, d.dim(1).extent(), 0, d.dim(2).extent(), 0, d.dim(3).extent(), "r");
        Func f("conv_grad_weights");
        f(co, ci, kx, ky) = 0.0f;
        f(co, ci, kx, ky) += d(co, r.x, r.y, r.z) * xb(ci, in_x(g, r.x, kx), in_y(g, r.y, ky), r.z);
        schedule_filter(f, r.x, r.y, r.z);
        k.set_outputs({f});
    }).run({&dy, &x}, {}, {&dw});
}

// Depthwise: output channel c reads input channel c / m with the weights
// (c % m, c / m, kx, ky) (TF's [KH, KW, Cin, multiplier]).
void depthwise_forward(const ConvGeom &g, int m, const Buf &x, const Buf &w, Buf &y) {
    kernel("depthwise_forward " + g.key() + "/m" + std::to_string(m), [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs"), wt = k.input(4, "weights");
        Func xb = zero_padded(in);
        Var c("c"), ox("x"), oy("y"), n("n");
        RDom r(0, g.kw, 0, g.kh, "r");
        Func f("depthwise");
        f(c, ox, oy, n) = 0.0f;
        f(c, ox, oy, n) += wt(c % m, c / m, r.x, r.y) * xb(c / m, in_x(g, ox, r.x), in_y(g, oy, r.y), n);
        schedule_image(f, true);
        k.set_outputs({f});
    }).run({&x, &w}, {}, {&y});
}

void depthwise_backward_data(const ConvGeom &g, int m, const Buf &dy, const Buf &w, Buf &dx) {
    kernel("depthwise_backward_data " + g.key() + "/m" + std::to_string(m), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), wt = k.input(4, "weights");
        Func dyb = zero_padded(d);
        Var c("c"), x("x"), y("y"), n("n");
        RDom r(0, m, 0, g.kw, 0, g.kh, "r");
        Func f("depthwise_grad_inputs");
        f(c, x, y, n) = 0.0f;
        f(c, x, y, n) += dy_at(g, dyb, c * m + r.x, x, y, r.y, r.z, n) * wt(r.x, c, r.y, r.z);
        schedule_image(f, true);
        k.set_outputs({f});
    }).run({&dy, &w}, {}, {&dx});
}

void depthwise_backward_filter(const ConvGeom &g, int m, const Buf &dy, const Buf &x, Buf &dw) {
    kernel("depthwise_backward_filter " + g.key() + "/m" + std::to_string(m), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), in = k.input(4, "inputs");
        Func xb = zero_padded(in);
        Var j("j"), c("c"), kx("kx"), ky("ky");
        RDom r(0, d.dim(1).extent(), 0, d.dim(2).extent(), 0, d.dim(3).extent(), "r");
        Func f("depthwise_grad_weights");
        f(j, c, kx, ky) = 0.0f;
        f(j, c, kx, ky) += d(c * m + j, r.x, r.y, r.z) * xb(c, in_x(g, r.x, kx), in_y(g, r.y, ky), r.z);
        // The multiplier is usually 1: vectorise across channels instead.
        Var t("t");
        f.vectorize(c, 8, TailStrategy::GuardWithIf);
        f.update().reorder(c, j, r.x, r.y, r.z, kx, ky).vectorize(c, 8, TailStrategy::GuardWithIf).fuse(kx, ky, t).parallel(t);
        k.set_outputs({f});
    }).run({&dy, &x}, {}, {&dw});
}

}  // namespace netc::grad
