// Normalisations across the channels of each point: layer_norm (ConvNeXt's
// LayerNorm in channels-last) and lrn (ONNX's LRN, AlexNet's). Both read a
// point's channels, contiguous in NHWC, so a point's statistics are computed
// once, in vectors over channels, just before its outputs; rows of points
// are the parallel tasks, and the epilogue is fused into the output.
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

#include <sstream>

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

namespace {

// The widest vector of at most the target's lanes that divides `channels`.
int channel_vector(int64_t channels, const Target &t) {
    int v = t.natural_vector_size<float>();
    while (v > 1 && channels % v != 0) v /= 2;
    return v;
}

// Sum over the channels of f(c, point...): v partial sums in a vector, then
// across them.
Func channel_sum(const std::string &name, Func f, const std::vector<Var> &point, int64_t channels, int v,
                 std::vector<Func> &stages) {
    Var l("l");
    std::vector<Var> lane_args{l};
    lane_args.insert(lane_args.end(), point.begin(), point.end());
    RDom rc(0, static_cast<int>(channels / v), name + "_rc");
    std::vector<Expr> at{rc * v + l}, lane_at;
    at.insert(at.end(), point.begin(), point.end());
    Func lanes(name + "/lanes"), total(name);
    lanes(lane_args) = 0.0f;
    lanes(lane_args) += f(at);
    RDom rl(0, v, name + "_rl");
    lane_at.push_back(rl);
    lane_at.insert(lane_at.end(), point.begin(), point.end());
    total(point) = sum(lanes(lane_at));
    stages.push_back(lanes);
    stages.push_back(total);
    return total;
}

}  // namespace

Kernel lower_normalize(KernelBuilder &kb, const weights::WeightMap &w, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &shape = n.shape;
    int rank = shape.rank();
    const int64_t channels = shape.dims.back();
    const int C = static_cast<int>(channels), v = channel_vector(channels, target);
    Var c("c");
    std::vector<Var> point;  // (x, y, n) or (n)
    if (rank == 4) point = {Var("x"), Var("y")};
    point.push_back(Var("n"));
    std::vector<Var> at{c};
    at.insert(at.end(), point.begin(), point.end());
    std::vector<Expr> args(at.begin(), at.end());
    ImageParam in = kb.buffer(s.inputs[0], "input");
    Func out = kb.output_func();
    std::vector<Func> per_point;  // computed once per point
    Func window;                  // lrn: computed per vector of outputs
    std::string key;
    if (n.op == OpKind::LayerNorm) {
        // Two passes (the mean, then the squared deviations): the biased
        // variance torch.nn.LayerNorm computes, without cancellation.
        Func x(n.name + "/x");
        x(at) = in(args);
        Func mean = channel_sum(n.name + "/sum", x, point, channels, v, per_point);
        Func dev(n.name + "/dev");
        dev(at) = x(args) - mean(point) * (1.0f / static_cast<float>(channels));
        Func sq(n.name + "/sq");
        sq(at) = dev(args) * dev(args);
        Func var = channel_sum(n.name + "/sumsq", sq, point, channels, v, per_point);
        Func rstd(n.name + "/rstd");
        rstd(point) = 1.0f / sqrt(var(point) / static_cast<float>(channels) + static_cast<float>(n.epsilon));
        per_point.push_back(rstd);
        Expr value = dev(args) * rstd(point);
        const rt::Array *gamma = find_param(n, w, "gamma"), *beta = find_param(n, w, "beta");
        if (gamma) value = value * kb.constant(*gamma, "gamma")(c);
        if (beta) value = value + kb.constant(*beta, "beta")(c);
        out(at) = kb.epilogue(value, at, 0);
        key = std::string("layer_norm ") + std::to_string(n.epsilon) + (gamma ? " g" : "") + (beta ? " b" : "");
    } else {
        // ONNX's LRN: x / (bias + alpha / size * sum of squares over the
        // window [c - (size - 1) / 2, c + size / 2])^beta, zeros past the
        // channels. The squares go in a buffer a point's channels wide with
        // the window's margins, so each window tap is a dense vector load.
        const int lo = static_cast<int>((n.lrn_size - 1) / 2), size = static_cast<int>(n.lrn_size);
        Func sq(n.name + "/sq");
        std::vector<Expr> clamped = args;
        clamped[0] = clamp(c, 0, C - 1);
        sq(at) = select(c >= 0 && c < C, in(clamped) * in(clamped), 0.0f);
        per_point.push_back(sq);
        RDom j(0, size, "j");
        std::vector<Expr> tap = args;
        tap[0] = c + j - lo;
        window = Func(n.name + "/window");
        window(at) = 0.0f;
        window(at) += sq(tap);
        Expr base = static_cast<float>(n.bias) + static_cast<float>(n.alpha / n.lrn_size) * window(args);
        out(at) = kb.epilogue(in(args) * pow(base, static_cast<float>(-n.beta)), at, 0);
        std::ostringstream k;
        k.precision(17);
        k << "lrn " << n.lrn_size << " " << n.alpha << " " << n.beta << " " << n.bias;
        key = k.str();
    }
    if (!target.has_gpu_feature()) {
        Var ci("ci");
        out.bound(c, 0, C);
        if (v > 1) out.split(c, c, ci, v).vectorize(ci);
        if (rank == 4) {
            Var yn("yn"), task("task"), row("row");
            out.fuse(point[1], point[2], yn)
                .split(yn, task, row, static_cast<int>(schedule::task_size(shape[1])), TailStrategy::GuardWithIf)
                .parallel(task);
        } else {
            out.parallel(point[0]);
        }
        for (Func f : per_point) {
            f.compute_at(out, point[0]);
            if (v == 1 || f.dimensions() == static_cast<int>(point.size())) continue;  // a point's scalars
            // Partial sums in one vector; the squares' vectors (their margins may run past the channels).
            f.vectorize(f.args()[0], v, TailStrategy::GuardWithIf);
            for (int i = 0; i < f.num_update_definitions(); i++) f.update(i).vectorize(f.args()[0], v);
        }
        if (window.defined()) {
            window.compute_at(out, c);
            if (v > 1) {
                window.vectorize(window.args()[0], v);
                window.update().vectorize(window.args()[0], v);
            }
        }
    }
    std::string dims;
    for (size_t i = 1; i < shape.dims.size(); i++) dims += "x" + std::to_string(shape.dims[i]);
    return kb.finish(out, 0, key + " " + dims);
}

}  // namespace netc::lower
