// The typed network IR: a DAG of ops in topological order, each with a static
// NHWC shape (batch left symbolic), its attributes and the named variables it
// owns. Every later stage (summary, DOT, lowering to Halide) consumes this.
#pragma once

#include "Source.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netc::ir {

// The batch dimension stays free until run time.
constexpr int64_t kBatch = -1;

struct Shape {
    std::vector<int64_t> dims;
    int rank() const { return static_cast<int>(dims.size()); }
    int64_t operator[](int i) const { return dims.at(i); }
    // "[N, 56, 56, 256]"; a fixed batch replaces the symbol.
    std::string str(const std::string &batch_symbol = "N") const;
    bool operator==(const Shape &o) const { return dims == o.dims; }
};

enum class OpKind {
    Input, Conv2D, DepthwiseConv2D, BatchNorm, Activation, MaxPool, AvgPool,
    Mean, Pad, Concat, Add, FullyConnected, Flatten, Squeeze,
    // Training only (compiler/grad runs them; inference refuses them):
    Dropout,              // keep_prob, a mask drawn per run
    SoftmaxCrossEntropy,  // inputs: logits [N, K], labels [N]; a scalar, the mean over the batch
    // The ops ONNX models need beyond TF-slim's (issue 12).
    Conv2DTranspose, Mul, LayerNorm, LRN, Resize, ChannelShuffle, Slice, ReduceMax,
};

// Element types of network inputs. Integer inputs (class labels) are held
// as float32 in buffers (exact below 2^24), so every kernel stays float32.
enum class DType { F32, I32 };

enum class Activation { None, Relu, Relu6, Sigmoid, Tanh, Softmax, Identity, HardSigmoid, HardSwish, Swish, Gelu };

const char *op_name(OpKind k);
const char *activation_name(Activation a);

// A variable the network reads, named as TF-slim names it.
struct Param {
    std::string name;
    std::vector<int64_t> shape;
    bool trainable = true;
    double l2 = 0;  // weights_regularizer = l2_regularizer(l2): adds l2 * sum(w^2) / 2 to the loss
    int64_t count() const;
};

struct BatchNormAttrs {
    double epsilon = 0.001;
    bool center = true;
    bool scale = false;
    // is_training: normalize with the batch's statistics and move the moving
    // ones toward them by `decay` (TF-slim's training mode).
    bool training = false;
    double decay = 0.999;
};

// Padding resolved to explicit amounts; `mode` keeps how it was asked for.
struct Padding {
    std::string mode;  // "SAME", "VALID" or "EXPLICIT"
    int64_t top = 0, bottom = 0, left = 0, right = 0;
};

struct Node {
    int id = 0;
    OpKind op = OpKind::Input;
    std::string name;  // unique scope path: "resnet_v2_50/block1/unit_1/bottleneck_v2/conv1"
    std::vector<int> inputs;
    Shape shape;
    Loc loc;

    // Convolutions and pools.
    int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, rate_h = 1, rate_w = 1;
    Padding padding;
    int64_t multiplier = 1;         // DepthwiseConv2D
    bool has_bias = false;          // Conv2D, DepthwiseConv2D, FullyConnected
    std::optional<BatchNormAttrs> norm;  // BatchNorm, or a normalizer fused into a conv/fc
    Activation activation = Activation::None;  // applied last
    bool count_padding = false;     // AvgPool: padding counts in the divisor (PyTorch's count_include_pad)
    bool ceil_mode = false;         // pools: PyTorch's ceil_mode (windows may run past the bottom/right padding)
    int64_t groups = 1;             // Conv2D, Conv2DTranspose: channel groups; ChannelShuffle: its groups
    // Conv2DTranspose: PyTorch's output_padding (extra rows/columns at the bottom/right).
    int64_t output_pad_h = 0, output_pad_w = 0;
    // HardSigmoid as this node's activation: clamp(alpha * x + beta, 0, 1).
    double act_alpha = 1.0 / 6, act_beta = 0.5;

    // Pad: [[top, bottom], [left, right]] for H and W; value fills.
    double pad_value = 0;
    std::string pad_mode = "CONSTANT";  // Pad: CONSTANT, REFLECT, SYMMETRIC or EDGE
    // LRN: size, alpha, beta, bias (ONNX's); LayerNorm: epsilon.
    int64_t lrn_size = 0;
    double alpha = 0, beta = 0, bias = 0, epsilon = 0;
    // Resize: mode "nearest"/"bilinear", ONNX's coordinate_transformation_mode
    // and nearest_mode; scales (output/input) as given, or 0 when the output
    // size was given (the scale is then output/input).
    std::string resize_mode, coordinates, nearest_mode;
    double scale_h = 0, scale_w = 0;
    // Slice: the first index taken along each axis (batch first).
    std::vector<int64_t> begin;
    bool nchw_order = false;  // Flatten: in NCHW order, as ONNX models flatten
    // Mean and Squeeze: axes; Mean's keep_dims.
    std::vector<int> axes;
    bool keep_dims = false;
    double keep_prob = 1;            // Dropout
    DType dtype = DType::F32;        // Input

    std::vector<Param> params;
};

struct EndPoint {
    std::string name;
    int node;
};

struct Graph {
    std::string name;          // the network's name
    std::string scope;         // its top scope, e.g. "InceptionV3"
    std::string batch_symbol = "N";
    std::vector<Node> nodes;   // topological order; ids are indices
    std::vector<int> inputs;   // Input nodes, in signature order (named by their node)
    std::vector<int> outputs;  // the returned values, in order
    std::vector<std::string> output_names;  // one per output: the returned variable's or op's name
    std::vector<EndPoint> end_points;

    const Node &node(int id) const { return nodes.at(id); }
    int64_t total_params() const;
    int64_t trainable_params() const;
    // Floating-point operations per image of the multiply-accumulate ops
    // (convolutions, depthwise, fully connected: 2 per MAC), the figure
    // GFLOP/s and % of peak are counted against.
    int64_t flops() const;
    int find(const std::string &name) const;  // node id by name, -1 if none
};

// The first node only `netc train` computes (a loss, dropout or batch norm
// in training mode, an integer labels input), or -1; and why, for an error
// at that node when running the network for inference.
int first_training_node(const Graph &g);
std::string training_only_reason(const Graph &g, int node);

// 2 x multiply-accumulates per image of a conv, depthwise conv or fully
// connected node (its input's channels from the graph); 0 for other ops.
int64_t node_flops(const Graph &g, const Node &n);

}  // namespace netc::ir
