#include "Schedules.h"

#include <algorithm>

namespace netc::schedule {

using namespace Halide;

int64_t task_size(int64_t pieces, int tasks) {
    // About 8 tasks per image by default: Halide 14's pool loses badly with
    // hundreds of small ones, and a few large ones leave threads idle at the end.
    return std::max<int64_t>(1, pieces / std::max(1, tasks));
}

namespace {

// The K-blocked direct convolution: per task, one channel block's panel of
// output rows, its accumulators in a small buffer; the reduction in chunks,
// each chunk over every tile of the panel (registers hold a tile across the
// chunk), so a chunk's weights stay in L1 across the panel.
void schedule_conv_panels(Func out, Func acc, const RDom &r, const ConvSchedule &c, int64_t ow, int64_t oh,
                          int64_t co) {
    Var cl = out.args()[0], cb = out.args()[1], x = out.args()[2], y = out.args()[3], n = out.args()[4];
    Var ys("ys"), yr("yr"), t("t");
    const int64_t blocks = co / c.block;
    out.bound(cl, 0, c.block).bound(cb, 0, static_cast<int>(blocks));
    out.bound(x, 0, static_cast<int>(ow)).bound(y, 0, static_cast<int>(oh));
    out.split(y, ys, yr, c.panel).reorder(cl, x, yr, cb, ys, n);
    if (c.vector > 1) out.vectorize(cl, c.vector);
    if (c.block > c.vector) out.unroll(cl);
    out.fuse(cb, ys, t).fuse(t, n, t).parallel(t);

    Var acl = acc.args()[0], ax = acc.args()[2], ay = acc.args()[3];
    Var axo("axo"), axi("axi"), ayo("ayo"), ayi("ayi");
    RVar rko("rko"), rki("rki");
    acc.compute_at(out, t);
    if (c.vector > 1) acc.vectorize(acl, c.vector);
    if (c.block > c.vector) acc.unroll(acl);
    auto u = acc.update();
    // Tiles divide the panel exactly: an update cannot recompute a point.
    u.split(ax, axo, axi, c.tx).split(ay, ayo, ayi, c.ty).split(r.x, rko, rki, c.chunk);
    u.reorder(acl, axi, ayi, rki, r.y, r.z, axo, ayo, rko, acc.args()[1], acc.args()[4]);
    if (c.vector > 1) u.vectorize(acl, c.vector);
    if (c.block > c.vector) u.unroll(acl);
    u.unroll(axi).unroll(ayi);
}

}  // namespace

void schedule_conv(Func out, Func acc, const RDom &r, const ConvSchedule &c, int64_t ow, int64_t oh, int64_t co) {
    if (c.chunk) {
        schedule_conv_panels(out, acc, r, c, ow, oh, co);
        return;
    }
    Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), t("t"), task("task"), tile("tile");
    int64_t blocks = (co + c.block - 1) / c.block;
    int64_t tiles = ((ow + c.tx - 1) / c.tx) * ((oh + c.ty - 1) / c.ty) * blocks;
    Var cl, cb, x, y, n;
    if (out.dimensions() == 5) {
        cl = out.args()[0], cb = out.args()[1], x = out.args()[2], y = out.args()[3], n = out.args()[4];
        out.bound(cl, 0, c.block).bound(cb, 0, static_cast<int>(blocks));
    } else {
        // Unblocked channels: blocks of the register tile, the last one
        // stored lane by lane past the channel count.
        Var ch = out.args()[0];
        x = out.args()[1], y = out.args()[2], n = out.args()[3], cl = Var("cl"), cb = Var("cb");
        out.bound(ch, 0, static_cast<int>(co)).split(ch, cb, cl, c.block, TailStrategy::GuardWithIf);
        acc.bound(acc.args()[0], 0, c.block);
    }
    // Shapes are baked in: constant extents let Halide unroll the register tile.
    out.bound(x, 0, static_cast<int>(ow)).bound(y, 0, static_cast<int>(oh));
    out.split(x, xo, xi, c.tx).split(y, yo, yi, c.ty);
    if (c.spatial_outer) out.reorder(cl, xi, yi, cb, xo, yo, n);
    else out.reorder(cl, xi, yi, xo, yo, cb, n);
    if (c.vector > 1) out.vectorize(cl, c.vector);
    if (c.block > c.vector) out.unroll(cl);
    out.unroll(xi).unroll(yi);
    // Co-blocks outside spatial tiles: a block's weights stay in L2 across
    // its tiles; or inside them: an input tile is read once, for every block.
    if (c.spatial_outer) out.fuse(cb, xo, t).fuse(t, yo, t).fuse(t, n, t);
    else out.fuse(xo, yo, t).fuse(t, cb, t).fuse(t, n, t);
    out.split(t, task, tile, static_cast<int>(task_size(tiles, c.tasks)), TailStrategy::GuardWithIf).parallel(task);

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
    // A stem's few input channels (3) make a loop too short to pay for its
    // overhead: unroll it, so the kernel columns carry the loop instead.
    if (const int64_t *ci = Internal::as_const_int(r.x.extent()); ci && *ci <= 8) u.unroll(r.x);
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
