// Register-tiled convolutions for training: forward, backward-data (a
// convolution of dy with the flipped, transposed weights) and
// backward-filter (a reduction over batch and space). Each output is cut
// into tiles of 32 channels (two AVX-512 vectors) by a few points whose
// accumulators live in registers for the whole reduction: the output is a
// pure Func split with ShiftInwards, so a tile has a constant extent even
// though the kernel's extents are free, and ragged edges recompute a few
// points instead of guarding every lane. ConvGrad.cpp sends a layer here
// when its extents fit one tile (tiles_fit) and keeps the plain schedules
// for the small ones.
#include "ConvTiles.h"

#include <cstdlib>

namespace netc::grad {

using namespace Halide;

namespace {

constexpr int kChannels = 32, kVector = 16, kPoints = 7;

// x with a zero border, copied once per call (a select on every read of
// the inner loop costs more than the copy) when the kernel reads outside.
Func padded(ImageParam x, bool needs_border, const std::string &name) {
    if (!needs_border) return Func(x);
    Func p(name);
    Var c("c"), u("x"), v("y"), n("n");
    p(c, u, v, n) = zero_padded(x)(c, u, v, n);
    p.compute_root().vectorize(c, kVector, TailStrategy::GuardWithIf).parallel(v);
    return p;
}

bool reads_outside(const ConvGeom &g) { return g.pt > 0 || g.pl > 0 || g.kh > 1 || g.kw > 1; }

// f(c, x, y, n, ...) = acc(c, x, y, n, ...): tiles of 32 channels x 7
// columns, rows, channel blocks and images split across threads
// (consecutive tasks share a channel block, whose weights then stay in L2);
// further dimensions (stride phases) stay outermost.
void schedule_point_tiles(Func f, Func acc, const std::vector<RVar> &r) {
    std::vector<Var> args = f.args();
    Var c = args[0], x = args[1], y = args[2], n = args[3];
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), t("t");
    std::vector<VarOrRVar> outer = {ci, xi, xo, y, co, n}, inner = {c, x};
    for (const RVar &v : r) inner.push_back(v);
    inner.push_back(y);
    inner.push_back(n);
    for (size_t i = 4; i < args.size(); i++) {
        outer.push_back(args[i]);
        inner.push_back(args[i]);
    }
    f.split(c, co, ci, kChannels, TailStrategy::ShiftInwards)
        .split(x, xo, xi, kPoints, TailStrategy::ShiftInwards)
        .reorder(outer)
        .vectorize(ci, kVector)
        .unroll(xi)
        .fuse(y, co, t)
        .fuse(t, n, t)
        .parallel(t);
    acc.compute_at(f, xo).vectorize(c, kVector).unroll(c).unroll(x);
    acc.update().reorder(inner).vectorize(c, kVector).unroll(c).unroll(x);
}

// Input channels per backward-filter tile: with the kernel's columns they
// make the tile's points (12 for 3x3, 8 for 1x1, 7 for the 7x7 stem).
int filter_tile_channels(const ConvGeom &g) { return g.kw == 1 ? 8 : std::max(1, 12 / g.kw); }

}  // namespace

// NETC_CONV_TILES=0 keeps every layer on the plain schedules: a way to tell
// a tiled kernel's rounding from a bug, and to time one against the other.
bool tiles_enabled() {
    static const bool on = [] {
        const char *e = std::getenv("NETC_CONV_TILES");
        return !e || std::string(e) != "0";
    }();
    return on;
}

bool tiles_fit(const Buf &out) {
    return tiles_enabled() && out.dim(0).extent() >= kChannels && out.dim(1).extent() >= kPoints;
}

bool filter_tiles_fit(const ConvGeom &g, const Buf &dw) {
    return tiles_enabled() && dw.dim(0).extent() >= kChannels && dw.dim(1).extent() >= filter_tile_channels(g);
}

