// The language's built-in ops (which build IR) and functions (which compute
// compile-time values): names, parameters and defaults. Defaults follow
// TF-slim, so a network reads as its Python original does.
#pragma once

#include "Value.h"

#include <string>
#include <vector>

namespace netc {

enum class BuiltinOp {
    Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNorm, FullyConnected,
    MaxPool2D, AvgPool2D, ReduceMean, GlobalAvgPool, Pad, Concat, Add,
    Flatten, Squeeze, Dropout, Relu, Relu6, Sigmoid, Tanh, Softmax, Identity,
    SoftmaxCrossEntropy,
    // The ops ONNX models need beyond TF-slim's (issue 12).
    Conv2DTranspose, Multiply, LayerNorm, LRN, Resize, ChannelShuffle, Split, Slice, ReduceMax,
    HardSigmoid, HardSwish, Swish, Gelu,
};

enum class BuiltinFn {
    Len, Range, Enumerate, Zip, Str, Int, Float, Min, Max, Abs, Sum,
    Channels, Height, Width, Shape, Rank, Block, CallScope, ScopePath,
    L2Regularizer,
};

struct ParamSpec {
    std::string name;
    bool required = false;
    Value default_value;
    std::string doc;
};

struct OpInfo {
    BuiltinOp op;
    std::string name;
    std::string default_scope;  // slim's default scope name: "Conv", "MaxPool2D", ...
    std::vector<ParamSpec> params;
    std::string doc;
    // Ops that take one tensor as their first argument can also be used as an
    // activation or normalizer value.
    bool is_activation = false;
};

struct FnInfo {
    BuiltinFn fn;
    std::string name;
    int min_args, max_args;  // max -1: any
    std::string signature;
    std::string doc;
};

const OpInfo *find_op(const std::string &name);
const OpInfo &op_info(BuiltinOp op);
const FnInfo *find_fn(const std::string &name);
const FnInfo &fn_info(BuiltinFn fn);
const std::vector<OpInfo> &all_ops();
const std::vector<FnInfo> &all_fns();

// Named constants every module sees: SAME, VALID.
bool find_constant(const std::string &name, Value &out);
std::vector<std::string> builtin_names();

// Index of a parameter by name, -1 if the op has none.
int param_index(const OpInfo &op, const std::string &name);

}  // namespace netc
