// Element-wise stages of a training step and their gradients: biases,
// activations (their gradients read the output, so only it is kept), adds,
// gradient accumulation where a tensor feeds several ops, copies, zeroing and
// weight decay's gradient, and dropout.
#include "TrainKernels.h"

#include "Diagnostics.h"

namespace netc::grad {

using namespace Halide;

Expr activation_value(ir::Activation a, Expr x) {
    switch (a) {
    case ir::Activation::Relu: return max(x, 0.0f);
    case ir::Activation::Relu6: return clamp(x, 0.0f, 6.0f);
    case ir::Activation::Sigmoid: return 1.0f / (1.0f + exp(-x));
    case ir::Activation::Tanh: return tanh(x);
    case ir::Activation::None:
    case ir::Activation::Identity: return x;
    case ir::Activation::Softmax: break;
    }
    throw InternalError("softmax is not element-wise");
}

namespace {

// A kernel over (c, x, y, n) computing one expression of its inputs.
void pointwise(const std::string &key, int inputs, int scalars, const std::vector<const Buf *> &ins,
               const std::vector<float> &ss, const std::vector<Buf *> &outs,
               const std::function<std::vector<Expr>(const std::vector<ImageParam> &, const std::vector<Param<float>> &,
                                                     Var, Var, Var, Var)> &body) {
    kernel(key, [&](Kernel &k) {
        std::vector<ImageParam> in;
        std::vector<Param<float>> s;
        for (int i = 0; i < inputs; i++) in.push_back(k.input(4, "in" + std::to_string(i)));
        for (int i = 0; i < scalars; i++) s.push_back(k.scalar("s" + std::to_string(i)));
        Var c("c"), x("x"), y("y"), n("n");
        std::vector<Func> fs;
        int i = 0;
        for (Expr e : body(in, s, c, x, y, n)) {
            Func f(key.substr(0, key.find(' ')) + std::to_string(i++));
            f(c, x, y, n) = e;
            schedule_image(f, false);
            fs.push_back(f);
        }
        k.set_outputs(fs);
    }).run(ins, ss, outs);
}

}  // namespace

// dL/dx = dL/dy * activation_gradient(y). ReLU's gradient at 0 is 0, as TF's
// and PyTorch's are.
Expr activation_gradient(ir::Activation a, Expr y) {
    switch (a) {
    case ir::Activation::Relu: return select(y > 0.0f, 1.0f, 0.0f);
    case ir::Activation::Relu6: return select(y > 0.0f && y < 6.0f, 1.0f, 0.0f);
    case ir::Activation::Sigmoid: return y * (1.0f - y);
    case ir::Activation::Tanh: return 1.0f - y * y;
    case ir::Activation::None:
    case ir::Activation::Identity: return 1.0f;
    case ir::Activation::Softmax: break;
    }
    throw InternalError("softmax's gradient is not element-wise");
}

void bias_forward(const Buf &x, const Buf &b, Buf &y) {
    kernel("bias_forward", [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs"), bias = k.input(1, "biases");
        Var c("c"), x("x"), y("y"), n("n");
        Func f("bias_add");
        f(c, x, y, n) = in(c, x, y, n) + bias(c);
        schedule_image(f, false);
        k.set_outputs({f});
    }).run({&x, &b}, {}, {&y});
}

void channel_sum(const Buf &dy, Buf &db) {
    kernel("channel_sum", [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs");
        Func f = channel_total("grad_biases", d, [&](Var c, Expr x, Expr y, Expr n) { return d(c, x, y, n); });
        k.set_outputs({f});
    }).run({&dy}, {}, {&db});
}

void activation_forward(ir::Activation a, const Buf &x, Buf &y) {
    pointwise(std::string("activation_forward ") + ir::activation_name(a), 1, 0, {&x}, {}, {&y},
              [&](auto &in, auto &, Var c, Var x, Var y, Var n) { return std::vector<Expr>{activation_value(a, in[0](c, x, y, n))}; });
}

void activation_backward(ir::Activation a, const Buf &dy, const Buf &y, Buf &dx) {
    pointwise(std::string("activation_backward ") + ir::activation_name(a), 2, 0, {&dy, &y}, {}, {&dx},
              [&](auto &in, auto &, Var c, Var x, Var y, Var n) {
                  return std::vector<Expr>{in[0](c, x, y, n) * activation_gradient(a, in[1](c, x, y, n))};
              });
}

void add_forward(const Buf &a, const Buf &b, Buf &y) {
    pointwise("add", 2, 0, {&a, &b}, {}, {&y}, [&](auto &in, auto &, Var c, Var x, Var y, Var n) {
        return std::vector<Expr>{in[0](c, x, y, n) + in[1](c, x, y, n)};
    });
}

void accumulate(Buf &dst, const Buf &src) {
    // dst is read and written at the same position only, so it may be both.
    pointwise("accumulate", 2, 0, {&dst, &src}, {}, {&dst}, [&](auto &in, auto &, Var c, Var x, Var y, Var n) {
        return std::vector<Expr>{in[0](c, x, y, n) + in[1](c, x, y, n)};
    });
}

void copy(const Buf &x, Buf &y) {
    pointwise("copy", 1, 0, {&x}, {}, {&y}, [&](auto &in, auto &, Var c, Var x, Var y, Var n) {
        return std::vector<Expr>{in[0](c, x, y, n)};
    });
}

void zero(Buf &flat) {
    kernel("zero", [&](Kernel &k) {
        Var i("i");
        Func f("zero");
        f(i) = 0.0f;
        f.vectorize(i, 8, TailStrategy::GuardWithIf);
        k.set_outputs({f});
    }).run({}, {}, {&flat});
}

void add_scaled(float a, const Buf &x, Buf &y) {
    // y is read and written at the same position only, so it may be both.
    kernel("add_scaled", [&](Kernel &k) {
        ImageParam xp = k.input(1, "x"), yp = k.input(1, "y");
        Param<float> ap = k.scalar("scale");
        Var i("i");
        Func f("sum");
        f(i) = yp(i) + ap * xp(i);
        f.vectorize(i, 8, TailStrategy::GuardWithIf);
        k.set_outputs({f});
    }).run({&x, &y}, {a}, {&y});
}

void pad_forward(int top, int left, float value, const Buf &x, Buf &y) {
    kernel("pad_forward", [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs");
        Param<float> t = k.scalar("top"), l = k.scalar("left"), v = k.scalar("value");
        Func b = BoundaryConditions::constant_exterior(
            in, v, {Range(), Range(0, in.dim(1).extent()), Range(0, in.dim(2).extent()), Range()});
        Var c("c"), x("x"), y("y"), n("n");
        Func f("pad");
        f(c, x, y, n) = b(c, x - cast<int>(l), y - cast<int>(t), n);
        schedule_image(f, false);
        k.set_outputs({f});
    }).run({&x}, {float(top), float(left), value}, {&y});
}

void pad_backward(int top, int left, const Buf &dy, Buf &dx) {
    kernel("pad_backward", [&](Kernel &k) {
        ImageParam d = k.input(4, "grad_outputs");
        Param<float> t = k.scalar("top"), l = k.scalar("left");
        Var c("c"), x("x"), y("y"), n("n");
        Func f("pad_grad_inputs");
        f(c, x, y, n) = d(c, x + cast<int>(l), y + cast<int>(t), n);
        schedule_image(f, false);
        k.set_outputs({f});
    }).run({&dy}, {float(top), float(left)}, {&dx});
}

void dropout_forward(float keep, int seed, const Buf &x, Buf &y, Buf &mask) {
    // The mask is a hash of (seed, position), kept for the backward pass;
    // each step passes a new seed, so each step draws a new mask.
    kernel("dropout_forward", [&](Kernel &k) {
        ImageParam in = k.input(4, "inputs");
        Param<float> keep_p = k.scalar("keep_prob"), seed_p = k.scalar("seed");
        Var c("c"), x("x"), y("y"), n("n");
        Expr idx = ((n * in.dim(2).extent() + y) * in.dim(1).extent() + x) * in.dim(0).extent() + c;
        Expr h = cast<uint32_t>(idx) ^ (cast<uint32_t>(cast<int>(seed_p)) * Internal::make_const(UInt(32), uint64_t(0x9E3779B9u)));
        h = h ^ (h >> 16);
        h = h * Internal::make_const(UInt(32), uint64_t(0x7feb352du));
        h = h ^ (h >> 15);
        h = h * Internal::make_const(UInt(32), uint64_t(0x846ca68bu));
        h = h ^ (h >> 16);
        Expr u = cast<float>(h >> 8) * (1.0f / 16777216.0f);
        Func m("dropout_mask"), f("dropout");
        m(c, x, y, n) = select(u < keep_p, 1.0f / keep_p, 0.0f);
        f(c, x, y, n) = in(c, x, y, n) * m(c, x, y, n);
        schedule_image(m, false);
        schedule_image(f, false);
        k.set_outputs({f, m});
    }).run({&x}, {keep, static_cast<float>(seed & 0xffffff)}, {&y, &mask});
}

void dropout_backward(float, const Buf &dy, const Buf &mask, Buf &dx) {
    pointwise("dropout_backward", 2, 0, {&dy, &mask}, {}, {&dx}, [&](auto &in, auto &, Var c, Var x, Var y, Var n) {
        return std::vector<Expr>{in[0](c, x, y, n) * in[1](c, x, y, n)};
    });
}

}  // namespace netc::grad
