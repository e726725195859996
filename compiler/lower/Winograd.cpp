// A 3x3, stride-1 convolution by Winograd's minimal filtering F(m, 3)
// (Lavin & Gray): each m x m tile of outputs is A^T [(G g G^T) . (B^T d B)] A
// for the (m+2) x (m+2) input patch d. The weights' transform G g G^T is
// done here, at compile time, with batch norm folded in; per run the kernel
// transforms the input patches (B^T d B), multiplies them with the weights
// as (m+2)^2 independent channel-reduction GEMMs with register tiles, and
// transforms each tile back (A^T . A) with the epilogue fused into the
// store. That is 4x fewer multiplies than the direct convolution for
// F(4, 3), for transforms that cost O(channels), not O(channels^2).
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;

namespace {

using Matrix = std::vector<std::vector<double>>;

struct Transforms {
    int m, alpha;
    Matrix BT, G, AT;
};

// Interpolation points 0, +-1 (F(2,3)) and, for F(4,3), 0, +-1, 2, -1/2
// rather than Lavin's 0, +-1, +-2: the smaller transform entries round less
// (Barabasz et al., "Error analysis and improving the accuracy of Winograd
// convolution"); in fp32 with 256-1024 input channels the RMS error is
// about 0.6x Lavin's and the worst case 0.3x, which keeps wide ResNets
// within 1e-4 of the oracles.
const Transforms &transforms(int m) {
    static const Transforms f2{2, 4,
                               {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
                               {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
                               {{1, 1, 1, 0}, {0, 1, -1, -1}}};
    static const Transforms f4{4, 6,
                               {{1, 1.5, -2, -1.5, 1, 0},
                                {0, -1, -2.5, -0.5, 1, 0},
                                {0, 1, 0.5, -2.5, 1, 0},
                                {0, -0.5, -1, 0.5, 1, 0},
                                {0, 2, -1, -2, 1, 0},
                                {0, 1, 1.5, -2, -1.5, 1}},
                               {{1, 0, 0},
                                {-1.0 / 3, -1.0 / 3, -1.0 / 3},
                                {1.0 / 3, -1.0 / 3, 1.0 / 3},
                                {1.0 / 15, 2.0 / 15, 4.0 / 15},
                                {-16.0 / 15, 8.0 / 15, -4.0 / 15},
                                {0, 0, 1}},
                               {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -0.5, 0}, {0, 1, 1, 4, 0.25, 0}, {0, 1, -1, 8, -0.125, 1}}};
    if (m == 2) return f2;
    if (m == 4) return f4;
    throw InternalError("no Winograd transforms for F(" + std::to_string(m) + ", 3)");
}

// sum_k M[row][k] * term(k), with `row` a loop variable the schedule
// unrolls: each mux then folds to a constant.
Expr row_times(const Matrix &M, Expr row, const std::function<Expr(int)> &term) {
    Expr total;
    for (size_t k = 0; k < M[0].size(); k++) {
        std::vector<Expr> column;
        for (auto &r : M) column.push_back(Expr(static_cast<float>(r[k])));
        Expr t = mux(row, column) * term(static_cast<int>(k));
        total = total.defined() ? total + t : t;
    }
    return total;
}

}  // namespace

Kernel lower_winograd(KernelBuilder &kb, const weights::WeightMap &w, const Target &target,
                      const schedule::ConvProblem &p, const schedule::ConvSchedule &s) {
    const ir::Node &n = kb.anchor();
    const Plan &plan = kb.plan();
    const Step &step = kb.step();
    const Transforms &T = transforms(s.m);
    const int m = T.m, A = T.alpha;
    const int64_t ci = p.ci, co = p.co, B = s.block, blocks = co / B;
    const Buffer &input = plan.buffers[step.inputs[0]];
    const int64_t wi = input.shape[2], hi = input.shape[1];

    const rt::Array *weights = find_param(n, w, "weights"), *biases = find_param(n, w, "biases");
    if (!weights) throw InternalError("'" + n.name + "' has no weights");
    std::vector<float> scale, shift;
    batch_norm_scale_shift(n, w, co, scale, shift);
    // U = G g G^T per (input, output) channel pair, in double, as
    // [block][i][j][ci][lane]: the GEMM streams one (i, j) plane in order.
    rt::Array u, bias;
    u.shape = {blocks, A, A, ci, B};
    u.data.resize(static_cast<size_t>(blocks * A * A * ci * B));
    for (int64_t c = 0; c < ci; c++)
        for (int64_t o = 0; o < co; o++) {
            double g[3][3];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) g[a][b] = double(weights->data[((a * 3 + b) * ci + c) * co + o]) * scale[o];
            for (int i = 0; i < A; i++)
                for (int j = 0; j < A; j++) {
                    double v = 0;
                    for (int a = 0; a < 3; a++)
                        for (int b = 0; b < 3; b++) v += T.G[i][a] * g[a][b] * T.G[j][b];
                    u.data[(((o / B * A + i) * A + j) * ci + c) * B + o % B] = static_cast<float>(v);
                }
        }
    bias.shape = {blocks, B};
    bias.data.resize(co);
    for (int64_t o = 0; o < co; o++) bias.data[o] = shift[o] + (biases ? biases->data[o] * scale[o] : 0.0f);

