// The schedule of an inverted residual computed as one kernel: strips of
// output rows in parallel; per strip, the expand's register-tiled GEMM and
// the depthwise into buffers sized to stay in L2 (about 1 MiB), then the
// project's register-tiled GEMM over them, its epilogue fused.
#include "Schedules.h"

#include <sstream>

namespace netc::schedule {

using namespace Halide;

std::string FusedBlockSchedule::str() const {
    std::ostringstream s;
    s << "fused e" << expand_block << "x" << expand_points << " p" << project_block << "v" << project_vector << "x"
      << project_points << " r" << rows;
    return s.str();
}

namespace {

// The largest divisor of n that is at most most.
int divisor_at_most(int64_t n, int most) {
    for (int d = most; d > 1; d--)
        if (n % d == 0) return d;
    return 1;
}

}  // namespace

FusedBlockSchedule model_fused_block(int64_t cin, int64_t ce, int64_t co, int64_t in_w, int64_t out_w, int64_t out_h,
                                     int64_t stride, const Target &t) {
    (void)cin;
    FusedBlockSchedule s;
    int lanes = t.natural_vector_size<float>(), regs = t.has_feature(Target::AVX512) ? 32 : 16;
    // The expand's tile: points dividing the row; its reduction is short
    // (16-32 input channels), so a step's loads (v weight vectors, p
    // broadcasts) must stay under its v * p FMAs: the most FMAs a load.
    double best = 0;
    for (int v = 1; v <= 4; v++) {
        if (ce % (int64_t(v) * lanes) != 0) continue;
        int points = divisor_at_most(in_w, (regs - v - 1) / v);
        double per_load = double(v * points) / (v + points) + 1e-3 * v * points;
        if (per_load > best) {
            best = per_load;
            s.expand_block = v * lanes;
            s.expand_points = points;
        }
    }
    // The project's: its channels whole when they fit, in vectors that divide them.
    for (int w = lanes; w >= 4 && !s.project_block; w /= 2) {
        if (co % w != 0) continue;
        int v = 1;
        for (int k = 4; k >= 1; k--)
            if (co % (int64_t(k) * w) == 0) {
                v = k;
                break;
            }
        s.project_vector = w;
        s.project_block = v * w;
        s.project_points = divisor_at_most(out_w, (regs - v - 1) / v);
    }
    // Strips: four an image or more, their expanded and depthwise rows in ~1 MiB.
    int64_t rows = std::max<int64_t>(1, (out_h + 3) / 4);
    while (rows > 1 && ((rows * stride + 2) * in_w + rows * out_w) * ce * 4 > (int64_t(1) << 20)) rows--;
    s.rows = static_cast<int>(rows);
    return s;
}

void schedule_fused_block(const FusedBlockFuncs &f, const FusedBlockSchedule &s, int64_t ce, int64_t co,
                          int64_t in_w, int64_t ow, int64_t oh, int lanes) {
    (void)ce;
    (void)in_w;
    Func out = f.out;
    Var pl = out.args()[0], pb = out.args()[1], x = out.args()[2], y = out.args()[3], n = out.args()[4];
    Var ys("ys"), yr("yr"), xo("xo"), xi("xi"), strip("strip");
    const int pv = s.project_vector;
    out.bound(pl, 0, s.project_block).bound(pb, 0, static_cast<int>(co / s.project_block));
    out.bound(x, 0, static_cast<int>(ow)).bound(y, 0, static_cast<int>(oh));
    out.split(y, ys, yr, s.rows, TailStrategy::ShiftInwards)
        .split(x, xo, xi, s.project_points, TailStrategy::ShiftInwards)
        .reorder(pl, xi, xo, yr, pb, ys, n)
        .vectorize(pl, pv)
        .unroll(xi);
    if (s.project_block > pv) out.unroll(pl);
    out.fuse(ys, n, strip).parallel(strip);

    // The project's accumulators stay in registers across its reduction.
    Func ap = f.ap;
    Var apl = ap.args()[0], ax = ap.args()[2];
    ap.compute_at(out, xo).vectorize(apl, pv).unroll(ax);
    if (s.project_block > pv) ap.unroll(apl);
    auto u = ap.update();
    u.reorder(apl, ax, f.rc.x, f.rc.y).vectorize(apl, pv).unroll(ax);
    if (s.project_block > pv) u.unroll(apl);

    // The depthwise of the strip, a vector of channels at a time.
    Func d = f.d;
    d.compute_at(out, strip).vectorize(d.args()[0], lanes);
    if (s.expand_block > lanes) d.unroll(d.args()[0]);

    if (f.expand) {
        Func e = f.e, ae = f.ae;
        Var ecl = e.args()[0], ecb = e.args()[1], ex = e.args()[2], ey = e.args()[3];
        Var exo("exo"), exi("exi");
        e.compute_at(out, strip)
            .split(ex, exo, exi, s.expand_points, TailStrategy::ShiftInwards)
            .reorder(ecl, exi, exo, ecb, ey)
            .vectorize(ecl, lanes)
            .unroll(exi);
        if (s.expand_block > lanes) e.unroll(ecl);
        Var acl = ae.args()[0], aex = ae.args()[2];
        ae.compute_at(e, exo).vectorize(acl, lanes).unroll(aex);
        if (s.expand_block > lanes) ae.unroll(acl);
        auto eu = ae.update();
        eu.reorder(acl, aex, f.rk.x).vectorize(acl, lanes).unroll(aex);
        if (s.expand_block > lanes) eu.unroll(acl);
    }
}

}  // namespace netc::schedule
