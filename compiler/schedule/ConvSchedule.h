// How a convolution is scheduled, as a value: the algorithm, the register
// tile (output channels x output points) and the parallel task count. The
// tuner (compiler/tune) searches candidates of these by measurement; an
// untuned kernel takes the cost model's choice. A schedule prints as one
// line ("direct b32 t7x2 k8") that the tuning cache stores and parses back.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netc::schedule {

// What a convolution (or a fully connected layer, a 1x1 convolution of a
// 1x1 image) computes, as far as its schedule is concerned.
struct ConvProblem {
    int64_t co = 0, ci = 0, kh = 1, kw = 1, ow = 1, oh = 1, stride_h = 1, stride_w = 1, rate_h = 1, rate_w = 1;
    bool fc = false;
    // Tuning cache key: equal signatures take the same schedule.
    std::string signature() const;
    int64_t flops_per_image() const { return 2 * co * ci * kh * kw * ow * oh; }
    // Winograd F(m,3) applies: a 3x3, stride 1, rate 1 convolution.
    bool winograd_eligible() const;
};

struct ConvSchedule {
    enum Algorithm { Direct, Winograd };
    Algorithm algorithm = Direct;
    int block = 16;       // output channels per register tile
    int vector = 16;      // lanes of a vector
    int tx = 1, ty = 1;   // output points per register tile (Winograd: tiles of m x m points)
    int tasks = 8;        // parallel tasks per image
    int m = 4;            // Winograd: output tile size, F(m, 3)
    // Direct: loop order. Channel blocks outermost keep a block's weights in
    // L2 across all the image's tiles (large weights); spatial tiles
    // outermost read each input tile once and write whole output points
    // (large activations, small weights). Printed " so" when set.
    bool spatial_outer = false;
    // Direct: the reduction in chunks of `chunk` input channels, over a
    // panel of `panel` output rows of one channel block at a time (0: off).
    // A chunk's weights then stay in L1 across the panel's tiles and a
    // tile's input rows fit L1, where a 1024-channel reduction would stream
    // both from L2. Tiles must divide the panel. Printed " c256x14".
    int chunk = 0, panel = 0;

    std::string str() const;
    static std::optional<ConvSchedule> parse(const std::string &s);
    bool operator==(const ConvSchedule &o) const { return str() == o.str(); }
};

// The cost model's schedule for an untuned kernel.
ConvSchedule model_conv_schedule(const ConvProblem &p, const Halide::Target &t);

// Every schedule worth measuring for p on t, the model's choice first.
std::vector<ConvSchedule> conv_candidates(const ConvProblem &p, const Halide::Target &t);

// Whether s can run p on t (a tuning cache may come from another machine or
// an older netc): vector width, channel divisibility, register budget.
bool valid_for(const ConvSchedule &s, const ConvProblem &p, const Halide::Target &t);

}  // namespace netc::schedule
