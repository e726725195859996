// A network's training step: the IR graph cut into training stages (each
// conv or fully connected node becomes its convolution, then its bias or
// batch norm, then its activation, so each stage's gradient is its own
// kernel), run forward in training or inference mode and backward from the
// loss to every trainable variable.
#pragma once

#include "GradKernel.h"
#include "IR.h"
#include "TrainKernels.h"
#include "Weights.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace netc::grad {

// What netc train cannot compute, at the op that asks for it.
struct Unsupported : std::runtime_error {
    Unsupported(const Loc &l, const std::string &msg) : std::runtime_error(msg), loc(l) {}
    Loc loc;
};

struct Variable {
    std::string name;
    std::vector<int64_t> shape;  // TF's
    bool trainable = true;
    double l2 = 0;
    Buf value, grad;  // dimensions innermost first (the shape reversed)
};

enum class StageKind {
    Conv, Depthwise, Bias, BatchNorm, Activation, MaxPool, AvgPool, Mean, Reshape, Add, Concat, Pad, Dropout, Loss
};

struct Stage {
    StageKind kind;
    const ir::Node *node = nullptr;
    std::vector<int> in;  // tensors
    int out = -1;
    ConvGeom geom;
    ir::Activation act = ir::Activation::None;
    int weights = -1, biases = -1, gamma = -1, beta = -1, moving_mean = -1, moving_var = -1;  // variables
    // A batch norm followed by its node's activation: the activation's
    // forward and backward fold into the batch norm's (act_stage is the
    // activation's stage; on that stage, into_norm says both are left to
    // it, and the normalized tensor between them is never written).
    int act_stage = -1;
    bool into_norm = false;
    // A convolution followed by its node's biases: the forward adds them
    // (bias_stage is the bias's stage; into_conv on it says so), so the
    // raw output is never written.
    int bias_stage = -1;
    bool into_conv = false;
    // The biased output's one reader an Add whose other term (residual, a
    // tensor computed earlier) the conv adds too, writing the Add's output
    // (add_stage; into_conv on the Add says its forward is left to it).
    int add_stage = -1, residual = -1;
    Buf ones, zeros;                        // batch norm without scale or center
    Buf mean, var, scratch, scratch2;       // per run: batch statistics, argmax or mask, BN's dgamma and dbeta
};

struct Tensor {
    std::string name;
    std::vector<int> dims;  // per example, innermost first: (c, w, h) or (k, 1, 1); empty for labels
    Buf value, grad, scratch;  // scratch: a further gradient before it is added
    Buf own_grad;              // grad's own memory, when grad is another tensor's (pass_grad)
    bool grad_set = false, into_scratch = false;
    // Whether a trainable variable is upstream: the images and what is
    // computed from them alone (a stem's explicit padding) need no gradient.
    bool needs_grad = false;
};

// What backward differentiates.
enum class Objective {
    Loss,       // the network's loss (netc train)
    // netc bench --backward: the network's loss if it has one, else, as the
    // reference benchmark does, tf.nn.l2_loss of its one output,
    // sum(y^2) / 2 (no weight decay), over the ops that output needs.
    Benchmark,
};

class TrainStep {
public:
    // Throws Unsupported for an op or option it cannot differentiate.
    explicit TrainStep(const ir::Graph &g, Objective objective = Objective::Loss);

    const ir::Graph &graph() const { return g_; }
    std::vector<Variable> &variables() { return vars_; }
    void load(const weights::WeightMap &w);
    void store(weights::WeightMap &w) const;

    // The image input's per-example shape [H, W, C] (or [K]) and the classes.
    const ir::Node &images_input() const { return g_.node(images_node_); }
    int64_t classes() const { return tensors_[logits_].dims[0]; }
    // Whether forward takes labels (a loss on a labels input), and whether
    // the objective is l2_loss of the output rather than the network's loss.
    bool has_labels() const { return labels_ >= 0; }
    bool l2_objective() const { return l2_; }

    // Runs the network on a batch (NHWC images, labels as float class ids),
    // read in place until the next forward (backward and correct read them).
    // training: batch statistics, dropout and moving-average updates.
    // Returns the mean cross-entropy plus the L2 penalties (or the l2_loss
    // objective; labels may then be null).
    double forward(const float *images, const float *labels, int batch, bool training, int seed);
    // Gradients of the last forward's loss into every variable's grad.
    void backward();
    // Correct predictions of the last forward (argmax of the logits).
    int correct() const;
    const Buf &logits() const { return tensors_[logits_].value; }
    // Where forward leaves the loss and correct() the count, one value each
    // (the AOT step copies them out from there).
    const Buf &loss_value() const { return loss_; }
    const Buf &correct_value() const { return correct_; }

private:
    const ir::Graph &g_;
    std::vector<Variable> vars_;
    std::vector<Tensor> tensors_;
    std::vector<Stage> stages_;
    int images_node_ = -1, images_ = -1, labels_ = -1, logits_ = -1, loss_stage_ = -1;
    int batch_ = 0;
    bool training_ = false, l2_ = false;
    Buf loss_per_example_;
    Buf loss_ = Buf(1);
    mutable Buf correct_ = Buf(1);

    int variable(const ir::Node &n, const std::string &leaf, bool required);
    int add_tensor(const ir::Shape &s, const std::string &name);
    void add_node(const ir::Node &n, std::vector<int> &tensor_of);
    void add_l2_objective(const ir::Graph &g, std::vector<int> &tensor_of);
    void mark_needs_grad();
    void fuse_residual_adds();
    void allocate(int batch);
    std::vector<int> batch_dims(int tensor) const;  // a tensor's dimensions with the batch
    void run_stage(Stage &s, int seed);
    void backward_stage(Stage &s);
    // The buffer a stage writes a tensor's gradient into: the tensor's own
    // gradient the first time, else its scratch, which grad_done adds.
    Buf &grad_target(int tensor);
    void grad_done(int tensor);
    // A gradient that passes unchanged (an add's, a bias's): the tensor's
    // first gradient becomes dy itself instead of a copy. Whatever adds to it
    // later writes into dy's memory, which its own stage has finished with.
    void pass_grad(int tensor, const Buf &dy);
};

}  // namespace netc::grad
