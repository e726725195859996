// The optimizers' fused updates: one kernel per optimizer reads a variable,
// its gradient and its slots once and writes the variable and slots back in
// place (each element is read before it is written, at the same position).
#include "TrainKernels.h"

namespace netc::grad {

using namespace Halide;

namespace {

void schedule_flat(Func f) {
    Var i = f.args()[0], io("io"), ii("ii");
    f.split(i, io, ii, 1024, TailStrategy::GuardWithIf).parallel(io).vectorize(ii, 8, TailStrategy::GuardWithIf);
}

}  // namespace

void momentum_update(float lr, float mu, const Buf &g, Buf &w, Buf &m) {
    kernel("momentum_update", [&](Kernel &k) {
        ImageParam gp = k.input(1, "grad"), wp = k.input(1, "variable"), mp = k.input(1, "momentum");
        Param<float> lr_p = k.scalar("lr"), mu_p = k.scalar("mu");
        Var i("i");
        Func m2("Momentum"), w2("variable");
        m2(i) = mu_p * mp(i) + gp(i);
        w2(i) = wp(i) - lr_p * m2(i);
        schedule_flat(m2);
        schedule_flat(w2);
        k.set_outputs({w2, m2});
    }).run({&g, &w, &m}, {lr, mu}, {&w, &m});
}

void adam_update(float lr_t, float b1, float b2, float eps, const Buf &g, Buf &w, Buf &m, Buf &v) {
    kernel("adam_update", [&](Kernel &k) {
        ImageParam gp = k.input(1, "grad"), wp = k.input(1, "variable"), mp = k.input(1, "m"), vp = k.input(1, "v");
        Param<float> lr_p = k.scalar("lr_t"), b1_p = k.scalar("beta1"), b2_p = k.scalar("beta2"),
                     eps_p = k.scalar("epsilon");
        Var i("i");
        Func m2("Adam"), v2("Adam_1"), w2("variable");
        m2(i) = b1_p * mp(i) + (1.0f - b1_p) * gp(i);
        v2(i) = b2_p * vp(i) + (1.0f - b2_p) * gp(i) * gp(i);
        // TF's placement: epsilon is added to sqrt(v), not to the bias-corrected one.
        w2(i) = wp(i) - lr_p * m2(i) / (sqrt(v2(i)) + eps_p);
        schedule_flat(m2);
        schedule_flat(v2);
        schedule_flat(w2);
        k.set_outputs({w2, m2, v2});
    }).run({&g, &w, &m, &v}, {lr_t, b1, b2, eps}, {&w, &m, &v});
}

}  // namespace netc::grad
