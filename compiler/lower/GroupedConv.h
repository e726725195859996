// Grouped convolutions (and transposed ones) on the direct convolution's
// kernel. Output channels go in blocks of a register tile, as for a dense
// convolution; a block must lie in one group, or hold whole groups. A block
// reads only its groups' input channels (`span` of them), and where it holds
// several groups (ResNeXt's groups of 4 in a block of 16) their weights are
// packed block-diagonally, the other groups' entries zero. Each block then
// does `waste` times the useful multiply-adds, the price of full vectors.
#pragma once

#include "Kernel.h"

namespace netc::lower {

struct GroupBlocks {
    int64_t groups, cin_g, cout_g;
    int64_t block;  // output channels per block
    int64_t span;   // input channels a block reads: max(1, block / cout_g) groups' worth
    // The first input channel block cb reads, and whether its output lane o
    // (an absolute output channel) takes input channel `c` of its span.
    int64_t first_group(int64_t cb) const { return groups == 1 ? 0 : cb * block / cout_g; }
    bool connects(int64_t o, int64_t cb, int64_t c) const { return o / cout_g == first_group(cb) + c / cin_g; }
    // first_group(cb) * cin_g for a Halide block index.
    Halide::Expr first_channel(Halide::Expr cb) const {
        if (groups == 1) return 0;
        return (cb * static_cast<int>(block) / static_cast<int>(cout_g)) * static_cast<int>(cin_g);
    }
};

// The direct convolution's schedule for a grouped problem `p` (p.ci: the
// input channels per group): the model's register tiles, keeping only
// blocks that fit the groups, the least wasteful first. With one group,
// the dense convolution's own choice.
schedule::ConvSchedule grouped_schedule(schedule::ConvProblem p, int64_t groups, const Halide::Target &t);

GroupBlocks group_blocks(int64_t cin, int64_t cout, int64_t groups, int64_t block);

}  // namespace netc::lower
