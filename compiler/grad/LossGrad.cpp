// tf.losses.sparse_softmax_cross_entropy: per example logsumexp(z) - z[label]
// (the caller takes the batch mean), and its gradient for that mean,
// (softmax(z) - onehot(label)) / N.
#include "TrainKernels.h"

namespace netc::grad {

using namespace Halide;

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

}  // namespace netc::grad
