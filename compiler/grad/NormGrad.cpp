// Batch normalization in training: the batch's per-channel statistics, the
// normalization, and its gradient. In training mode the mean and variance
// depend on every example, so dx has the two extra terms of
//   dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat));
// with frozen (moving) statistics it is gamma / sigma * dy.
#include "TrainKernels.h"

#include <cstdio>

namespace netc::grad {

using namespace Halide;

namespace {

Expr count_of(const ImageParam &x) { return cast<float>(x.dim(1).extent() * x.dim(2).extent() * x.dim(3).extent()); }

}  // namespace

void batch_stats(const Buf &x, Buf &mean, Buf &var) {
    kernel("batch_stats", [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs");
        Var c("c");
        // Two passes (mean, then squared deviations) rather than E[x^2] -
        // E[x]^2, which loses the variance to cancellation.
        Func m("batch_mean"), v("batch_variance");
        Func sum = channel_total("sum", in, [&](Var c, Expr x, Expr y, Expr n) { return in(c, x, y, n); });
        m(c) = sum(c) / count_of(in);
        m.compute_root();
        Func ss = channel_total("squares", in, [&](Var c, Expr x, Expr y, Expr n) {
            Expr d = in(c, x, y, n) - m(c);
            return d * d;
        });
        v(c) = ss(c) / count_of(in);
        sum.compute_root();
        ss.compute_root();
        schedule_channels(m, false);
        schedule_channels(v, false);
        k.set_outputs({m, v});
    }).run({&x}, {}, {&mean, &var});
}

void batch_norm_forward(float eps, ir::Activation act, const Buf &x, const Buf &mean, const Buf &var,
                        const Buf &gamma, const Buf &beta, Buf &y) {
    bool plain = act == ir::Activation::None || act == ir::Activation::Identity;
    kernel(plain ? std::string("batch_norm_forward") : std::string("batch_norm_forward ") + ir::activation_name(act),
           [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs"), m = k.input(1, "mean"), v = k.input(1, "variance"),
                   g = k.input(1, "gamma"), b = k.input(1, "beta");
        Param<float> e = k.scalar("epsilon");
        Var c("c"), x("x"), y("y"), n("n");
        Func scale("scale"), f("batch_norm");
        scale(c) = g(c) / sqrt(v(c) + e);
        scale.compute_root();
        f(c, x, y, n) = activation_value(act, (in(c, x, y, n) - m(c)) * scale(c) + b(c));
        schedule_image(f, false);
        k.set_outputs({f});
    }).run({&x, &mean, &var, &gamma, &beta}, {eps}, {&y});
}

void batch_norm_backward(float eps, bool training, const Buf &dy, const Buf &x, const Buf &mean, const Buf &var,
                         const Buf &gamma, Buf &dx, Buf &dgamma, Buf &dbeta) {
    batch_norm_activation_backward(eps, training, ir::Activation::None, dy, dy, x, mean, var, gamma, dx, dgamma, dbeta);
}

void batch_norm_activation_backward(float eps, bool training, ir::Activation act, const Buf &dy, const Buf &act_y,
                                    const Buf &x, const Buf &mean, const Buf &var, const Buf &gamma, Buf &dx,
                                    Buf &dgamma, Buf &dbeta) {
    bool masked = act != ir::Activation::None && act != ir::Activation::Identity;
    std::string key = std::string("batch_norm_backward ") + (training ? "batch" : "moving");
    if (masked) key += std::string(" ") + ir::activation_name(act);
    std::vector<const Buf *> ins = {&dy};
    if (masked) ins.push_back(&act_y);
    for (const Buf *b : {&x, &mean, &var, &gamma}) ins.push_back(b);
    kernel(key, [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs");
        ImageParam ya = masked ? k.input(4, "activation_outputs") : ImageParam();
        ImageParam in = k.input(4, "inputs"), m = k.input(1, "mean"), v = k.input(1, "variance"),
                   g = k.input(1, "gamma");
        Param<float> e = k.scalar("epsilon");
        // The batch norm's output gradient, through the activation.
        auto grad = [&](Expr c, Expr x, Expr y, Expr n) {
            return masked ? d(c, x, y, n) * activation_gradient(act, ya(c, x, y, n)) : Expr(d(c, x, y, n));
        };
        Var c("c"), x("x"), y("y"), n("n");
        Func rstd("rstd"), dbeta_f("grad_beta"), dgamma_f("grad_gamma"), f("batch_norm_grad_inputs");
        rstd(c) = 1.0f / sqrt(v(c) + e);
        rstd.compute_root();
        // Both sums in one pass over dy and x.
        Func sums = channel_totals("grad_beta_gamma", in, [&](Var c, Expr x, Expr y, Expr n) {
            Expr dv = grad(c, x, y, n);
            return std::vector<Expr>{dv, dv * (in(c, x, y, n) - m(c))};
        });
        sums.compute_root();
        dbeta_f(c) = sums(c)[0];
        dgamma_f(c) = sums(c)[1] * rstd(c);
        Expr xhat = (in(c, x, y, n) - m(c)) * rstd(c);
        Expr gs = g(c) * rstd(c);
        if (training) {
            Expr inv = 1.0f / count_of(in);
            f(c, x, y, n) = gs * (grad(c, x, y, n) - dbeta_f(c) * inv - xhat * dgamma_f(c) * inv);
        } else {
            f(c, x, y, n) = gs * grad(c, x, y, n);
        }
        schedule_image(f, false);
        schedule_channels(dbeta_f, false);
        schedule_channels(dgamma_f, false);
        k.set_outputs({f, dgamma_f, dbeta_f});
    }).run(ins, {eps}, {&dx, &dgamma, &dbeta});
}

void moving_averages(double decay, const Buf &x, const Buf &mean, const Buf &var, Buf &moving_mean,
                     Buf &moving_var) {
    // In double, as the statistics move by (1 - decay) of a difference;
    // decay is part of the key so that it is the exact double.
    char key[64];
    std::snprintf(key, sizeof key, "moving_averages %.17g", decay);
    kernel(key, [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs"), m = k.input(1, "mean"), v = k.input(1, "variance"),
                   mm = k.input(1, "moving_mean"), mv = k.input(1, "moving_variance");
        Var c("c");
        Expr count = cast<double>(in.dim(1).extent()) * in.dim(2).extent() * in.dim(3).extent();
        Expr one(1.0), d(decay), keep(1 - decay);
        Expr bessel = select(count > one, count / (count - one), one);
        Func nm("moving_mean"), nv("moving_variance");
        nm(c) = cast<float>(cast<double>(mm(c)) * d + cast<double>(m(c)) * keep);
        nv(c) = cast<float>(cast<double>(mv(c)) * d + cast<double>(v(c)) * bessel * keep);
        k.set_outputs({nm, nv});
    }).run({&x, &mean, &var, &moving_mean, &moving_var}, {}, {&moving_mean, &moving_var});
}

}  // namespace netc::grad
