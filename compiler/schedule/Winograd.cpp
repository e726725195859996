// The Winograd convolution's schedule: per image, the input transform of
// every tile (in parallel over tile rows, channels in vectors); then, in
// coarse parallel tasks over (tile group, channel block), each group's
// GEMM with s.block channels x s.tx x s.ty tiles in registers, reduced over
// input channels innermost, and the output transform with the epilogue.
#include "Schedules.h"

namespace netc::schedule {

using namespace Halide;

void schedule_winograd(const WinogradFuncs &f, const ConvSchedule &s, int64_t ow, int64_t oh, int64_t blocks,
                       int lanes) {
    Func out = f.out;
    Var cl = out.args()[0], cb = out.args()[1], x = out.args()[2], y = out.args()[3], n = out.args()[4];
    const int m = s.m, vec = s.vector;
    const int64_t tiles_x = (ow + m - 1) / m, tiles_y = (oh + m - 1) / m;
    Var xt("xt"), xi("xi"), yt("yt"), yi("yi"), xg("xg"), xti("xti"), yg("yg"), yti("yti");
    Var t("t"), task("task"), group("group");
    out.bound(cl, 0, s.block).bound(cb, 0, static_cast<int>(blocks));
    out.bound(x, 0, static_cast<int>(ow)).bound(y, 0, static_cast<int>(oh));
    // Ragged last tiles store only what is inside; ragged last groups shift
    // inwards, so every group's GEMM has constant extents to unroll.
    out.split(x, xt, xi, m, TailStrategy::GuardWithIf).split(y, yt, yi, m, TailStrategy::GuardWithIf);
    out.split(xt, xg, xti, s.tx, TailStrategy::ShiftInwards).split(yt, yg, yti, s.ty, TailStrategy::ShiftInwards);
    out.reorder(cl, xi, yi, xti, yti, xg, yg, cb, n);
    out.vectorize(cl, vec);
    if (s.block > vec) out.unroll(cl);
    out.unroll(xi).unroll(yi);
    out.fuse(xg, yg, t).fuse(t, cb, t);
    int64_t groups = ((tiles_x + s.tx - 1) / s.tx) * ((tiles_y + s.ty - 1) / s.ty) * blocks;
    out.split(t, task, group, static_cast<int>(task_size(groups, s.tasks)), TailStrategy::GuardWithIf).parallel(task);

    // The GEMM of one tile group: accumulators in registers across the
    // reduction, weights streamed in order.
    Func mm = f.mm;
    Var mcl = mm.args()[0], mj = mm.args()[1], mi = mm.args()[2], mtx = mm.args()[3], mty = mm.args()[4];
    mm.compute_at(out, group).vectorize(mcl, vec);
    if (s.block > vec) mm.unroll(mcl);
    auto u = mm.update();
    u.reorder(mcl, mtx, mty, f.r.x, mj, mi).vectorize(mcl, vec);
    if (s.block > vec) u.unroll(mcl);
    u.unroll(mtx).unroll(mty);

    // The output transform's first pass, per tile.
    Func o1 = f.o1;
    o1.compute_at(out, xti).vectorize(o1.args()[0], vec).unroll(o1.args()[1]).unroll(o1.args()[2]);
    if (s.block > vec) o1.unroll(o1.args()[0]);

    // The input transform: once per image, each vector of channels of a
    // patch transformed in registers.
    Func v = f.v, t1 = f.t1;
    Var vc = v.args()[0], vj = v.args()[1], vi = v.args()[2], vtx = v.args()[3], vty = v.args()[4];
    Var vco("vco"), vci("vci");
    v.compute_at(out, n)
        .split(vc, vco, vci, lanes, TailStrategy::GuardWithIf)
        .reorder(vci, vj, vi, vco, vtx, vty)
        .vectorize(vci)
        .unroll(vj)
        .unroll(vi)
        .parallel(vty);
    t1.compute_at(v, vco).vectorize(t1.args()[0], lanes, TailStrategy::GuardWithIf).unroll(t1.args()[1]).unroll(t1.args()[2]);
}

}  // namespace netc::schedule
