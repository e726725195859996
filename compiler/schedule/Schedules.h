// How each kernel's loops map onto the machine. Lowering (compiler/lower)
// says what a step computes; these functions say in which order, in which
// vectors and on which threads, following shared/notes/conv-schedules.md:
// output channels in AVX-512 vectors, a register tile of outputs per
// reduction step, coarse parallel tasks.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <string>

namespace netc::schedule {

// A convolution's register tile: `block` output channels (a multiple of the
// vector when possible) by tx x ty output points.
struct ConvTiling {
    int block = 16, vector = 16, tx = 1, ty = 1;
    std::string str() const;
};

ConvTiling choose_conv_tiling(int64_t out_channels, int64_t in_channels, int64_t kernel_h, int64_t kernel_w,
                              int64_t out_w, int64_t out_h, const Halide::Target &t);

// out(cl, cb, x, y, n) and its accumulator acc with reduction r = (ci, kx, ky).
void schedule_conv(Halide::Func out, Halide::Func acc, const Halide::RDom &r, const ConvTiling &tiling,
                   int64_t out_w, int64_t out_h, int64_t blocks);

// An op whose output is (c, x, y, n) or (c, n): channels in vectors, rows in
// coarse parallel tasks; `acc` (if defined) is computed per vector of output.
void schedule_channels_last(Halide::Func out, Halide::Func acc, int64_t channels, int rank, int64_t height,
                            const Halide::Target &t);

// GPU targets: every output point is one GPU thread, in blocks of 128, and
// each reduction the output reads runs inside its thread. The CPU schedules
// above leave GPU targets alone; this is applied to every kernel instead.
void schedule_gpu(Halide::Func out);

// Number of parallel tasks for `work` independent pieces per image.
int64_t task_size(int64_t pieces);

}  // namespace netc::schedule
