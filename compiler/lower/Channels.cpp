// Channel rearrangements ShuffleNetV2 needs: channel_shuffle, slice (split's
// pieces) and concat, alone or as one chain the plan fused (split, concat,
// shuffle: its unit's four copies become one). The step's value is a gather:
// each fused op maps an output index to its inputs' (a slice shifts, a
// shuffle permutes channels, a concat selects), down to the buffers at the
// chain's leaves. A shuffle writes its output viewed as [C / groups][groups]
// (a block of `groups` lanes), so each group's channels are dense vectors
// and the groups' stores interleave.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

#include <set>

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

namespace {

bool is_channel_map(const ir::Node &n) {
    return n.op == OpKind::Slice || n.op == OpKind::Concat || n.op == OpKind::ChannelShuffle;
}

// The value of IR node `id` at (c, x, y, n), through the ops the step fused.
class Gather {
public:
    explicit Gather(KernelBuilder &kb) : kb_(kb), g_(kb.plan().graph) {
        for (int id : kb.step().fused) {
            if (is_channel_map(g_.nodes[id])) fused_.insert(id);
            if (id == kb.step().anchor) break;
        }
    }

    Expr at(int id, Expr c, Expr x, Expr y, Expr b) {
        if (!fused_.count(id)) return leaf(id)(c, x, y, b);
        const ir::Node &n = g_.nodes[id];
        key_ += n.shape.str();  // e.g. a slice's size, which its begin does not give
        if (n.op == OpKind::Slice) {
            key_ += "slice" + std::to_string(n.begin[1]) + "," + std::to_string(n.begin[2]) + "," +
                    std::to_string(n.begin[3]) + "(";
            Expr v = at(n.inputs[0], c + static_cast<int>(n.begin[3]), x + static_cast<int>(n.begin[2]),
                        y + static_cast<int>(n.begin[1]), b);
            key_ += ")";
            return v;
        }
        if (n.op == OpKind::ChannelShuffle) {
            int groups = static_cast<int>(n.groups), per = static_cast<int>(n.shape[3] / n.groups);
            key_ += "shuffle" + std::to_string(groups) + "(";
            Expr v = at(n.inputs[0], (c % groups) * per + c / groups, x, y, b);
            key_ += ")";
            return v;
        }
        // Concat: a select per input, each index clamped into its input.
        key_ += "concat(";
        std::vector<std::pair<int, Expr>> parts;
        int offset = 0;
        for (int in : n.inputs) {
            int ci = static_cast<int>(g_.nodes[in].shape[3]);
            parts.push_back({offset + ci, at(in, clamp(c - offset, 0, ci - 1), x, y, b)});
            key_ += ",";
            offset += ci;
        }
        key_ += ")";
        Expr v = parts.back().second;
        for (int i = static_cast<int>(parts.size()) - 2; i >= 0; i--) v = select(c < parts[i].first, parts[i].second, v);
        return v;
    }

    const std::string &key() const { return key_; }

private:
    ImageParam leaf(int id) {
        auto it = leaves_.find(id);
        if (it != leaves_.end()) return it->second;
        for (int b : kb_.step().inputs)
            if (kb_.plan().buffers[b].node == id) {
                ImageParam p = kb_.buffer(b, "input" + std::to_string(leaves_.size()));
                key_ += "in" + std::to_string(leaves_.size());
                return leaves_[id] = p;
            }
        throw InternalError("channel gather: no buffer for node " + std::to_string(id));
    }

    KernelBuilder &kb_;
    const ir::Graph &g_;
    std::set<int> fused_;
    std::map<int, ImageParam> leaves_;
    std::string key_;
};

}  // namespace

bool gathers_channels(const Plan &plan, const Step &s) {
    for (int id : s.fused)
        if (id != s.anchor && is_channel_map(plan.graph.nodes[id])) return true;
    return false;
}

Kernel lower_channels(KernelBuilder &kb, const Target &target) {
    const ir::Node &n = kb.anchor();
    const ir::Shape &shape = n.shape;
    Func out = kb.output_func();
    Gather gather(kb);
    std::string dims;
    for (size_t i = 1; i < shape.dims.size(); i++) dims += "x" + std::to_string(shape.dims[i]);
    if (n.op == OpKind::Slice && shape.rank() == 2) {  // [N, C]: a channel range
        Var c("c"), b("n");
        ImageParam in = kb.buffer(kb.step().inputs[0], "input");
        out(c, b) = kb.epilogue(in(c + static_cast<int>(n.begin[1]), b), {c, b}, 0);
        schedule::schedule_channels_last(out, Func(), shape[1], 2, 1, target);
        return kb.finish(out, 0, "slice2 at" + std::to_string(n.begin[1]) + " " + dims);
    }
    Var x("x"), y("y"), b("n");
    if (n.op != OpKind::ChannelShuffle) {
        Var c("c");
        out(c, x, y, b) = kb.epilogue(gather.at(n.id, c, x, y, b), {c, x, y, b}, 0);
        schedule::schedule_channels_last(out, Func(), shape[3], 4, shape[1], target);
        return kb.finish(out, 0, "gather " + gather.key() + " " + dims);
    }
    // channel_shuffle: output channel j * groups + g, written as out(g, j).
    int groups = static_cast<int>(n.groups), per = static_cast<int>(shape[3] / n.groups);
    Var g("g"), j("j");
    out(g, j, x, y, b) = kb.epilogue(gather.at(n.id, j * groups + g, x, y, b), {g, j, x, y, b}, groups);
    if (!target.has_gpu_feature()) {
        // Whole vectors of a group's channels; a ragged last one overlaps
        // the one before (a copy may write a value twice).
        int v = target.natural_vector_size<float>();
        while (v > per) v /= 2;
        Var ji("ji"), yn("yn"), task("task"), row("row");
        out.bound(g, 0, groups).bound(j, 0, per);
        if (v > 1) out.split(j, j, ji, v, TailStrategy::ShiftInwards).reorder(ji, g, j).vectorize(ji);
        if (groups <= 8) out.unroll(g);
        out.fuse(y, b, yn)
            .split(yn, task, row, static_cast<int>(schedule::task_size(shape[1])), TailStrategy::GuardWithIf)
            .parallel(task);
    }
    return kb.finish(out, groups, "gather " + gather.key() + " " + dims);
}

}  // namespace netc::lower
