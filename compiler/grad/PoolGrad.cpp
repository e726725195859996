// Pools and spatial means in training, and their gradients. Max pooling
// records which tap won (the first largest in row-major window order, as TF
// and PyTorch pick it, which matters on ReLU outputs full of tied zeros) and
// routes the gradient there.
#include "TrainKernels.h"

#include <limits>

namespace netc::grad {

using namespace Halide;

namespace {

Region spatial(const ImageParam &x) {
    return {Range(), Range(x.dim(1).min(), x.dim(1).extent()), Range(x.dim(2).min(), x.dim(2).extent()), Range()};
}

// The output position (ox, oy) whose tap (kx, ky) reads input (x, y), and
// whether there is one (in range is left to the caller's boundary condition).
struct Tap {
    Expr ox, oy, hit;
};

Tap tap(const ConvGeom &g, Expr x, Expr y, Expr kx, Expr ky) {
    Expr tx = x + g.pl - kx, ty = y + g.pt - ky;
    Expr hit = Internal::const_true();
    if (g.sw > 1) hit = hit && tx % g.sw == 0;
    if (g.sh > 1) hit = hit && ty % g.sh == 0;
    return {g.sw > 1 ? tx / g.sw : tx, g.sh > 1 ? ty / g.sh : ty, hit};
}

// How many of a window's taps fall inside the input (TF's divisor).
Expr window_count(const ConvGeom &g, bool count_padding, Expr ox, Expr oy, Expr w, Expr h) {
    if (count_padding) return cast<float>(g.kh * g.kw);
    Expr x0 = ox * g.sw - g.pl, y0 = oy * g.sh - g.pt;
    Expr cx = min(x0 + g.kw, w) - max(x0, 0), cy = min(y0 + g.kh, h) - max(y0, 0);
    return cast<float>(max(cx * cy, 1));
}

}  // namespace

void max_pool_forward(const ConvGeom &g, const Buf &x, Buf &y, Buf &argmax) {
    kernel("max_pool_forward " + g.key(), [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs");
        Func xb = BoundaryConditions::constant_exterior(in, -std::numeric_limits<float>::infinity(), spatial(in));
        Var c("c"), ox("x"), oy("y"), n("n");
        RDom r(0, g.kw, 0, g.kh, "r");
        Func best("best"), f("max_pool"), a("argmax");
        best(c, ox, oy, n) = Tuple(-std::numeric_limits<float>::infinity(), -1.0f);
        Expr v = xb(c, ox * g.sw - g.pl + r.x, oy * g.sh - g.pt + r.y, n);
        best(c, ox, oy, n) = tuple_select(v > best(c, ox, oy, n)[0], Tuple(v, cast<float>(r.y * g.kw + r.x)),
                                          best(c, ox, oy, n));
        f(c, ox, oy, n) = best(c, ox, oy, n)[0];
        a(c, ox, oy, n) = best(c, ox, oy, n)[1];
        best.compute_root();
        schedule_image(best, true);
        schedule_image(f, false);
        schedule_image(a, false);
        k.set_outputs({f, a});
    }).run({&x}, {}, {&y, &argmax});
}

void max_pool_backward(const ConvGeom &g, const Buf &dy, const Buf &argmax, Buf &dx) {
    kernel("max_pool_backward " + g.key(), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), a = k.input(4, "argmax");
        Func dyb = BoundaryConditions::constant_exterior(d, 0.0f, spatial(d));
        Func ab = BoundaryConditions::constant_exterior(a, -1.0f, spatial(a));
        Var c("c"), x("x"), y("y"), n("n");
        RDom r(0, g.kw, 0, g.kh, "r");
        Tap t = tap(g, x, y, r.x, r.y);
        Func f("max_pool_grad_inputs");
        f(c, x, y, n) = 0.0f;
        f(c, x, y, n) += select(t.hit && ab(c, t.ox, t.oy, n) == cast<float>(r.y * g.kw + r.x), dyb(c, t.ox, t.oy, n),
                                0.0f);
        schedule_image(f, true);
        k.set_outputs({f});
    }).run({&dy, &argmax}, {}, {&dx});
}

