// Built-in ops: argument checks, TensorFlow shape inference and the IR node
// with its variables named as TF-slim names them.
#include "OpArgs.h"
#include "Limits.h"
#include "Shapes.h"

namespace netc {

using K = Value::Kind;
using ir::Node;
using ir::OpKind;

namespace {

ir::Param param(const std::string &node, const std::string &leaf, std::vector<int64_t> shape, bool trainable = true) {
    return ir::Param{node + "/" + leaf, std::move(shape), trainable};
}

}  // namespace

// Batch norm variables in the order TF-slim 1.1 creates them (its Keras
// BatchNormalization layer makes gamma first), then the moving statistics.
void add_bn_params(Node &n, const std::string &scope, int64_t channels) {
    const ir::BatchNormAttrs &bn = *n.norm;
    if (bn.scale) n.params.push_back(param(scope, "gamma", {channels}));
    if (bn.center) n.params.push_back(param(scope, "beta", {channels}));
    n.params.push_back(param(scope, "moving_mean", {channels}, false));
    n.params.push_back(param(scope, "moving_variance", {channels}, false));
}

// b: batch_norm's own arguments, or (for a conv or fully connected op's
// `normalizer = batch_norm`) its defaults where that op is called.
ir::BatchNormAttrs bn_attrs(Elaborator &el, const BoundArgs &b) {
    OpArgs a(el, BuiltinOp::BatchNorm, b);
    ir::BatchNormAttrs bn;
    bn.epsilon = a.number("epsilon");
    if (!(bn.epsilon > 0)) a.bad("epsilon", "a positive number");
    bn.center = a.flag("center");
    bn.scale = a.flag("scale");
    bn.decay = a.number("decay");
    if (!(bn.decay >= 0 && bn.decay <= 1)) a.bad("decay", "in [0, 1]");
    bn.training = a.flag("is_training");
    return bn;
}

// A layer's `normalizer = batch_norm` (with batch_norm's defaults where the
// layer is called) or else, if `biases`, its biases over `channels`.
void add_normalizer_or_biases(Elaborator &el, const OpArgs &a, const BoundArgs &b, Node &n, int64_t channels) {
    if (a.normalizer("normalizer")) {
        n.norm = bn_attrs(el, el.effective_defaults(BuiltinOp::BatchNorm, b.call));
        add_bn_params(n, n.name + "/BatchNorm", channels);
    } else if (a.flag("biases")) {
        n.has_bias = true;
        n.params.push_back(param(n.name, "biases", {channels}));
    }
}

namespace {

// Output size and padding for H and W of a conv or pool window.
void apply_window(Elaborator &el, const OpArgs &a, Node &n, const Node &in) {
    ir::Padding pad = a.padding("padding");
    Window1D h, w;
    std::string err;
    bool explicit_pad = pad.mode == "EXPLICIT";
    if (!window_1d(in.shape[1], n.kernel_h, n.stride_h, n.rate_h, pad.mode, pad.top, pad.bottom, h, err,
                   n.ceil_mode) ||
        !window_1d(in.shape[2], n.kernel_w, n.stride_w, n.rate_w, pad.mode, pad.left, pad.right, w, err, n.ceil_mode))
        el.fail(explicit_pad ? a.loc("padding") : a.loc("kernel_size"),
                "'" + a.op() + "' on " + in.shape.str() + ": " + err);
    // The padded input is a buffer of its own in the kernel (its border).
    ir::Shape padded{{in.shape[0], in.shape[1] + h.pad_before + h.pad_after, in.shape[2] + w.pad_before + w.pad_after,
                      in.shape[3]}};
    std::string why = check_tensor_size("'" + a.op() + "' pads its input " + in.shape.str(el.graph().batch_symbol) +
                                            " to", padded, el.graph().batch_symbol);
    if (!why.empty()) el.fail(explicit_pad ? a.loc("padding") : a.call(), why);
    n.padding = pad;
    n.padding.top = h.pad_before;
    n.padding.bottom = h.pad_after;
    n.padding.left = w.pad_before;
    n.padding.right = w.pad_after;
    n.shape.dims = {in.shape[0], h.out, w.out, in.shape[3]};
}

Value conv(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, op, b);
    const Node &in = a.tensor("inputs");
    int64_t cin = in.shape[3];
    Node n;
    n.loc = b.call;
    n.inputs = {in.id};
    std::tie(n.kernel_h, n.kernel_w) = a.pair("kernel_size");
    std::tie(n.stride_h, n.stride_w) = a.pair("stride");
    std::tie(n.rate_h, n.rate_w) = a.pair("rate");
    if ((n.stride_h > 1 || n.stride_w > 1) && (n.rate_h > 1 || n.rate_w > 1))
        el.fail(a.loc("rate"), "'" + a.op() + "': a stride above 1 cannot be combined with a rate above 1 (TensorFlow forbids it)");
    apply_window(el, a, n, in);
    n.activation = a.activation("activation");
    bool normalize = a.normalizer("normalizer");
    bool biases = a.flag("biases");
    const std::string &base = op_info(op).default_scope;
    std::string name = el.node_name(base, site, b.call);
    int64_t cout = 0;

