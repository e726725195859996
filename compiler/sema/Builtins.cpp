#include "Builtins.h"

#include <stdexcept>

namespace netc {

namespace {

Value op_value(BuiltinOp op, const char *name) {
    Callable c;
    c.kind = Callable::Op;
    c.op = op;
    c.name = name;
    return Value::callable(c);
}

ParamSpec req(const char *name, const char *doc = "") { return {name, true, Value(), doc}; }
ParamSpec opt(const char *name, Value v, const char *doc = "") { return {name, false, std::move(v), doc}; }

std::vector<OpInfo> make_ops() {
    Value relu = op_value(BuiltinOp::Relu, "relu");
    Value none = Value::none();
    Value one = Value::integer(1);
    Value same = Value::string("SAME");
    Value valid = Value::string("VALID");
    Value yes = Value::boolean(true);
    auto conv_tail = [&](std::vector<ParamSpec> ps) {
        ps.push_back(opt("stride", one, "int or (h, w)"));
        ps.push_back(opt("padding", same, "SAME, VALID, or explicit amounts"));
        ps.push_back(opt("rate", one, "dilation: int or (h, w)"));
        ps.push_back(opt("activation", relu, "an activation op or none"));
        ps.push_back(opt("normalizer", none, "batch_norm or none"));
        ps.push_back(opt("biases", yes, "add biases when there is no normalizer"));
        ps.push_back(opt("weights_regularizer", none, "l2_regularizer(scale) or none"));
        return ps;
    };
    std::vector<OpInfo> ops;
    auto with = [](std::vector<ParamSpec> ps, ParamSpec p) {
        ps.push_back(std::move(p));
        return ps;
    };
    ops.push_back({BuiltinOp::Conv2D, "conv2d", "Conv",
                   with(conv_tail({req("inputs"), req("num_outputs"), req("kernel_size", "int or (h, w)")}),
                        opt("groups", one, "channel groups (PyTorch's): weights [kh, kw, cin/groups, cout]")),
                   "2-D convolution, weights [kh, kw, cin/groups, cout]"});
    ops.push_back({BuiltinOp::DepthwiseConv2D, "depthwise_conv2d", "DepthwiseConv2d",
                   conv_tail({req("inputs"), req("kernel_size"), opt("multiplier", one)}),
                   "depthwise convolution, weights [kh, kw, cin, multiplier]"});
    ops.push_back({BuiltinOp::SeparableConv2D, "separable_conv2d", "SeparableConv2d",
                   conv_tail({req("inputs"), req("num_outputs", "none: depthwise only"), req("kernel_size"),
                              opt("multiplier", one)}),
                   "depthwise then 1x1 pointwise convolution"});
    ops.push_back({BuiltinOp::BatchNorm, "batch_norm", "BatchNorm",
                   {req("inputs"), opt("decay", Value::real(0.999)), opt("center", yes),
                    opt("scale", Value::boolean(false)), opt("epsilon", Value::real(0.001)),
                    opt("activation", none),
                    opt("is_training", Value::boolean(false),
                        "true: normalize with the batch's statistics and update the moving ones (netc train)")},
                   "batch normalisation"});
    ops.push_back({BuiltinOp::FullyConnected, "fully_connected", "fully_connected",
                   {req("inputs"), req("num_outputs"), opt("activation", relu), opt("normalizer", none),
                    opt("biases", yes), opt("weights_regularizer", none, "l2_regularizer(scale) or none")},
                   "dense layer on [N, K] inputs, weights [K, num_outputs]"});
    Value no = Value::boolean(false);
    ops.push_back({BuiltinOp::MaxPool2D, "max_pool2d", "MaxPool2D",
                   {req("inputs"), req("kernel_size"), opt("stride", Value::integer(2)), opt("padding", valid),
                    opt("rate", one, "dilation: int or (h, w) (PyTorch's MaxPool2d dilation)"),
                    opt("ceil_mode", no, "PyTorch's ceil_mode: output sizes round up")},
                   "max pooling (padding never wins the max)"});
    ops.push_back({BuiltinOp::AvgPool2D, "avg_pool2d", "AvgPool2D",
                   {req("inputs"), req("kernel_size"), opt("stride", Value::integer(2)), opt("padding", valid),
                    opt("ceil_mode", no, "PyTorch's ceil_mode: output sizes round up"),
                    opt("count_include_pad", none,
                        "padding counts in the divisor; none: for explicit padding (PyTorch), not for SAME (TF)")},
                   "average pooling; SAME excludes padding from the count as TensorFlow does"});
    ops.push_back({BuiltinOp::ReduceMean, "reduce_mean", "Mean",
                   {req("inputs"), req("axis"), opt("keep_dims", Value::boolean(false))},
                   "mean over spatial axes [1, 2]"});
    ops.push_back({BuiltinOp::GlobalAvgPool, "global_avg_pool", "GlobalPool",
                   {req("inputs"), opt("keep_dims", yes)}, "mean over height and width"});
    ops.push_back({BuiltinOp::Pad, "pad", "Pad",
                   {req("inputs"), req("paddings", "int, or [[0,0],[t,b],[l,r],[0,0]]"),
                    opt("mode", Value::string("CONSTANT"), "CONSTANT, REFLECT, SYMMETRIC (tf.pad) or EDGE (ONNX)"),
                    opt("value", Value::real(0), "what CONSTANT fills with")},
                   "explicit spatial padding"});
    ops.push_back({BuiltinOp::Concat, "concat", "concat",
                   {req("values", "a list of tensors"), opt("axis", Value::integer(3))},
                   "concatenation along channels"});
    ops.push_back({BuiltinOp::Add, "add", "add", {req("x"), req("y")}, "elementwise sum of equal shapes"});
    ops.push_back({BuiltinOp::Flatten, "flatten", "Flatten",
                   {req("inputs"), opt("order", Value::string("NHWC"), "NHWC, or NCHW as ONNX models flatten")},
                   "[N, H, W, C] -> [N, H*W*C]"});
    ops.push_back({BuiltinOp::Squeeze, "squeeze", "Squeeze",
                   {req("inputs"), opt("axis", none, "axes to drop; none: every size-1 axis but batch")},
                   "drops size-1 axes"});
    ops.push_back({BuiltinOp::Dropout, "dropout", "Dropout",
                   {req("inputs"), opt("keep_prob", Value::real(0.5)),
                    opt("is_training", Value::boolean(false), "true: keep each value with probability keep_prob")},
                   "identity at inference; in training, x * mask / keep_prob"});
    ops.push_back({BuiltinOp::SoftmaxCrossEntropy, "softmax_cross_entropy", "softmax_cross_entropy_loss",
                   {req("logits", "[N, K] tensor"), req("labels", "i32[N] class ids")},
                   "mean over the batch of -log softmax(logits)[label] (a scalar loss)"});
    ops.push_back({BuiltinOp::Conv2DTranspose, "conv2d_transpose", "Conv2d_transpose",
                   {req("inputs"), req("num_outputs"), req("kernel_size", "int or (h, w)"),
                    opt("stride", one, "int or (h, w)"),
                    opt("padding", same, "SAME, VALID (TF), or explicit amounts cropped from the full output "
                                         "(PyTorch's)"),
                    opt("output_padding", Value::integer(0), "int or (h, w): rows/columns added at the bottom/right"),
                    opt("rate", one, "dilation: int or (h, w)"), opt("groups", one, "channel groups"),
                    opt("activation", relu, "an activation op or none"), opt("normalizer", none, "batch_norm or none"),
                    opt("biases", yes, "add biases when there is no normalizer")},
                   "transposed convolution, weights [kh, kw, cout/groups, cin]"});
    ops.push_back({BuiltinOp::Multiply, "multiply", "mul", {req("x"), req("y")},
                   "elementwise product of equal shapes, or [N, H, W, C] by an [N, 1, 1, C] gate"});
    ops.push_back({BuiltinOp::LayerNorm, "layer_norm", "LayerNorm",
                   {req("inputs"), opt("epsilon", Value::real(1e-6)), opt("center", yes), opt("scale", yes),
                    opt("activation", none)},
                   "normalisation over the channel axis, variables gamma and beta [C]"});
    ops.push_back({BuiltinOp::LRN, "lrn", "LRN",
                   {req("inputs"), opt("size", Value::integer(5), "channels in the window"),
                    opt("alpha", Value::real(1e-4), "divided by size, as ONNX and PyTorch do"),
                    opt("beta", Value::real(0.75)), opt("bias", Value::real(1.0))},
                   "local response normalisation across channels (ONNX LRN)"});
    ops.push_back({BuiltinOp::Resize, "resize", "Resize",
                   {req("inputs"), opt("size", none, "(H, W) of the output"),
                    opt("scale", none, "S or (Sh, Sw): the output is floor(input * S)"),
                    opt("mode", Value::string("nearest"), "nearest or bilinear"),
                    opt("coordinates", none,
                        "half_pixel, align_corners, asymmetric or pytorch_half_pixel (ONNX's); none: asymmetric "
                        "for nearest, half_pixel for bilinear"),
                    opt("nearest_mode", Value::string("floor"),
                        "floor, ceil, round_prefer_floor or round_prefer_ceil (ONNX's)")},
                   "nearest or bilinear resize as ONNX Resize"});
    ops.push_back({BuiltinOp::ChannelShuffle, "channel_shuffle", "ChannelShuffle", {req("inputs"), req("groups")},
                   "ShuffleNet's shuffle: channels as [groups, C/groups], transposed"});
    ops.push_back({BuiltinOp::Split, "split", "split",
                   {req("inputs"), req("num_or_sizes", "a count of equal pieces, or a list of sizes"),
                    opt("axis", Value::integer(3))},
                   "pieces along an axis, as a tuple"});
    ops.push_back({BuiltinOp::Slice, "slice", "Slice",
                   {req("inputs"), req("begin", "[0, h, w, c]"), req("size", "[-1, h, w, c]; -1: to the end")},
                   "a box of the tensor, as tf.slice"});
    ops.push_back({BuiltinOp::ReduceMax, "reduce_max", "Max",
                   {req("inputs"), req("axis"), opt("keep_dims", Value::boolean(false))},
                   "max over spatial axes [1, 2] (global max pooling)"});
    auto act = [&](BuiltinOp op, const char *name, const char *scope, const char *doc) {
        OpInfo info{op, name, scope, {req("inputs")}, doc, true};
        ops.push_back(info);
    };
    ops.push_back({BuiltinOp::HardSigmoid, "hard_sigmoid", "HardSigmoid",
                   {req("inputs"), opt("alpha", Value::real(1.0 / 6)), opt("beta", Value::real(0.5))},
                   "clamp(alpha * x + beta, 0, 1): PyTorch's defaults; ONNX's are alpha 0.2", true});
    act(BuiltinOp::HardSwish, "hard_swish", "HardSwish", "x * relu6(x + 3) / 6");
    act(BuiltinOp::Swish, "swish", "Swish", "x * sigmoid(x) (SiLU)");
    act(BuiltinOp::Gelu, "gelu", "Gelu", "x * (1 + erf(x / sqrt(2))) / 2, the exact form");
    act(BuiltinOp::Relu, "relu", "Relu", "max(x, 0)");
    act(BuiltinOp::Relu6, "relu6", "Relu6", "min(max(x, 0), 6)");
    act(BuiltinOp::Sigmoid, "sigmoid", "Sigmoid", "1 / (1 + exp(-x))");
    act(BuiltinOp::Tanh, "tanh", "Tanh", "tanh(x)");
    act(BuiltinOp::Softmax, "softmax", "Softmax", "softmax over the last axis");
    act(BuiltinOp::Identity, "identity", "Identity", "x");
    return ops;
}

std::vector<FnInfo> make_fns() {
    return {
        {BuiltinFn::Len, "len", 1, 1, "len(seq)", "length of a list, tuple or string"},
        {BuiltinFn::Range, "range", 1, 3, "range([start,] stop[, step])", "a list of ints"},
        {BuiltinFn::Enumerate, "enumerate", 1, 2, "enumerate(seq[, start])", "a list of (index, item)"},
        {BuiltinFn::Zip, "zip", 1, -1, "zip(a, b, ...)", "a list of tuples"},
        {BuiltinFn::Str, "str", 1, 1, "str(v)", "a value as text"},
        {BuiltinFn::Int, "int", 1, 1, "int(v)", "truncates a float"},
        {BuiltinFn::Float, "float", 1, 1, "float(v)", "a number as float"},
        {BuiltinFn::Min, "min", 1, -1, "min(a, b, ...) or min(seq)", "smallest"},
        {BuiltinFn::Max, "max", 1, -1, "max(a, b, ...) or max(seq)", "largest"},
        {BuiltinFn::Abs, "abs", 1, 1, "abs(x)", "absolute value"},
        {BuiltinFn::Sum, "sum", 1, 1, "sum(seq)", "sum of numbers, or concatenation of lists"},
        {BuiltinFn::Channels, "channels", 1, 1, "channels(t)", "last dimension of a tensor"},
        {BuiltinFn::Height, "height", 1, 1, "height(t)", "dimension 1 of an NHWC tensor"},
        {BuiltinFn::Width, "width", 1, 1, "width(t)", "dimension 2 of an NHWC tensor"},
        {BuiltinFn::Shape, "shape", 1, 1, "shape(t)", "static shape as a list (batch is none)"},
        {BuiltinFn::Rank, "rank", 1, 1, "rank(t)", "number of dimensions"},
        {BuiltinFn::Block, "block", 3, 3, "block(scope, unit, args)",
         "slim's Block: fields scope, unit_fn, args"},
        {BuiltinFn::CallScope, "call_scope", 0, 0, "call_scope()",
         "in an inline unit: the name given with @ at its call, else none"},
        {BuiltinFn::ScopePath, "scope_path", 0, 0, "scope_path()", "the current scope path"},
        {BuiltinFn::L2Regularizer, "l2_regularizer", 1, 1, "l2_regularizer(scale)",
         "slim's weights_regularizer: adds scale * sum(w^2) / 2 to the training loss"},
    };
}

}  // namespace

const std::vector<OpInfo> &all_ops() {
    static const std::vector<OpInfo> ops = make_ops();
    return ops;
}

const std::vector<FnInfo> &all_fns() {
    static const std::vector<FnInfo> fns = make_fns();
    return fns;
}

const OpInfo *find_op(const std::string &name) {
    for (auto &o : all_ops())
        if (o.name == name) return &o;
    return nullptr;
}

const OpInfo &op_info(BuiltinOp op) {
    for (auto &o : all_ops())
        if (o.op == op) return o;
    throw std::logic_error("unknown builtin op");
}

const FnInfo *find_fn(const std::string &name) {
    for (auto &f : all_fns())
        if (f.name == name) return &f;
    return nullptr;
}

const FnInfo &fn_info(BuiltinFn fn) {
    for (auto &f : all_fns())
        if (f.fn == fn) return f;
    throw std::logic_error("unknown builtin function");
}

bool find_constant(const std::string &name, Value &out) {
    if (name == "SAME" || name == "VALID") {
        out = Value::string(name);
        return true;
    }
    return false;
}

std::vector<std::string> builtin_names() {
    std::vector<std::string> out{"SAME", "VALID"};
    for (auto &o : all_ops()) out.push_back(o.name);
    for (auto &f : all_fns()) out.push_back(f.name);
    return out;
}

int param_index(const OpInfo &op, const std::string &name) {
    for (size_t i = 0; i < op.params.size(); i++)
        if (op.params[i].name == name) return static_cast<int>(i);
    return -1;
}

}  // namespace netc
