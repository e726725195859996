// How each kernel's loops map onto the machine. Lowering (compiler/lower)
// says what a step computes; these functions say in which order, in which
// vectors and on which threads, following shared/notes/conv-schedules.md:
// output channels in AVX-512 vectors, a register tile of outputs per
// reduction step, coarse parallel tasks.
#pragma once

#include "ConvSchedule.h"

#include <Halide.h>

#include <cstdint>
#include <string>

namespace netc::schedule {

// out(cl, cb, x, y, n) (or, when s.block does not divide the channels,
// out(c, x, y, n)) and its accumulator acc(cl, cb, x, y, n) with reduction
// r = (ci, kx, ky): a direct convolution's register tile of s.block
// channels x s.tx x s.ty points.
void schedule_conv(Halide::Func out, Halide::Func acc, const Halide::RDom &r, const ConvSchedule &s,
                   int64_t out_w, int64_t out_h, int64_t channels);

// A Winograd F(m, 3) convolution's stages (compiler/lower/Winograd.cpp):
// the output out(cl, cb, x, y, n); t1 and v, the input transform's two
// passes (c, b|j, i, tx, ty, n); mm, the transformed product (cl, j, i, tx,
// ty, cb, n) with reduction r over input channels; o1, the output
// transform's first pass (cl, j, yi, tx, ty, cb, n).
struct WinogradFuncs {
    Halide::Func out, t1, v, mm, o1;
    Halide::RDom r;
};

// The register tile is s.block channels x s.tx x s.ty tiles of the GEMM;
// the input transform runs once per image, in parallel over tile rows.
void schedule_winograd(const WinogradFuncs &f, const ConvSchedule &s, int64_t out_w, int64_t out_h, int64_t blocks,
                       int lanes);

// An inverted residual block computed as one kernel (compiler/lower/
// InvertedResidual.cpp): its stages, blocked by channels (cl, cb, x, y, n):
// out and ap, the project's output and accumulator (reduction rc over the
// expanded channels); d, the depthwise; e and ae, the expand's output and
// accumulator (reduction rk over the block's input channels), when there is
// an expand.
struct FusedBlockFuncs {
    Halide::Func out, ap, d, e, ae;
    Halide::RDom rk, rc;
    bool expand = false;
};

// How it runs: strips of `rows` output rows are the parallel tasks; per
// strip the expand (register tiles of expand_block channels x expand_points
// points along a row) and the depthwise fill buffers that stay in L2, then
// the project (project_block channels in vectors of project_vector x
// project_points points) reads them.
struct FusedBlockSchedule {
    int expand_block = 0, expand_points = 1;
    int project_block = 0, project_vector = 16, project_points = 1;
    int rows = 1;
    std::string str() const;
};

FusedBlockSchedule model_fused_block(int64_t cin, int64_t expanded, int64_t cout, int64_t in_w, int64_t out_w,
                                     int64_t out_h, int64_t stride, const Halide::Target &t);

void schedule_fused_block(const FusedBlockFuncs &f, const FusedBlockSchedule &s, int64_t expanded, int64_t cout,
                          int64_t in_w, int64_t out_w, int64_t out_h, int lanes);

// An op whose output is (c, x, y, n) or (c, n): channels in vectors, rows in
// coarse parallel tasks; `acc` (if defined) is computed per vector of output.
void schedule_channels_last(Halide::Func out, Halide::Func acc, int64_t channels, int rank, int64_t height,
                            const Halide::Target &t);

// GPU targets: every output point is one GPU thread, in blocks of 128, and
// each reduction the output reads runs inside its thread. The CPU schedules
// above leave GPU targets alone; this is applied to every kernel instead.
void schedule_gpu(Halide::Func out);

// Pieces per parallel task when `pieces` independent pieces per image are
// split into about `tasks` tasks.
int64_t task_size(int64_t pieces, int tasks = 8);

}  // namespace netc::schedule