    if (op == BuiltinOp::Conv2D) {
        cout = a.positive("num_outputs");
        n.op = OpKind::Conv2D;
        n.name = name;
        // Groups split cin and cout as PyTorch's (and ONNX's) group does;
        // each group's weights keep TF's layout.
        n.groups = a.positive("groups", 1 << 16);
        if (cin % n.groups || cout % n.groups)
            el.fail(a.loc("groups"), "'conv2d': groups = " + std::to_string(n.groups) + " must divide the input's " +
                                         std::to_string(cin) + " channels and the " + std::to_string(cout) +
                                         " outputs");
        n.params.push_back(param(name, "weights", {n.kernel_h, n.kernel_w, cin / n.groups, cout}));
        n.params.back().l2 = a.regularizer("weights_regularizer");
    } else {
        int64_t mult = a.positive("multiplier", 1 << 16);
        bool pointwise = op == BuiltinOp::SeparableConv2D && !a.value("num_outputs").is(K::None);
        n.op = OpKind::DepthwiseConv2D;
        n.multiplier = mult;
        n.params.push_back(param(name, "depthwise_weights", {n.kernel_h, n.kernel_w, cin, mult}));
        // slim's separable_conv2d regularizes both kernels with weights_regularizer.
        n.params.back().l2 = a.regularizer("weights_regularizer");
        cout = cin * mult;
        if (pointwise) {
            // slim's separable_conv2d: one scope, a depthwise then a 1x1 conv.
            n.name = name + "/depthwise";
            n.activation = ir::Activation::None;
            n.shape.dims[3] = cout;
            int dw = el.add_node(n);
            Node pw;
            pw.op = OpKind::Conv2D;
            pw.loc = b.call;
            pw.name = name;
            pw.inputs = {dw};
            pw.kernel_h = pw.kernel_w = 1;
            pw.padding.mode = "VALID";
            pw.shape = el.graph().node(dw).shape;
            pw.activation = a.activation("activation");
            int64_t outs = a.positive("num_outputs");
            pw.params.push_back(param(name, "pointwise_weights", {1, 1, cout, outs}));
            pw.params.back().l2 = a.regularizer("weights_regularizer");
            n = std::move(pw);
            cin = cout;
            cout = outs;
        } else {
            n.name = name;
        }
    }
    n.shape.dims[3] = cout;
    if (normalize) {
        n.norm = bn_attrs(el, el.effective_defaults(BuiltinOp::BatchNorm, b.call));
        add_bn_params(n, name + "/BatchNorm", cout);
    } else if (biases) {
        n.has_bias = true;
        n.params.push_back(param(name, "biases", {cout}));
    }
    return Value::tensor(el.add_node(std::move(n)));
}

Value fully_connected(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::FullyConnected, b);
    const Value &x = a.value("inputs");
    if (x.is(K::Tensor) && el.tensor_node(x).shape.rank() != 2)
        el.fail(a.loc("inputs"), "'fully_connected' expects [N, K] input, got " + el.describe(x) +
                                     "; flatten or squeeze it first");
    const Node &in = a.tensor("inputs", 2);
    int64_t k = in.shape[1];
    int64_t outs = a.positive("num_outputs");
    Node n;
    n.op = OpKind::FullyConnected;
    n.loc = b.call;
    n.inputs = {in.id};
    n.name = el.node_name("fully_connected", site, b.call);
    n.shape.dims = {in.shape[0], outs};
    n.activation = a.activation("activation");
    n.params.push_back(param(n.name, "weights", {k, outs}));
    n.params.back().l2 = a.regularizer("weights_regularizer");
    add_normalizer_or_biases(el, a, b, n, outs);
    return Value::tensor(el.add_node(std::move(n)));
}