void conv_forward_tiled(const ConvGeom &g, const Buf &x, const Buf &w, const Buf *b, const Buf *res, Buf &y) {
    std::vector<const Buf *> args = {&x, &w};
    if (b) args.push_back(b);
    if (res) args.push_back(res);
    kernel("conv_forward_tiled " + g.key() + (b ? "/bias" : "") + (res ? "/add" : ""), [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs"), wt = k.input(4, "weights");
        Func xp = padded(in, reads_outside(g), "inputs_padded");
        Var c("c"), ox("x"), oy("y"), n("n");
        RDom r(0, wt.dim(1).extent(), 0, g.kw, 0, g.kh, "r");
        Func acc("conv_tile"), f("conv");
        acc(c, ox, oy, n) = 0.0f;
        acc(c, ox, oy, n) += wt(c, r.x, r.y, r.z) *
                             xp(r.x, ox * g.sw - g.pl + r.y * g.rw, oy * g.sh - g.pt + r.z * g.rh, n);
        Expr v = acc(c, ox, oy, n);
        if (b) v += k.input(1, "biases")(c);
        if (res) v += k.input(4, "residual")(c, ox, oy, n);
        f(c, ox, oy, n) = v;
        schedule_point_tiles(f, acc, {r.x, r.y, r.z});
        k.set_outputs({f});
    }).run(args, {}, {&y});
}

bool conv_backward_data_phased(const ConvGeom &g, const Buf &dy, const Buf &w, Buf &dx);

void conv_backward_data_tiled(const ConvGeom &g, const Buf &dy, const Buf &w, Buf &dx) {
    if (conv_backward_data_phased(g, dy, w, dx)) return;
    kernel("conv_backward_data_tiled " + g.key(), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), wt = k.input(4, "weights");
        Func dyp = padded(d, true, "grad_outputs_padded");
        Var c("c"), x("x"), y("y"), n("n"), o("o"), kx("kx"), ky("ky");
        // The weights transposed (input channels innermost) so that each
        // vector of dx reads one contiguous vector of them.
        Func wtt("weights_transposed");
        wtt(c, o, kx, ky) = wt(o, c, kx, ky);
        transpose_schedule(wtt);
        RDom r(0, d.dim(0).extent(), 0, g.kw, 0, g.kh, "r");
        Func acc("conv_grad_inputs_tile"), f("conv_grad_inputs");
        acc(c, x, y, n) = 0.0f;
        // Strided: the output point whose tap lands on (x, y), if any; the
        // taps that land between output points multiply zeros (a waste of
        // 1 - 1/(sh sw) of the work, still far faster than an untiled kernel).
        Expr tx = x + g.pl - r.y * g.rw, ty = y + g.pt - r.z * g.rh;
        Expr v = dyp(r.x, g.sw == 1 ? tx : tx / g.sw, g.sh == 1 ? ty : ty / g.sh, n);
        if (g.sw > 1 || g.sh > 1) v = select(tx % g.sw == 0 && ty % g.sh == 0, v, 0.0f);
        acc(c, x, y, n) += v * wtt(c, r.x, r.y, r.z);
        f(c, x, y, n) = acc(c, x, y, n);
        schedule_point_tiles(f, acc, {r.x, r.y, r.z});
        k.set_outputs({f});
    }).run({&dy, &w}, {}, {&dx});
}

namespace {

// dx viewed as (c, xq, yq, n, px, py) with x = s xq + px, y = s yq + py: the
// same memory, the stride phases outermost. Empty when dx is not dense or
// its extents are not multiples of the strides.
Buf phase_view(const ConvGeom &g, Buf &dx) {
    int C = dx.dim(0).extent(), W = dx.dim(1).extent(), H = dx.dim(2).extent(), N = dx.dim(3).extent();
    if (W % g.sw || H % g.sh || dx.dim(0).stride() != 1 || dx.dim(1).stride() != C || dx.dim(2).stride() != C * W ||
        dx.dim(3).stride() != C * W * H)
        return Buf();
    halide_dimension_t d[6] = {{0, C, 1, 0},
                               {0, W / g.sw, C * g.sw, 0},
                               {0, H / g.sh, C * W * g.sh, 0},
                               {0, N, C * W * H, 0},
                               {0, g.sw, C, 0},
                               {0, g.sh, C * W, 0}};
    return Buf(dx.data(), 6, d);
}

}  // namespace

