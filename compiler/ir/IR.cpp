#include "IR.h"

#include <algorithm>

namespace netc::ir {

std::string Shape::str(const std::string &batch_symbol) const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); i++) {
        if (i) s += ", ";
        s += dims[i] == kBatch ? batch_symbol : std::to_string(dims[i]);
    }
    return s + "]";
}

const char *op_name(OpKind k) {
    switch (k) {
    case OpKind::Input: return "input";
    case OpKind::Conv2D: return "conv2d";
    case OpKind::DepthwiseConv2D: return "depthwise_conv2d";
    case OpKind::BatchNorm: return "batch_norm";
    case OpKind::Activation: return "activation";
    case OpKind::MaxPool: return "max_pool2d";
    case OpKind::AvgPool: return "avg_pool2d";
    case OpKind::Mean: return "reduce_mean";
    case OpKind::Pad: return "pad";
    case OpKind::Concat: return "concat";
    case OpKind::Add: return "add";
    case OpKind::FullyConnected: return "fully_connected";
    case OpKind::Flatten: return "flatten";
    case OpKind::Squeeze: return "squeeze";
    case OpKind::Dropout: return "dropout";
    case OpKind::SoftmaxCrossEntropy: return "softmax_cross_entropy";
    case OpKind::Conv2DTranspose: return "conv2d_transpose";
    case OpKind::Mul: return "multiply";
    case OpKind::LayerNorm: return "layer_norm";
    case OpKind::LRN: return "lrn";
    case OpKind::Resize: return "resize";
    case OpKind::ChannelShuffle: return "channel_shuffle";
    case OpKind::Slice: return "slice";
    case OpKind::ReduceMax: return "reduce_max";
    }
    return "?";
}

const char *activation_name(Activation a) {
    switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::Relu6: return "relu6";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
    case Activation::Softmax: return "softmax";
    case Activation::Identity: return "identity";
    case Activation::HardSigmoid: return "hard_sigmoid";
    case Activation::HardSwish: return "hard_swish";
    case Activation::Swish: return "swish";
    case Activation::Gelu: return "gelu";
    }
    return "?";
}

int64_t Param::count() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

int64_t Graph::total_params() const {
    int64_t n = 0;
    for (auto &node : nodes)
        for (auto &p : node.params) n += p.count();
    return n;
}

int64_t Graph::trainable_params() const {
    int64_t n = 0;
    for (auto &node : nodes)
        for (auto &p : node.params)
            if (p.trainable) n += p.count();
    return n;
}

int64_t node_flops(const Graph &g, const Node &n) {
    auto points = [&] {
        int64_t p = 1;
        for (size_t i = 1; i + 1 < n.shape.dims.size(); i++) p *= n.shape.dims[i];
        return p;
    };
    int64_t co = n.shape.dims.empty() ? 0 : n.shape.dims.back();
    switch (n.op) {
    case OpKind::Conv2D:
    case OpKind::FullyConnected: {
        if (n.inputs.empty()) return 0;
        int64_t ci = g.nodes.at(n.inputs[0]).shape.dims.back();
        int64_t k = n.op == OpKind::Conv2D ? n.kernel_h * n.kernel_w : 1;
        return 2 * points() * co * k * (ci / std::max<int64_t>(1, n.groups));
    }
    case OpKind::Conv2DTranspose: {
        // Each input point scatters into kh x kw outputs.
        const Shape &in = g.nodes.at(n.inputs.at(0)).shape;
        int64_t ci = in.dims.back();
        return 2 * in[1] * in[2] * ci * (co / std::max<int64_t>(1, n.groups)) * n.kernel_h * n.kernel_w;
    }
    case OpKind::DepthwiseConv2D: return 2 * points() * co * n.kernel_h * n.kernel_w;
    default: return 0;
    }
}

int64_t Graph::flops() const {
    // Each node's count fits (sema bounds tensors and variables); their sum
    // over a generated network of millions of nodes might not, so it
    // saturates rather than wrapping.
    int64_t f = 0;
    for (auto &n : nodes)
        if (__builtin_add_overflow(f, node_flops(*this, n), &f)) return INT64_MAX;
    return f;
}

int first_training_node(const Graph &g) {
    for (auto &n : g.nodes)
        if (n.op == OpKind::Dropout || n.op == OpKind::SoftmaxCrossEntropy || (n.norm && n.norm->training) ||
            n.dtype != DType::F32)
            return n.id;
    return -1;
}

std::string training_only_reason(const Graph &g, int node) {
    const Node &n = g.node(node);
    std::string why = n.op == OpKind::Dropout              ? "dropout with is_training = true draws a random mask"
                      : n.op == OpKind::SoftmaxCrossEntropy ? "a loss needs labels"
                      : n.dtype != DType::F32               ? "an i32 input holds labels for a loss"
                                                            : "batch_norm with is_training = true normalizes with the "
                                                              "batch's statistics";
    return "network '" + g.name + "' is for training: " + why +
           ", which only 'netc train' computes; to run the network, make is_training a parameter and pass "
           "-D is_training=false (and return the logits, not a loss)";
}

int Graph::find(const std::string &name) const {
    for (auto &n : nodes)
        if (n.name == name) return n.id;
    return -1;
}

}  // namespace netc::ir