Value batch_norm(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::BatchNorm, b);
    const Node &in = a.tensor("inputs", 0);
    Node n;
    n.op = OpKind::BatchNorm;
    n.loc = b.call;
    n.inputs = {in.id};
    n.shape = in.shape;
    n.name = el.node_name("BatchNorm", site, b.call);
    n.norm = bn_attrs(el, b);
    n.activation = a.activation("activation");
    add_bn_params(n, n.name, in.shape.dims.back());
    return Value::tensor(el.add_node(std::move(n)));
}

Value pool(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, op, b);
    const Node &in = a.tensor("inputs");
    Node n;
    n.op = op == BuiltinOp::MaxPool2D ? OpKind::MaxPool : OpKind::AvgPool;
    n.loc = b.call;
    n.inputs = {in.id};
    std::tie(n.kernel_h, n.kernel_w) = a.pair("kernel_size");
    std::tie(n.stride_h, n.stride_w) = a.pair("stride");
    if (n.op == OpKind::MaxPool) std::tie(n.rate_h, n.rate_w) = a.pair("rate");
    n.ceil_mode = a.flag("ceil_mode");
    if (n.ceil_mode && a.value("padding").is(K::String) && a.value("padding").str() == "SAME")
        el.fail(a.loc("ceil_mode"), "'" + a.op() + "': ceil_mode applies to VALID or explicit padding (PyTorch's "
                                                    "rule), not to SAME, whose output size is already rounded up");
    apply_window(el, a, n, in);
    // PyTorch's windows each hold an input pixel; wider padding (ONNX allows
    // it) would leave a window of padding alone, a max of nothing.
    for (int axis : {1, 2}) {
        int64_t size = in.shape[axis], out = n.shape[axis];
        int64_t k = axis == 1 ? n.kernel_h : n.kernel_w, s = axis == 1 ? n.stride_h : n.stride_w;
        int64_t d = axis == 1 ? n.rate_h : n.rate_w, before = axis == 1 ? n.padding.top : n.padding.left;
        auto holds_pixel = [&](int64_t start) {
            for (int64_t j = 0; j < k; j++)
                if (start + j * d >= 0 && start + j * d < size) return true;
            return false;
        };
        if (!holds_pixel(-before) || !holds_pixel((out - 1) * s - before))
            el.fail(a.loc("padding"), "'" + a.op() + "' on " + in.shape.str(el.graph().batch_symbol) +
                                          ": a window would cover only padding; pad less than the kernel spans");
    }
    if (n.op == OpKind::AvgPool) {
        const Value &count = a.value("count_include_pad");
        if (count.is(K::None)) n.count_padding = n.padding.mode == "EXPLICIT";
        else n.count_padding = a.flag("count_include_pad");
    }
    n.name = el.node_name(op_info(op).default_scope, site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

}  // namespace

Value build_shape_op(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site);
Value build_import_op(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site);

Value build_op(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    switch (op) {
    case BuiltinOp::Conv2D:
    case BuiltinOp::DepthwiseConv2D:
    case BuiltinOp::SeparableConv2D: return conv(el, op, b, site);
    case BuiltinOp::FullyConnected: return fully_connected(el, b, site);
    case BuiltinOp::BatchNorm: return batch_norm(el, b, site);
    case BuiltinOp::MaxPool2D:
    case BuiltinOp::AvgPool2D: return pool(el, op, b, site);
    case BuiltinOp::Conv2DTranspose:
    case BuiltinOp::Multiply:
    case BuiltinOp::LayerNorm:
    case BuiltinOp::LRN:
    case BuiltinOp::Resize:
    case BuiltinOp::ChannelShuffle:
    case BuiltinOp::Split:
    case BuiltinOp::Slice:
    case BuiltinOp::ReduceMax: return build_import_op(el, op, b, site);
    default: return build_shape_op(el, op, b, site);
    }
}

}  // namespace netc
