// A concatenation along channels is a copy of every input into a slice of
// its output: Inception V3 spent ~12% of its time (batch 1) on those copies. When each
// input is a value only the concat reads, its producer can write it straight
// into its slice of the concat's buffer (a view with the concat's pixel
// stride and a channel offset) and the concat step goes. Kernels bake every
// view's strides in, so the producers' code is specialised to the slice.
#include "Plan.h"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace netc::lower {

using ir::OpKind;

namespace {

// Producers known to write their output through the view they are given
// (and nothing else): the convolutions and pools.
bool writes_through_view(const Plan &plan, const Step &s) {
    OpKind op = plan.graph.nodes[s.anchor].op;
    return s.prologue.empty() &&
           (op == OpKind::Conv2D || op == OpKind::DepthwiseConv2D || op == OpKind::MaxPool || op == OpKind::AvgPool);
}

// Whether step c is a pure concatenation (possibly of nested concats it
// gathered: its inputs are then the leaves, in channel order) whose every
// input can be written in place.
bool can_alias(const Plan &plan, const Step &c, const std::vector<int> &readers) {
    for (int node : c.fused)
        if (plan.graph.nodes[node].op != OpKind::Concat) return false;
    const Buffer &out = plan.buffers[c.output];
    if (!c.epilogue.empty() || out.network_output || out.network_input || out.alias_of >= 0) return false;
    std::set<int> seen;
    for (int b : c.inputs) {
        const Buffer &in = plan.buffers[b];
        if (!seen.insert(b).second || in.producer < 0 || in.network_input || in.network_output || in.has_border() ||
            in.alias_of >= 0 || readers[b] != 1 || !writes_through_view(plan, plan.steps[in.producer]))
            return false;
    }
    return true;
}

}  // namespace

void concat_in_place(Plan &plan) {
    if (getenv("NETC_NO_CONCAT_IN_PLACE")) return;
    // How many steps read each buffer (as an input or in an epilogue).
    std::vector<int> readers(plan.buffers.size(), 0);
    for (auto &s : plan.steps) {
        for (int b : s.inputs) readers[b]++;
        for (auto &e : s.epilogue)
            if (e.reads_buffer()) readers[e.buffer]++;
    }
    std::vector<char> gone(plan.steps.size(), 0);
    for (size_t i = 0; i < plan.steps.size(); i++) {
        const Step &c = plan.steps[i];
        if (plan.graph.nodes[c.anchor].op != OpKind::Concat || !can_alias(plan, c, readers)) continue;
        Buffer &parent = plan.buffers[c.output];
        int64_t at = 0;
        int first = static_cast<int>(i);
        for (int b : c.inputs) {
            Buffer &in = plan.buffers[b];
            in.alias_of = c.output;
            in.channel_offset = at;
            in.row_channels = parent.shape[3];
            in.border_top = parent.border_top, in.border_bottom = parent.border_bottom;
            in.border_left = parent.border_left, in.border_right = parent.border_right;
            at += in.shape[3];
            first = std::min(first, in.producer);
        }
        parent.producer = first;
        gone[i] = 1;
    }
    if (std::find(gone.begin(), gone.end(), 1) == gone.end()) return;
    // Renumber the steps that stay.
    std::vector<int> index(plan.steps.size(), -1);
    std::vector<Step> kept;
    for (size_t i = 0; i < plan.steps.size(); i++)
        if (!gone[i]) {
            index[i] = static_cast<int>(kept.size());
            kept.push_back(std::move(plan.steps[i]));
        }
    plan.steps = std::move(kept);
    for (auto &b : plan.buffers) {
        if (b.producer >= 0) b.producer = index[b.producer];
        // Only aliases were read by a concat that went; they are not placed.
        if (b.last_use >= 0) b.last_use = b.alias_of >= 0 ? b.producer : index[b.last_use];
    }
}

}  // namespace netc::lower
