#include "Schedules.h"

#include <algorithm>

namespace netc::schedule {

using namespace Halide;

std::string ConvTiling::str() const {
    return "block" + std::to_string(block) + "v" + std::to_string(vector) + "t" + std::to_string(tx) + "x" +
           std::to_string(ty);
}

int64_t task_size(int64_t pieces) {
    // About 8 tasks per image: Halide 14's pool loses badly with hundreds of
    // small ones, and a few large ones leave threads idle at the end.
    return std::max<int64_t>(1, pieces / 8);
}

namespace {

// Cost of covering `extent` with tiles of `t`: ragged tiles recompute (ShiftInwards).
double coverage(int64_t extent, int t) { return double((extent + t - 1) / t * t) / double(extent); }

}  // namespace

ConvTiling choose_conv_tiling(int64_t co, int64_t ci, int64_t kh, int64_t kw, int64_t ow, int64_t oh,
                              const Target &t) {
    (void)ci;
    (void)kh;
    (void)kw;
    ConvTiling best_tiling;
    int lanes = t.natural_vector_size<float>();  // 16 with AVX-512, 8 with AVX2
    // Vector registers: the tile's accumulators, one per weight vector and
    // one broadcast input must fit, or the inner loop spills.
    int regs = t.has_feature(Target::AVX512) ? 32 : 16;
    if (co % lanes != 0) {
        // Odd channel counts (e.g. 1000 classes): the largest power-of-two divisor.
        best_tiling.block = 1;
        while (best_tiling.block < lanes && co % (best_tiling.block * 2) == 0) best_tiling.block *= 2;
        best_tiling.vector = best_tiling.block;
        best_tiling.tx = static_cast<int>(std::min<int64_t>(ow, 4));
        return best_tiling;
    }
    double best = 1e9;
    for (int tw = 1; tw <= 4; tw *= 2) {
        if (co % (tw * lanes) != 0) continue;
        int max_points = (regs - tw - 1) / tw;
        for (int ty = 1; ty <= 4; ty++)
            for (int tx = 1; tx * ty <= max_points; tx++) {
                if (tx > ow || ty > oh) continue;
                int p = tx * ty;
                // Loads per FMA (tw weight vectors + p broadcasts per tw*p FMAs),
                // and ragged tiles recompute their overlap (ShiftInwards).
                // Weighted as measured on AVX2: a 3x2 tile beats an exact 2x2
                // on 14x14 by 17% despite recomputing 7%.
                double cost = coverage(ow, tx) * coverage(oh, ty) * (1.0 + 3.0 * double(tw + p) / (tw * p));
                if (cost < best - 1e-9) {
                    best = cost;
                    best_tiling = {tw * lanes, lanes, tx, ty};
                }
            }
    }
    return best_tiling;
}

void schedule_conv(Func out, Func acc, const RDom &r, const ConvTiling &c, int64_t ow, int64_t oh, int64_t blocks) {
    Var cl = out.args()[0], cb = out.args()[1], x = out.args()[2], y = out.args()[3], n = out.args()[4];
    Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), t("t"), task("task"), tile("tile");
    int64_t tiles = ((ow + c.tx - 1) / c.tx) * ((oh + c.ty - 1) / c.ty) * blocks;
    // Shapes are baked in: constant extents let Halide unroll the register tile.
    out.bound(cl, 0, c.block).bound(cb, 0, static_cast<int>(blocks));
    out.bound(x, 0, static_cast<int>(ow)).bound(y, 0, static_cast<int>(oh));
    out.split(x, xo, xi, c.tx).split(y, yo, yi, c.ty).reorder(cl, xi, yi, xo, yo, cb, n);
    if (c.vector > 1) out.vectorize(cl, c.vector);
    if (c.block > c.vector) out.unroll(cl);
    out.unroll(xi).unroll(yi);
    // Co-blocks outside spatial tiles: a block's weights stay in L2 across its tiles.
    out.fuse(xo, yo, t).fuse(t, cb, t).fuse(t, n, t);
    out.split(t, task, tile, static_cast<int>(task_size(tiles)), TailStrategy::GuardWithIf).parallel(task);

    Var acl = acc.args()[0], ax = acc.args()[2], ay = acc.args()[3];
    acc.compute_at(out, tile);
    if (c.vector > 1) acc.vectorize(acl, c.vector);
    if (c.block > c.vector) acc.unroll(acl);
    acc.unroll(ax).unroll(ay);
    // Reduce over input channels innermost: the packed weights stream in order.
    auto u = acc.update();
    u.reorder(acl, ax, ay, r.x, r.y, r.z, acc.args()[1], acc.args()[4]);
    if (c.vector > 1) u.vectorize(acl, c.vector);
    if (c.block > c.vector) u.unroll(acl);
    u.unroll(ax).unroll(ay);
}

void schedule_channels_last(Func out, Func acc, int64_t channels, int rank, int64_t height, const Target &t) {
    if (t.has_gpu_feature()) return;  // schedule_gpu
    int lanes = t.natural_vector_size<float>();
    Var c = out.args()[0];
    int v = lanes;
    while (v > 1 && channels % v != 0) v /= 2;
    Var ci("ci"), task("task"), row("row"), yn("yn");
    out.bound(c, 0, static_cast<int>(channels));
    if (v > 1) out.split(c, c, ci, v).vectorize(ci);
    if (rank == 4) {
        Var y = out.args()[2], n = out.args()[3];
        out.fuse(y, n, yn)
            .split(yn, task, row, static_cast<int>(task_size(height)), TailStrategy::GuardWithIf)
            .parallel(task);
    } else {
        out.parallel(out.args().back());
    }
    if (acc.defined()) {
        acc.compute_at(out, c);
        if (v > 1) {
            acc.vectorize(acc.args()[0], v);
            for (int i = 0; i < acc.num_update_definitions(); i++) acc.update(i).vectorize(acc.args()[0], v);
        }
    }
}

void schedule_gpu(Func out) {
    std::vector<Var> args = out.args();
    Var block("block"), thread("thread");
    Var fused = args[0];
    for (size_t i = 1; i < args.size(); i++) {
        Var next(fused.name() + "_" + args[i].name());
        out.fuse(fused, args[i], next);
        fused = next;
    }
    out.gpu_tile(fused, block, thread, 128, TailStrategy::GuardWithIf);
    // Pure producers inline; reductions (a convolution's accumulator, a
    // pool's sum, softmax's max and sum) run per output point.
    for (auto &kv : Internal::find_transitive_calls(out.function())) {
        if (kv.first == out.name() || !kv.second.has_update_definition()) continue;
        Func(kv.second).compute_at(out, thread);
    }
}

}  // namespace netc::schedule
