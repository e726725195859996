// Channel rearrangements ShuffleNetV2 needs: channel_shuffle and slice
// (split's pieces). Both copy: a slice reads a box of its input, a shuffle
// writes the output viewed as [C / groups][groups] (a block of `groups`
// lanes), so each group's channels are read as dense vectors and the
// groups' stores interleave.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

Kernel lower_channels(KernelBuilder &kb, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &shape = n.shape;
    ImageParam in = kb.buffer(s.inputs[0], "input");
    Func out = kb.output_func();
    std::string dims;
    for (size_t i = 1; i < shape.dims.size(); i++) dims += "x" + std::to_string(shape.dims[i]);
    if (n.op == OpKind::Slice) {
        const ir::Shape &is = kb.plan().buffers[s.inputs[0]].shape;
        std::vector<Var> at;
        std::vector<Expr> from;
        for (int d = shape.rank() - 1; d >= 1; d--) {
            at.push_back(Var("d" + std::to_string(d)));
            from.push_back(at.back() + static_cast<int>(n.begin[d]));
        }
        at.push_back(Var("n"));
        from.push_back(at.back());
        out(at) = kb.epilogue(in(from), at, 0);
        schedule::schedule_channels_last(out, Func(), shape.dims.back(), shape.rank(),
                                         shape.rank() == 4 ? shape[1] : 1, target);
        std::string begin;
        for (int64_t b : n.begin) begin += "," + std::to_string(b);
        return kb.finish(out, 0, "slice " + is.str() + " at" + begin + " " + dims);
    }
    // channel_shuffle: output channel j * groups + g is input channel g * (C / groups) + j.
    int groups = static_cast<int>(n.groups), per = static_cast<int>(shape[3] / n.groups);
    Var g("g"), j("j"), x("x"), y("y"), b("n");
    out(g, j, x, y, b) = kb.epilogue(in(g * per + j, x, y, b), {g, j, x, y, b}, groups);
    if (!target.has_gpu_feature()) {
        int lanes = target.natural_vector_size<float>(), v = lanes;
        while (v > 1 && per % v != 0) v /= 2;
        Var ji("ji"), yn("yn"), task("task"), row("row");
        out.bound(g, 0, groups).bound(j, 0, per);
        if (v > 1) out.split(j, j, ji, v).reorder(ji, g, j).vectorize(ji);
        if (groups <= 8) out.unroll(g);
        out.fuse(y, b, yn)
            .split(yn, task, row, static_cast<int>(schedule::task_size(shape[1])), TailStrategy::GuardWithIf)
            .parallel(task);
    }
    return kb.finish(out, groups, "channel_shuffle g" + std::to_string(groups) + " " + dims);
}

}  // namespace netc::lower
