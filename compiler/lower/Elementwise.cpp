// Element-wise steps that could not join a producer's epilogue (their input
// has other readers): a batch norm's scale/shift, an activation, an add, a
// multiply; and
// softmax, which reduces over channels.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

Kernel lower_elementwise(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &shape = n.shape;
    int rank = shape.rank();
    int64_t channels = shape.dims.back();
    std::vector<Var> at;
    at.push_back(Var("c"));
    if (rank == 4) at.insert(at.end(), {Var("x"), Var("y")});
    at.push_back(Var("n"));
    std::vector<Expr> args(at.begin(), at.end());
    if (rank != 2 && rank != 4) throw InternalError("element-wise op on a rank-" + std::to_string(rank) + " tensor");

    ImageParam in = kb.buffer(s.inputs[0], "input");
    Func out = kb.output_func(), acc;
    std::string key;
    Expr v = in(args);
    if (n.op == OpKind::BatchNorm) {
        std::vector<float> scale, shift;
        batch_norm_scale_shift(n, w, channels, scale, shift);
        rt::Array a, b;
        a.shape = b.shape = {channels};
        a.data = std::move(scale);
        b.data = std::move(shift);
        ImageParam ps = kb.constant(std::move(a), "scale"), pb = kb.constant(std::move(b), "shift");
        v = v * ps(at[0]) + pb(at[0]);
        key = "batch_norm";
    } else if (n.op == OpKind::Add) {
        ImageParam other = kb.buffer(s.inputs[1], "y");
        v = v + other(args);
        key = "add";
    } else if (n.op == OpKind::Mul) {
        // x * y, or x by its [N, 1, 1, C] gate read at the point's channel.
        bool gate = !(kb.plan().buffers[s.inputs[1]].shape == shape);
        ImageParam other = kb.buffer(s.inputs[1], gate ? "gate" : "y");
        std::vector<Expr> at_other = args;
        if (gate) at_other[1] = at_other[2] = 0;
        v = v * other(at_other);
        key = gate ? "gate" : "mul";
    } else if (n.activation == ir::Activation::Softmax) {
        // Subtract the max first, as TF does, so exp never overflows.
        acc = Func(n.name + "/max");
        Func total(n.name + "/sum");
        RDom r(0, static_cast<int>(channels), "r");
        std::vector<Expr> rargs = args;
        rargs[0] = r;
        std::vector<Expr> tail(args.begin() + 1, args.end());
        std::vector<Var> tail_vars(at.begin() + 1, at.end());
        acc(tail_vars) = maximum(in(rargs));
        Func e(n.name + "/exp");
        e(at) = exp(in(args) - acc(tail));
        std::vector<Expr> eargs = rargs;
        total(tail_vars) = sum(e(eargs));
        v = e(args) / total(tail);
        out(at) = kb.epilogue(v, at, 0);
        if (!target.has_gpu_feature()) {
            acc.compute_at(out, at.back());
            total.compute_at(out, at.back());
            e.compute_at(out, at.back());
            out.parallel(at.back());
        }
        return kb.finish(out, 0, "softmax " + shape.str());
    } else {
        key = "copy";  // an activation whose input has other readers
    }
    out(at) = kb.epilogue(v, at, 0);
    schedule::schedule_channels_last(out, Func(), channels, rank, rank == 4 ? shape[1] : 1, target);
    std::string dims;
    for (size_t i = 1; i < shape.dims.size(); i++) dims += "x" + std::to_string(shape.dims[i]);
    return kb.finish(out, 0, key + " " + dims);
}

}  // namespace netc::lower