void avg_pool_forward(const ConvGeom &g, bool count_padding, const Buf &x, Buf &y) {
    kernel("avg_pool_forward " + g.key() + (count_padding ? "/count_padding" : ""), [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs");
        Func xb = zero_padded(in);
        Var c("c"), ox("x"), oy("y"), n("n");
        RDom r(0, g.kw, 0, g.kh, "r");
        Func s("window_sum"), f("avg_pool");
        s(c, ox, oy, n) = 0.0f;
        s(c, ox, oy, n) += xb(c, ox * g.sw - g.pl + r.x, oy * g.sh - g.pt + r.y, n);
        f(c, ox, oy, n) =
            s(c, ox, oy, n) / window_count(g, count_padding, ox, oy, in.dim(1).extent(), in.dim(2).extent());
        s.compute_at(f, ox).vectorize(c, 8, TailStrategy::GuardWithIf);
        s.update().vectorize(c, 8, TailStrategy::GuardWithIf);
        schedule_image(f, false);
        k.set_outputs({f});
    }).run({&x}, {}, {&y});
}

void avg_pool_backward(const ConvGeom &g, bool count_padding, const Buf &dy, Buf &dx) {
    kernel("avg_pool_backward " + g.key() + (count_padding ? "/count_padding" : ""), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs");
        Param<float> w = k.scalar("width"), h = k.scalar("height");
        Func dyb = BoundaryConditions::constant_exterior(d, 0.0f, spatial(d));
        Var c("c"), x("x"), y("y"), n("n");
        RDom r(0, g.kw, 0, g.kh, "r");
        Tap t = tap(g, x, y, r.x, r.y);
        Func f("avg_pool_grad_inputs");
        f(c, x, y, n) = 0.0f;
        Expr cnt = window_count(g, count_padding, t.ox, t.oy, cast<int>(w), cast<int>(h));
        f(c, x, y, n) += select(t.hit, dyb(c, t.ox, t.oy, n) / cnt, 0.0f);
        schedule_image(f, true);
        k.set_outputs({f});
    }).run({&dy}, {static_cast<float>(dx.dim(1).extent()), static_cast<float>(dx.dim(2).extent())}, {&dx});
}

void spatial_mean_forward(const Buf &x, Buf &y) {
    kernel("spatial_mean_forward", [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs");
        Var c("c"), ox("x"), oy("y"), n("n");
        RDom r(0, in.dim(1).extent(), 0, in.dim(2).extent(), "r");
        Func f("mean");
        f(c, ox, oy, n) = 0.0f;
        f(c, ox, oy, n) += in(c, r.x, r.y, n);
        Func out("spatial_mean");
        out(c, ox, oy, n) = f(c, ox, oy, n) / cast<float>(in.dim(1).extent() * in.dim(2).extent());
        f.compute_at(out, n).vectorize(c, 8, TailStrategy::GuardWithIf);
        f.update().vectorize(c, 8, TailStrategy::GuardWithIf);
        out.vectorize(c, 8, TailStrategy::GuardWithIf).parallel(n);
        k.set_outputs({out});
    }).run({&x}, {}, {&y});
}

void spatial_mean_backward(const Buf &dy, Buf &dx) {
    kernel("spatial_mean_backward", [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs");
        Param<float> area = k.scalar("area");
        Var c("c"), x("x"), y("y"), n("n");
        Func f("mean_grad_inputs");
        f(c, x, y, n) = d(c, 0, 0, n) / area;
        schedule_image(f, false);
        k.set_outputs({f});
    }).run({&dy}, {static_cast<float>(dx.dim(1).extent() * dx.dim(2).extent())}, {&dx});
}

}  // namespace netc::grad
