// The kernels of a training step, one free function per stage: each looks up
// (or builds and JIT-compiles once) the Halide pipeline for its key and runs
// it on the given buffers. Layouts are GradKernel.h's.
#pragma once

#include "GradKernel.h"
#include "IR.h"

#include <string>

namespace netc::grad {

// A convolution's geometry; fully connected layers are 1x1 convolutions of
// (k, 1, 1, n) tensors.
struct ConvGeom {
    int kh = 1, kw = 1, sh = 1, sw = 1, rh = 1, rw = 1, pt = 0, pl = 0;
    std::string key() const;
};

// ConvGrad.cpp
// b: biases added in the same pass (the raw output is then never written:
// the conv's backward reads its input, not its output), or null; res: a
// tensor shaped like y added too (a residual's shortcut), or null (only
// with b).
void conv_forward(const ConvGeom &g, const Buf &x, const Buf &w, const Buf *b, const Buf *res, Buf &y);
// dx: backward-data, a convolution of dy with the flipped, transposed weights.
void conv_backward_data(const ConvGeom &g, const Buf &dy, const Buf &w, Buf &dx);
// dw: backward-filter, a reduction over batch and space.
void conv_backward_filter(const ConvGeom &g, const Buf &dy, const Buf &x, Buf &dw);
void depthwise_forward(const ConvGeom &g, int multiplier, const Buf &x, const Buf &w, Buf &y);
void depthwise_backward_data(const ConvGeom &g, int multiplier, const Buf &dy, const Buf &w, Buf &dx);
void depthwise_backward_filter(const ConvGeom &g, int multiplier, const Buf &dy, const Buf &x, Buf &dw);

// Elementwise.cpp
void bias_forward(const Buf &x, const Buf &b, Buf &y);   // y = x + b(c)
void channel_sum(const Buf &dy, Buf &db);                 // db(c) = sum over x, y, n
void activation_forward(ir::Activation a, const Buf &x, Buf &y);
void activation_backward(ir::Activation a, const Buf &dy, const Buf &y, Buf &dx);  // from the output y
// The activation's output at the point whose input is x.
Halide::Expr activation_value(ir::Activation a, Halide::Expr x);
// The activation's derivative at the point whose output is y.
Halide::Expr activation_gradient(ir::Activation a, Halide::Expr y);
void add_forward(const Buf &a, const Buf &b, Buf &y);
void accumulate(Buf &dst, const Buf &src);  // dst += src
void copy(const Buf &x, Buf &y);  // y's region from x (views make concat's slices)
void zero(Buf &flat);
void add_scaled(float a, const Buf &x, Buf &y);  // flat: y += a x
// Pad: y(x, y) = x(x - left, y - top), `value` outside; its gradient crops.
void pad_forward(int top, int left, float value, const Buf &x, Buf &y);
void pad_backward(int top, int left, const Buf &dy, Buf &dx);
// Dropout: y = x * mask / keep, mask drawn from (seed, position).
void dropout_forward(float keep, int seed, const Buf &x, Buf &y, Buf &mask);
void dropout_backward(float keep, const Buf &dy, const Buf &mask, Buf &dx);

// NormGrad.cpp
void batch_stats(const Buf &x, Buf &mean, Buf &var);  // biased variance
// act: the activation that follows, applied in the same pass (the
// normalized tensor itself is then never written: nothing reads it).
void batch_norm_forward(float eps, ir::Activation act, const Buf &x, const Buf &mean, const Buf &var,
                        const Buf &gamma, const Buf &beta, Buf &y);
// training: mean and var are the batch's (their gradient flows into dx).
void batch_norm_backward(float eps, bool training, const Buf &dy, const Buf &x, const Buf &mean, const Buf &var,
                         const Buf &gamma, Buf &dx, Buf &dgamma, Buf &dbeta);
// The same with the activation that follows the batch norm folded in: dy
// and act_y are the activation's output gradient and output (saves a pass
// writing the batch norm's output gradient and three reading it).
void batch_norm_activation_backward(float eps, bool training, ir::Activation act, const Buf &dy, const Buf &act_y,
                                    const Buf &x, const Buf &mean, const Buf &var, const Buf &gamma, Buf &dx,
                                    Buf &dgamma, Buf &dbeta);
// TF's moving statistics after a training batch x with these statistics: the
// variance moves toward the batch's unbiased one (as PyTorch's running_var).
void moving_averages(double decay, const Buf &x, const Buf &mean, const Buf &var, Buf &moving_mean,
                     Buf &moving_var);

// PoolGrad.cpp. Pools use TF's padding: max ignores it, avg divides by the
// in-bounds count (or by kh*kw with count_padding).
void max_pool_forward(const ConvGeom &g, const Buf &x, Buf &y, Buf &argmax);
void max_pool_backward(const ConvGeom &g, const Buf &dy, const Buf &argmax, Buf &dx);
void avg_pool_forward(const ConvGeom &g, bool count_padding, const Buf &x, Buf &y);
void avg_pool_backward(const ConvGeom &g, bool count_padding, const Buf &dy, Buf &dx);
void spatial_mean_forward(const Buf &x, Buf &y);   // y(c, 0, 0, n)
void spatial_mean_backward(const Buf &dy, Buf &dx);

// LossGrad.cpp: per-example -log softmax(z)[label] and dL/dz of the batch mean.
void softmax_cross_entropy(const Buf &logits, const Buf &labels, Buf &loss, Buf &dlogits);
// loss (one value) = the mean of per_example; then += l2 sum(w^2) / 2 per
// regularized variable (w flat), accumulated in double.
void mean_loss(const Buf &per_example, Buf &loss);
void add_l2_penalty(double l2, const Buf &w, Buf &loss);
// tf.nn.l2_loss(z) = sum(z^2) / 2 (one value, accumulated in double) and
// its gradient, z itself: the benchmark's objective (bench --backward).
void l2_loss(const Buf &z, Buf &loss, Buf &dz);
// correct (one value) = the examples whose first largest logit is their label.
void count_correct(const Buf &logits, const Buf &labels, Buf &correct);

// Optimizers.cpp: one fused update per variable, all of them flat views.
// g includes the weight decay. Momentum (TF): m = mu m + g; w -= lr m.
void momentum_update(float lr, float mu, const Buf &g, Buf &w, Buf &m);
// Adam (TF): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// w -= lr_t m / (sqrt(v) + eps) with lr_t = lr sqrt(1-b2^t) / (1-b1^t).
void adam_update(float lr_t, float b1, float b2, float eps, const Buf &g, Buf &w, Buf &m, Buf &v);

}  // namespace netc::grad