    ImageParam in = kb.buffer(step.inputs[0], "input");
    ImageParam U = kb.constant(std::move(u), "winograd_weights");
    ImageParam bp = kb.constant(std::move(bias), "biases");

    Var c("c"), i("i"), j("j"), b("b"), tx("tx"), ty("ty"), nn("n"), cl("cl"), cb("cb"), x("x"), y("y"), yi("yi");
    // The input patch of tile (tx, ty): zeros past what the buffer holds
    // (its border covers the padding; ragged last tiles read further).
    const int pl = static_cast<int>(n.padding.left), pt = static_cast<int>(n.padding.top);
    const int wr = static_cast<int>(wi + input.border_right), hr = static_cast<int>(hi + input.border_bottom);
    auto patch = [&](Expr a, Expr bb) {
        Expr px = tx * m - pl + bb, py = ty * m - pt + a;
        return select(px < wr && py < hr, in(c, min(px, wr - 1), min(py, hr - 1), nn), 0.0f);
    };
    Func t1(n.name + "/winograd_rows"), v(n.name + "/winograd_input"), mm(n.name), o1(n.name + "/winograd_cols");
    t1(c, b, i, tx, ty, nn) = row_times(T.BT, i, [&](int a) { return patch(a, b); });
    v(c, j, i, tx, ty, nn) = row_times(T.BT, j, [&](int bb) { return t1(c, bb, i, tx, ty, nn); });
    RDom r(0, static_cast<int>(ci), "r");
    mm(cl, j, i, tx, ty, cb, nn) = 0.0f;
    mm(cl, j, i, tx, ty, cb, nn) += U(cl, r, j, i, cb) * v(r, j, i, tx, ty, nn);
    o1(cl, j, yi, tx, ty, cb, nn) = row_times(T.AT, yi, [&](int k) { return mm(cl, j, k, tx, ty, cb, nn); });
    Expr value = row_times(T.AT, x % m, [&](int k) { return o1(cl, k, y % m, x / m, y / m, cb, nn); }) + bp(cl, cb);

    Func out = kb.output_func();
    out(cl, cb, x, y, nn) = kb.epilogue(value, {cl, cb, x, y, nn}, static_cast<int>(B));
    if (!target.has_gpu_feature())
        schedule::schedule_winograd({out, t1, v, mm, o1, r}, s, p.ow, p.oh, blocks, target.natural_vector_size<float>());

    std::string key = "winograd" + std::to_string(m) + " in" + std::to_string(ci) + "x" + std::to_string(wi) + "x" +
                      std::to_string(hi) + " out" + std::to_string(co) + "x" + std::to_string(p.ow) + "x" +
                      std::to_string(p.oh) + " p" + std::to_string(pt) + "," + std::to_string(pl) + " " + s.str();
    Kernel k = kb.finish(out, static_cast<int>(B), key);
    k.signature = p.signature();
    k.schedule = s.str();
    return k;
}

}  // namespace netc::lower