// Strided backward-data by stride phase: the input points of one phase
// (px, py) are reached only by the taps kx = (px + pl) % s + s j, from the
// output points xq + (px + pl) / s - j, so each phase is a dense
// convolution of dy with its taps (a phase with fewer taps multiplies the
// zero-extended weights: 16 tap steps instead of 36 for 3x3 stride 2).
bool conv_backward_data_phased(const ConvGeom &g, const Buf &dy, const Buf &w, Buf &dx) {
    if (g.rw != 1 || g.rh != 1 || (g.sw == 1 && g.sh == 1) || dx.dim(1).extent() / g.sw < kPoints) return false;
    Buf out = phase_view(g, dx);
    if (!out.defined()) return false;
    kernel("conv_backward_data_phased " + g.key(), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), wt = k.input(4, "weights");
        Func dyp = padded(d, true, "grad_outputs_padded");
        Var c("c"), xq("xq"), yq("yq"), n("n"), px("px"), py("py"), o("o"), kx("kx"), ky("ky");
        int jw = (g.kw + g.sw - 1) / g.sw, jh = (g.kh + g.sh - 1) / g.sh;
        Func wtt("weights_transposed");
        wtt(c, o, kx, ky) = wt(o, c, kx, ky);
        transpose_schedule(wtt);
        // Zero beyond the kernel's taps, so every phase runs jw x jh of them.
        Func wz("weights_phased");
        wz(c, o, kx, ky) = select(kx < g.kw && ky < g.kh, wtt(c, o, min(kx, g.kw - 1), min(ky, g.kh - 1)), 0.0f);
        wz.compute_root().vectorize(c, kVector, TailStrategy::GuardWithIf).parallel(o);
        RDom r(0, d.dim(0).extent(), 0, jw, 0, jh, "r");
        Func acc("conv_grad_inputs_tile"), f("conv_grad_inputs");
        acc(c, xq, yq, n, px, py) = 0.0f;
        acc(c, xq, yq, n, px, py) +=
            dyp(r.x, xq + (px + g.pl) / g.sw - r.y, yq + (py + g.pt) / g.sh - r.z, n) *
            wz(c, r.x, (px + g.pl) % g.sw + g.sw * r.y, (py + g.pt) % g.sh + g.sh * r.z);
        f(c, xq, yq, n, px, py) = acc(c, xq, yq, n, px, py);
        // The phases outermost and unrolled, so each copy's taps are constants.
        f.bound(px, 0, g.sw).bound(py, 0, g.sh).unroll(px).unroll(py);
        schedule_point_tiles(f, acc, {r.x, r.y, r.z});
        k.set_outputs({f});
    }).run({&dy, &w}, {}, {&out});
    return true;
}

void conv_backward_filter_tiled(const ConvGeom &g, const Buf &dy, const Buf &x, Buf &dw) {
    kernel("conv_backward_filter_tiled " + g.key(), [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs"), in = k.input(4, "inputs");
        Func xp = padded(in, reads_outside(g), "inputs_padded");
        Var co("co"), ci("ci"), kx("kx"), ky("ky");
        RDom r(0, d.dim(1).extent(), 0, d.dim(2).extent(), 0, d.dim(3).extent(), "r");
        Func acc("conv_grad_weights_tile"), f("conv_grad_weights");
        acc(co, ci, kx, ky) = 0.0f;
        acc(co, ci, kx, ky) += d(co, r.x, r.y, r.z) *
                               xp(ci, r.x * g.sw - g.pl + kx * g.rw, r.y * g.sh - g.pt + ky * g.rh, r.z);
        f(co, ci, kx, ky) = acc(co, ci, kx, ky);
        // Tiles of 32 output channels x some input channels x a row of
        // taps: each step loads two vectors of dy and broadcasts one input
        // value per (input channel, tap). Output-channel blocks and tap
        // rows split across threads.
        Var coo("coo"), coi("coi"), cio("cio"), cii("cii"), t("t");
        f.bound(kx, 0, g.kw).bound(ky, 0, g.kh);
        f.split(co, coo, coi, kChannels, TailStrategy::ShiftInwards)
            .split(ci, cio, cii, filter_tile_channels(g), TailStrategy::ShiftInwards)
            .reorder(coi, kx, cii, cio, ky, coo)
            .vectorize(coi, kVector)
            .fuse(ky, coo, t)
            .parallel(t);
        acc.compute_at(f, cio).vectorize(co, kVector).unroll(co).unroll(ci).unroll(kx);
        acc.update()
            .reorder(co, kx, ci, r.x, r.y, r.z)
            .vectorize(co, kVector)
            .unroll(co)
            .unroll(ci)
            .unroll(kx);
        k.set_outputs({f});
    }).run({&dy, &x}, {}, {&dw});
}

}  // namespace netc::grad
