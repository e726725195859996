// Cutting the IR into training stages: each conv or fully connected node
// becomes its convolution, then its bias or batch norm, then its activation,
// so that each has its own backward kernel; what netc train cannot
// differentiate is refused here, at the op, before anything is compiled.
#include "TrainStep.h"

#include "Diagnostics.h"

namespace netc::grad {

namespace {

std::vector<int> reversed(const std::vector<int64_t> &shape) {
    return std::vector<int>(shape.rbegin(), shape.rend());
}

Buf filled(int n, float v) {
    Buf b(n);
    b.fill(v);
    return b;
}

// The ops and options import brought to the language (issue 12) that have
// no backward kernels yet: refused at the op, never trained as something
// else.
void refuse_untrainable(const ir::Node &n) {
    using K = ir::OpKind;
    switch (n.op) {
    case K::Conv2DTranspose:
    case K::Mul:
    case K::LayerNorm:
    case K::LRN:
    case K::Resize:
    case K::ChannelShuffle:
    case K::Slice:
    case K::ReduceMax:
        throw Unsupported(n.loc, std::string("'netc train' cannot differentiate ") + ir::op_name(n.op) + " yet");
    default: break;
    }
    if (n.groups != 1 && (n.op == K::Conv2D))
        throw Unsupported(n.loc, "'netc train' cannot differentiate grouped convolutions yet");
    if (n.ceil_mode) throw Unsupported(n.loc, "'netc train' cannot differentiate pools with ceil_mode yet");
    if (n.op == K::Pad && n.pad_mode != "CONSTANT")
        throw Unsupported(n.loc, "'netc train' differentiates constant padding only, not " + n.pad_mode);
    switch (n.activation) {
    case ir::Activation::HardSigmoid:
    case ir::Activation::HardSwish:
    case ir::Activation::Swish:
    case ir::Activation::Gelu:
        throw Unsupported(n.loc, std::string("'netc train' cannot differentiate ") + ir::activation_name(n.activation) +
                                     " yet");
    default: break;
    }
}

// A softmax no op reads (slim's `predictions` end point): nothing the loss
// depends on, so training leaves it out rather than refusing the network.
bool unread_softmax(const ir::Graph &g, const ir::Node &n) {
    if (n.op != ir::OpKind::Activation || n.activation != ir::Activation::Softmax) return false;
    for (const ir::Node &m : g.nodes)
        for (int i : m.inputs)
            if (i == n.id) return false;
    return true;
}

}  // namespace

TrainStep::TrainStep(const ir::Graph &g, Objective objective) : g_(g) {
    std::vector<int> tensor_of(g.nodes.size(), -1);
    bool has_loss = false;
    for (const ir::Node &n : g.nodes) has_loss = has_loss || n.op == ir::OpKind::SoftmaxCrossEntropy;
    if (objective == Objective::Benchmark && !has_loss) add_l2_objective(g, tensor_of);
    else
        for (const ir::Node &n : g.nodes)
            if (!unread_softmax(g, n)) add_node(n, tensor_of);
    if (loss_stage_ < 0)
        throw Unsupported(g.nodes.empty() ? Loc() : g.nodes.back().loc,
                          "network '" + g.name + "' has no loss to train: compute one with "
                                                 "softmax_cross_entropy(logits, labels) on an i32[N] labels input");
    if (images_ < 0) throw Unsupported(g.node(g.inputs.at(0)).loc, "network '" + g.name + "' has no f32 image input");
    fuse_residual_adds();
    mark_needs_grad();
}

// A biased convolution whose output only an Add reads, beside a tensor
// computed before the convolution runs (a residual block's shortcut): the
// convolution's forward adds that tensor as well, saving the Add's pass.
// Backward is unchanged (the Add passes dy on, the bias and conv read dy).
void TrainStep::fuse_residual_adds() {
    std::vector<int> readers(tensors_.size(), 0), producer(tensors_.size(), -1);
    for (size_t i = 0; i < stages_.size(); i++) {
        for (int t : stages_[i].in) readers[t]++;
        producer[stages_[i].out] = int(i);
    }
    for (size_t i = 0; i < stages_.size(); i++) {
        Stage &c = stages_[i];
        if (c.kind != StageKind::Conv || c.bias_stage < 0) continue;
        int biased = stages_[c.bias_stage].out;
        if (readers[biased] != 1 || biased == logits_) continue;
        for (size_t j = c.bias_stage + 1; j < stages_.size(); j++) {
            Stage &a = stages_[j];
            if (a.kind != StageKind::Add || a.in.size() != 2) continue;
            if (a.in[0] != biased && a.in[1] != biased) continue;
            int other = a.in[0] == biased ? a.in[1] : a.in[0];
            if (other != biased && producer[other] < int(i) && tensors_[other].dims == tensors_[biased].dims) {
                c.add_stage = int(j);
                c.residual = other;
                a.into_conv = true;
            }
            break;
        }
    }
}

void TrainStep::mark_needs_grad() {
    auto trains = [&](int v) { return v >= 0 && vars_[v].trainable; };
    for (const Stage &s : stages_) {
        bool needs = trains(s.weights) || trains(s.biases) || trains(s.gamma) || trains(s.beta);
        for (int i : s.in) needs = needs || tensors_[i].needs_grad;
        tensors_[s.out].needs_grad = needs;
    }
}

// The reference benchmark's objective, tf.nn.l2_loss of the output: only
// the ops the output depends on become stages (an end point's softmax
// beside the logits is not differentiated), and no weight decay is added.
void TrainStep::add_l2_objective(const ir::Graph &g, std::vector<int> &tensor_of) {
    if (g.outputs.size() != 1)
        throw Unsupported(g.node(g.outputs.at(1)).loc, "'netc bench --backward' differentiates l2_loss of one output; "
                                                       "network '" + g.name + "' returns " +
                                                           std::to_string(g.outputs.size()));
    const ir::Node &out = g.node(g.outputs[0]);
    std::vector<bool> needed(g.nodes.size(), false);
    needed[out.id] = true;
    for (int i = int(g.nodes.size()) - 1; i >= 0; i--)
        if (needed[i])
            for (int j : g.nodes[i].inputs) needed[j] = true;
    for (const ir::Node &n : g.nodes)
        if (needed[n.id]) add_node(n, tensor_of);
    if (out.dtype != ir::DType::F32 || out.op == ir::OpKind::Input)
        throw Unsupported(out.loc, "'netc bench --backward' differentiates l2_loss of a computed f32 output");
    Stage s;
    s.kind = StageKind::Loss;
    s.node = &out;
    s.in = {tensor_of.at(out.id)};
    s.out = add_tensor(ir::Shape(), out.name + "/l2_loss");
    stages_.push_back(std::move(s));
    loss_stage_ = int(stages_.size()) - 1;
    logits_ = stages_.back().in[0];
    l2_ = true;
    for (Variable &v : vars_) v.l2 = 0;
}

int TrainStep::variable(const ir::Node &n, const std::string &leaf, bool required) {
    for (const ir::Param &p : n.params) {
        if (p.name.size() < leaf.size() + 1 || p.name.compare(p.name.size() - leaf.size(), leaf.size(), leaf) != 0 ||
            p.name[p.name.size() - leaf.size() - 1] != '/')
            continue;
        Variable v;
        v.name = p.name;
        v.shape = p.shape;
        v.trainable = p.trainable;
        v.l2 = p.l2;
        v.value = Buf(reversed(p.shape));
        v.value.fill(0.0f);
        if (v.trainable) {
            v.grad = Buf(reversed(p.shape));
            v.grad.fill(0.0f);
        }
        vars_.push_back(std::move(v));
        return static_cast<int>(vars_.size()) - 1;
    }
    if (required) throw InternalError("'" + n.name + "' has no variable '" + leaf + "'");
    return -1;
}

int TrainStep::add_tensor(const ir::Shape &s, const std::string &name) {
    Tensor t;
    t.name = name;
    if (s.rank() == 4) t.dims = {int(s[3]), int(s[2]), int(s[1])};
    else if (s.rank() == 2) t.dims = {int(s[1]), 1, 1};
    else if (s.rank() > 1) throw InternalError("a rank-" + std::to_string(s.rank()) + " training tensor");
    tensors_.push_back(std::move(t));
    return static_cast<int>(tensors_.size()) - 1;
}

void TrainStep::add_node(const ir::Node &n, std::vector<int> &tensor_of) {
    using K = ir::OpKind;
    auto stage = [&](StageKind k, std::vector<int> in, const std::string &suffix) {
        Stage s;
        s.kind = k;
        s.node = &n;
        s.in = std::move(in);
        s.out = add_tensor(n.shape, n.name + suffix);
        stages_.push_back(std::move(s));
        return static_cast<int>(stages_.size()) - 1;
    };
    auto geom = [&]() {
        ConvGeom c;
        c.kh = int(n.kernel_h), c.kw = int(n.kernel_w), c.sh = int(n.stride_h), c.sw = int(n.stride_w);
        c.rh = int(n.rate_h), c.rw = int(n.rate_w), c.pt = int(n.padding.top), c.pl = int(n.padding.left);
        return c;
    };
    int x = n.inputs.empty() ? -1 : tensor_of.at(n.inputs[0]);
    int last = -1;  // the tensor this node's value ends up in
    refuse_untrainable(n);
    switch (n.op) {
    case K::Input:
        if (n.dtype == ir::DType::I32) {
            if (labels_ >= 0) throw Unsupported(n.loc, "'netc train' takes one i32 labels input");
            labels_ = add_tensor(n.shape, n.name);
            last = labels_;
        } else {
            if (images_ >= 0) throw Unsupported(n.loc, "'netc train' takes one f32 image input");
            if (n.shape.rank() != 4 && n.shape.rank() != 2)
                throw Unsupported(n.loc, "'netc train' takes images [N, H, W, C] or vectors [N, K]");
            images_ = add_tensor(n.shape, n.name);
            images_node_ = n.id;
            last = images_;
        }
        break;
    case K::Conv2D:
    case K::DepthwiseConv2D:
    case K::FullyConnected: {
        bool fc = n.op == K::FullyConnected;
        int s = stage(n.op == K::DepthwiseConv2D ? StageKind::Depthwise : StageKind::Conv, {x},
                      n.norm || n.has_bias || n.activation != ir::Activation::None ? "/raw" : "");
        stages_[s].geom = fc ? ConvGeom() : geom();
        const std::string &wname = n.params.at(0).name;  // weights, depthwise_ or pointwise_weights
        stages_[s].weights = variable(n, wname.substr(wname.rfind('/') + 1), true);
        last = stages_[s].out;
        if (n.has_bias) {
            int b = stage(StageKind::Bias, {last}, n.norm || n.activation != ir::Activation::None ? "/biased" : "");
            stages_[b].biases = variable(n, "biases", true);
            if (stages_[s].kind == StageKind::Conv) {
                stages_[s].bias_stage = b;
                stages_[b].into_conv = true;
            }
            last = stages_[b].out;
        }
        break;
    }
    case K::BatchNorm: last = x; break;  // its normalisation follows below
    case K::Activation:
        if (n.activation == ir::Activation::Softmax)
            throw Unsupported(n.loc, "'netc train' cannot differentiate softmax as a layer yet: return the logits "
                                     "and let softmax_cross_entropy apply it");
        last = x;
        break;
    case K::MaxPool:
    case K::AvgPool: {
        if (n.rate_h != 1 || n.rate_w != 1) throw Unsupported(n.loc, "'netc train' cannot differentiate dilated pools");
        int s = stage(n.op == K::MaxPool ? StageKind::MaxPool : StageKind::AvgPool, {x}, "");
        stages_[s].geom = geom();
        last = stages_[s].out;
        break;
    }
    case K::Mean: {
        const ir::Node &in = g_.node(n.inputs[0]);
        if (in.shape.rank() != 4 || n.axes != std::vector<int>{1, 2})
            throw Unsupported(n.loc, "'netc train' differentiates means over the spatial axes [1, 2] only");
        last = stages_[stage(StageKind::Mean, {x}, "")].out;
        break;
    }
    case K::Flatten:
    case K::Squeeze: last = stages_[stage(StageKind::Reshape, {x}, "")].out; break;
    case K::Add: last = stages_[stage(StageKind::Add, {x, tensor_of.at(n.inputs[1])}, "")].out; break;
    case K::Dropout: {
        int s = stage(StageKind::Dropout, {x}, "");
        last = stages_[s].out;
        break;
    }
    case K::SoftmaxCrossEntropy: {
        if (loss_stage_ >= 0) throw Unsupported(n.loc, "'netc train' takes one loss per network");
        if (labels_ < 0 || tensor_of.at(n.inputs[1]) != labels_) throw InternalError("loss without labels");
        loss_stage_ = stage(StageKind::Loss, {x, labels_}, "");
        logits_ = x;
        last = stages_[loss_stage_].out;
        break;
    }
    case K::Concat: {
        std::vector<int> ins;
        for (int i : n.inputs) ins.push_back(tensor_of.at(i));
        last = stages_[stage(StageKind::Concat, ins, "")].out;
        break;
    }
    case K::Pad:
        if (g_.node(n.inputs[0]).shape.rank() != 4) throw Unsupported(n.loc, "'netc train' pads NHWC tensors only");
        last = stages_[stage(StageKind::Pad, {x}, "")].out;
        break;
    default: throw InternalError(std::string("no training stage for op ") + ir::op_name(n.op));
    }
    // Epilogues: a batch norm (a conv's normalizer or the op itself), then the activation.
    int norm_stage = -1;
    if (n.norm && n.op != K::Activation) {
        int s = stage(StageKind::BatchNorm, {last}, n.activation != ir::Activation::None ? "/normalized" : "");
        Stage &b = stages_[s];
        b.gamma = variable(n, "gamma", false);
        b.beta = variable(n, "beta", false);
        b.moving_mean = variable(n, "moving_mean", true);
        b.moving_var = variable(n, "moving_variance", true);
        int64_t c = tensors_[last].dims[0];
        b.ones = filled(int(c), 1.0f);
        b.zeros = filled(int(c), 0.0f);
        b.mean = Buf(int(c));
        b.var = Buf(int(c));
        b.scratch = Buf(int(c));
        b.scratch2 = Buf(int(c));
        last = b.out;
        norm_stage = s;
    }
    if (n.activation != ir::Activation::None && n.activation != ir::Activation::Identity && n.op != K::Input) {
        if (n.activation == ir::Activation::Softmax)
            throw Unsupported(n.loc, "'netc train' cannot differentiate a softmax activation yet: return the logits "
                                     "and let softmax_cross_entropy apply it");
        if (n.op == K::SoftmaxCrossEntropy) throw InternalError("an activation on a loss");
        int s = stage(StageKind::Activation, {last}, "");
        stages_[s].act = n.activation;
        // The normalized tensor is this node's own, read by nothing else.
        if (norm_stage >= 0) {
            stages_[norm_stage].act_stage = s;
            stages_[s].into_norm = true;
        }
        last = stages_[s].out;
    }
    tensor_of[n.id] = last;
}

}  // namespace netc::grad
