// tf.losses.sparse_softmax_cross_entropy: per example logsumexp(z) - z[label]
// and its gradient for the batch mean, (softmax(z) - onehot(label)) / N; then
// what a step reports of it: the batch mean plus slim's L2 penalties, and the
// correct predictions. The reductions are kernels too, so that a step is
// kernel calls only and compiles ahead of time as it runs here.
#include "TrainKernels.h"

#include <cstdio>

namespace netc::grad {

using namespace Halide;

namespace {

// A double as a kernel key fragment, exactly.
std::string exact(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

}  // namespace

void softmax_cross_entropy(const Buf &logits, const Buf &labels, Buf &loss, Buf &dlogits) {
    kernel("softmax_cross_entropy", [&](Kernel &k) {
        ImageParam z = k.input(4, "logits"), lab = k.input(1, "labels");
        Var c("c"), x("x"), y("y"), n("n");
        RDom r(0, z.dim(0).extent(), "r");
        // Shifted by the largest logit so exp cannot overflow.
        Func mx("max_logit"), se("sum_exp"), lse("logsumexp"), l("loss"), g("grad_logits");
        mx(n) = maximum(z(r, 0, 0, n));
        se(n) = sum(exp(z(r, 0, 0, n) - mx(n)));
        lse(n) = log(se(n)) + mx(n);
        Expr label = cast<int>(lab(n));
        l(n) = lse(n) - z(clamp(label, 0, z.dim(0).extent() - 1), 0, 0, n);
        Expr batch = cast<float>(z.dim(3).extent());
        g(c, x, y, n) = (exp(z(c, x, y, n) - lse(n)) - select(c == cast<int>(lab(n)), 1.0f, 0.0f)) / batch;
        mx.compute_root().parallel(n);
        se.compute_root().parallel(n);
        lse.compute_root();
        g.vectorize(c, 8, TailStrategy::GuardWithIf).parallel(n);
        k.set_outputs({l, g});
    }).run({&logits, &labels}, {}, {&loss, &dlogits});
}

void mean_loss(const Buf &per_example, Buf &loss) {
    kernel("mean_loss", [&](Kernel &k) {
        ImageParam l = k.input(1, "losses");
        Var i("i");
        RDom r(0, l.dim(0).extent(), "r");
        Func f("loss");
        f(i) = cast<float>(sum(cast<double>(l(r))) / cast<double>(l.dim(0).extent()));
        k.set_outputs({f});
    }).run({&per_example}, {}, {&loss});
}

void add_l2_penalty(double l2, const Buf &w, Buf &loss) {
    // slim's l2_regularizer: scale * tf.nn.l2_loss(w) = scale * sum(w^2) / 2.
    kernel("add_l2_penalty " + exact(l2), [&](Kernel &k) {
        ImageParam wp = k.input(1, "variable"), lp = k.input(1, "loss");
        Var i("i");
        RDom r(0, wp.dim(0).extent(), "r");
        Func ss("sum_squares"), f("loss_with_penalty");
        ss() = sum(cast<double>(wp(r)) * cast<double>(wp(r)));
        ss.compute_root();
        f(i) = cast<float>(cast<double>(lp(i)) + Expr(l2) * ss() / 2);
        k.set_outputs({f});
    }).run({&w, &loss}, {}, {&loss});
}

void l2_loss(const Buf &z, Buf &loss, Buf &dz) {
    kernel("l2_loss", [&](Kernel &k) {
        ImageParam zp = k.input(4, "outputs");
        Var i("i"), c("c"), x("x"), y("y"), n("n");
        RDom r(zp.dim(0).min(), zp.dim(0).extent(), zp.dim(1).min(), zp.dim(1).extent(), zp.dim(2).min(),
               zp.dim(2).extent(), zp.dim(3).min(), zp.dim(3).extent(), "r");
        Func ss("sum_squares"), l("l2_loss"), g("grad_outputs");
        Expr v = cast<double>(zp(r.x, r.y, r.z, r.w));
        ss() = sum(v * v);
        ss.compute_root();
        l(i) = cast<float>(ss() / 2);
        g(c, x, y, n) = zp(c, x, y, n);
        schedule_image(g, false);
        k.set_outputs({l, g});
    }).run({&z}, {}, {&loss, &dz});
}

void count_correct(const Buf &logits, const Buf &labels, Buf &correct) {
    kernel("count_correct", [&](Kernel &k) {
        ImageParam z = k.input(4, "logits"), lab = k.input(1, "labels");
        Var i("i"), n("n");
        RDom c(0, z.dim(0).extent(), "c");
        // argmax keeps the first of tied maxima.
        Func best("prediction"), f("correct");
        best(n) = argmax(z(c, 0, 0, n))[0];
        best.compute_root();
        RDom r(0, z.dim(3).extent(), "r");
        f(i) = cast<float>(sum(select(best(r) == cast<int>(lab(r)), 1, 0)));
        k.set_outputs({f});
    }).run({&logits, &labels}, {}, {&correct});
}

}  // namespace netc::grad
