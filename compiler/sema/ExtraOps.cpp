// Built-in ops that ONNX models need beyond TF-slim's (issue 12): transposed
// convolution, the broadcasting multiply, layer and local response
// normalisation, resize, and ShuffleNet's channel shuffle, split and slice.
// Each follows the framework named at it; where TensorFlow and PyTorch
// differ, what a model exported from PyTorch to ONNX computes.
#include "OpArgs.h"
#include "Shapes.h"

#include <algorithm>
#include <cmath>

namespace netc {

using K = Value::Kind;
using ir::Node;
using ir::OpKind;

namespace {

ir::Param param(const std::string &node, const std::string &leaf, std::vector<int64_t> shape, bool trainable = true) {
    return ir::Param{node + "/" + leaf, std::move(shape), trainable};
}

Node make(OpKind op, const Node &in, const BoundArgs &b) {
    Node n;
    n.op = op;
    n.loc = b.call;
    n.inputs = {in.id};
    n.shape = in.shape;
    return n;
}

// A non-negative int, or a pair (h, w) of them.
std::pair<int64_t, int64_t> amounts(const OpArgs &a, const char *name) {
    const Value &v = a.value(name);
    auto ok = [](const Value &x) { return x.is(K::Int) && x.i >= 0 && x.i <= 65536; };
    if (ok(v)) return {v.i, v.i};
    if (v.is_sequence() && v.elements().size() == 2 && ok(v.elements()[0]) && ok(v.elements()[1]))
        return {v.elements()[0].i, v.elements()[1].i};
    a.bad(name, "a non-negative int or a pair of them");
}

// conv2d_transpose: PyTorch's ConvTranspose2d (and ONNX's ConvTranspose)
// with TF's weight layout [kh, kw, cout/groups, cin]: output point o gets
// input point i through tap k where o = i * stride + k * rate - pad_before.
// Explicit padding crops the full output, as PyTorch's `padding` does, and
// output_padding adds rows at the bottom (columns at the right); SAME and
// VALID size the output as tf.nn.conv2d_transpose does (input * stride, and
// input * stride + max(span - stride, 0)), which this stores as the
// equivalent PyTorch amounts.
Value conv_transpose(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Conv2DTranspose, b);
    const Node &in = a.tensor("inputs");
    int64_t cin = in.shape[3];
    Node n = make(OpKind::Conv2DTranspose, in, b);
    std::tie(n.kernel_h, n.kernel_w) = a.pair("kernel_size");
    std::tie(n.stride_h, n.stride_w) = a.pair("stride");
    std::tie(n.rate_h, n.rate_w) = a.pair("rate");
    if ((n.stride_h > 1 && n.rate_h > 1) || (n.stride_w > 1 && n.rate_w > 1))
        el.fail(a.loc("rate"), "'conv2d_transpose': a stride above 1 with a rate above 1 on one axis is not "
                               "supported yet");
    auto [oph, opw] = amounts(a, "output_padding");
    ir::Padding pad = a.padding("padding");
    if (pad.mode != "EXPLICIT" && (oph || opw))
        el.fail(a.loc("output_padding"), "'conv2d_transpose': output_padding applies to explicit padding (PyTorch's); "
                                         "SAME and VALID size the output as TensorFlow does");
    if (oph >= std::max(n.stride_h, n.rate_h) || opw >= std::max(n.stride_w, n.rate_w))
        el.fail(a.loc("output_padding"), "'conv2d_transpose': output_padding must be smaller than the stride or the "
                                         "rate (PyTorch's rule)");
    int64_t out[2];
    int64_t before[2], after[2], extra[2] = {oph, opw};
    for (int axis = 0; axis < 2; axis++) {
        int64_t size = in.shape[axis + 1];
        int64_t k = axis ? n.kernel_w : n.kernel_h, s = axis ? n.stride_w : n.stride_h;
        int64_t d = axis ? n.rate_w : n.rate_h;
        int64_t span = (k - 1) * d + 1;
        if (pad.mode == "EXPLICIT") {
            before[axis] = axis ? pad.left : pad.top;
            after[axis] = axis ? pad.right : pad.bottom;
        } else {
            int64_t total = pad.mode == "SAME" ? std::max<int64_t>(span - s, 0) : 0;
            before[axis] = total / 2;
            after[axis] = total - before[axis];
            extra[axis] = std::max<int64_t>(s - span, 0);
        }
        out[axis] = (size - 1) * s + span - before[axis] - after[axis] + extra[axis];
        if (out[axis] < 1)
            el.fail(a.loc("padding"), "'conv2d_transpose' on " + in.shape.str(el.graph().batch_symbol) +
                                          ": the padding crops the whole output");
    }
    n.padding = pad;
    n.padding.top = before[0], n.padding.bottom = after[0];
    n.padding.left = before[1], n.padding.right = after[1];
    n.output_pad_h = extra[0], n.output_pad_w = extra[1];
    int64_t cout = a.positive("num_outputs");
    n.groups = a.positive("groups", 1 << 16);
    if (cin % n.groups || cout % n.groups)
        el.fail(a.loc("groups"), "'conv2d_transpose': groups = " + std::to_string(n.groups) +
                                     " must divide the input's " + std::to_string(cin) + " channels and the " +
                                     std::to_string(cout) + " outputs");
    n.shape.dims = {in.shape[0], out[0], out[1], cout};
    n.activation = a.activation("activation");
    n.name = el.node_name("Conv2d_transpose", site, b.call);
    n.params.push_back(param(n.name, "weights", {n.kernel_h, n.kernel_w, cout / n.groups, cin}));
    add_normalizer_or_biases(el, a, b, n, cout);
    return Value::tensor(el.add_node(std::move(n)));
}

// x * y: equal shapes, or an NHWC tensor by a per-image, per-channel gate
// [N, 1, 1, C] (squeeze-and-excitation), either way round. The full-shape
// operand is the node's first input.
Value multiply(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Multiply, b);
    const Node *x = &a.tensor("x", 0), *y = &a.tensor("y", 0);
    auto gate_of = [](const Node &full, const Node &g) {
        return full.shape.rank() == 4 && g.shape.rank() == 4 && g.shape[1] == 1 && g.shape[2] == 1 &&
               g.shape[3] == full.shape[3];
    };
    if (!(x->shape == y->shape)) {
        if (gate_of(*y, *x)) std::swap(x, y);
        else if (!gate_of(*x, *y))
            el.fail(b.call, "cannot multiply tensors of shapes " + x->shape.str(el.graph().batch_symbol) + " and " +
                                y->shape.str(el.graph().batch_symbol) +
                                ": they must be equal, or one [N, 1, 1, C] with the other's channels");
    }
    Node n = make(OpKind::Mul, *x, b);
    n.inputs = {x->id, y->id};
    n.name = el.node_name("mul", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

// Normalisation over the channel axis of each point (ConvNeXt's LayerNorm
// in channels-last, torch.nn.LayerNorm(C) on NHWC): biased variance,
// (x - mean) / sqrt(var + epsilon) * gamma + beta. Variables as slim's
// layer_norm names them (beta, then gamma).
Value layer_norm(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::LayerNorm, b);
    const Node &in = a.tensor("inputs", 0);
    if (in.shape.rank() != 2 && in.shape.rank() != 4)
        el.fail(a.loc("inputs"), "'layer_norm' needs an [N, H, W, C] or [N, C] tensor, got " + el.describe(a.value("inputs")));
    Node n = make(OpKind::LayerNorm, in, b);
    n.epsilon = a.number("epsilon");
    if (!(n.epsilon > 0)) a.bad("epsilon", "a positive number");
    n.activation = a.activation("activation");
    n.name = el.node_name("LayerNorm", site, b.call);
    int64_t c = in.shape.dims.back();
    if (a.flag("center")) n.params.push_back(param(n.name, "beta", {c}));
    if (a.flag("scale")) n.params.push_back(param(n.name, "gamma", {c}));
    return Value::tensor(el.add_node(std::move(n)));
}

// ONNX's LRN: x / (bias + alpha / size * sum of x^2 over channels
// [c - (size - 1) / 2, c + size / 2])^beta. For odd sizes (AlexNet's 5) it
// is PyTorch's LocalResponseNorm and TF's local_response_normalization with
// depth_radius (size - 1) / 2 and alpha / size.
Value lrn(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::LRN, b);
    const Node &in = a.tensor("inputs");
    Node n = make(OpKind::LRN, in, b);
    n.lrn_size = a.positive("size", 1 << 16);
    n.alpha = a.number("alpha");
    n.beta = a.number("beta");
    n.bias = a.number("bias");
    if (!(n.bias > 0)) a.bad("bias", "a positive number (the base of a power)");
    if (!(n.alpha >= 0)) a.bad("alpha", "a non-negative number");
    n.name = el.node_name("LRN", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

// ONNX's Resize on H and W (opset 13): output size given, or floor(input *
// scale); the coordinate transform and, for nearest, the rounding are
// ONNX's attributes. Torch exports nearest as asymmetric + floor and
// bilinear as pytorch_half_pixel (align_corners=False) or align_corners.
Value resize(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Resize, b);
    const Node &in = a.tensor("inputs");
    Node n = make(OpKind::Resize, in, b);
    const Value &size = a.value("size"), &scale = a.value("scale");
    if (size.is(K::None) == scale.is(K::None))
        el.fail(b.call, "'resize' needs exactly one of 'size' and 'scale'");
    if (!size.is(K::None)) {
        std::tie(n.shape.dims[1], n.shape.dims[2]) = a.pair("size");
    } else {
        auto positive = [](const Value &v) { return v.is_number() && v.as_double() > 0 && v.as_double() <= 65536; };
        if (positive(scale)) {
            n.scale_h = n.scale_w = scale.as_double();
        } else if (scale.is_sequence() && scale.elements().size() == 2 && positive(scale.elements()[0]) &&
                   positive(scale.elements()[1])) {
            n.scale_h = scale.elements()[0].as_double();
            n.scale_w = scale.elements()[1].as_double();
        } else {
            a.bad("scale", "a positive number or a pair (h, w) of them");
        }
        double oh = std::floor(in.shape[1] * n.scale_h), ow = std::floor(in.shape[2] * n.scale_w);
        if (oh < 1 || ow < 1 || oh > 1e9 || ow > 1e9)
            el.fail(a.loc("scale"), "'resize' of " + in.shape.str(el.graph().batch_symbol) + " by this scale has an "
                                                                                            "output of no rows or columns");
        n.shape.dims[1] = static_cast<int64_t>(oh);
        n.shape.dims[2] = static_cast<int64_t>(ow);
    }
    n.resize_mode = a.choice("mode", {"nearest", "bilinear"});
    if (a.value("coordinates").is(K::None))
        n.coordinates = n.resize_mode == "nearest" ? "asymmetric" : "half_pixel";
    else
        n.coordinates = a.choice("coordinates", {"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"});
    n.nearest_mode = a.choice("nearest_mode", {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"});
    n.name = el.node_name("Resize", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

// ShuffleNet's channel_shuffle (torchvision's): channels viewed as [groups,
// C / groups], transposed and flattened, so output channel o is input
// channel (o % groups) * (C / groups) + o / groups.
Value channel_shuffle(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::ChannelShuffle, b);
    const Node &in = a.tensor("inputs");
    Node n = make(OpKind::ChannelShuffle, in, b);
    n.groups = a.positive("groups", 1 << 16);
    if (in.shape[3] % n.groups)
        el.fail(a.loc("groups"), "'channel_shuffle': groups = " + std::to_string(n.groups) + " must divide the " +
                                     std::to_string(in.shape[3]) + " channels");
    n.name = el.node_name("ChannelShuffle", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

int axis_of(Elaborator &el, const OpArgs &a, const Node &in) {
    const Value &v = a.value("axis");
    int rank = in.shape.rank();
    if (!v.is(K::Int) || v.i < -rank || v.i >= rank || v.i == 0 || v.i == -rank)
        el.fail(a.loc("axis"), "'" + a.op() + "': 'axis' must be an axis of " + in.shape.str(el.graph().batch_symbol) +
                                   " other than the batch (1.." + std::to_string(rank - 1) + ")");
    return static_cast<int>(v.i < 0 ? v.i + rank : v.i);
}

// A box of the input: begin offsets and sizes along each axis; the batch
// axis whole.
int slice_node(Elaborator &el, const Node &in, const BoundArgs &b, const std::string &name,
               const std::vector<int64_t> &begin, const std::vector<int64_t> &size) {
    Node n = make(OpKind::Slice, in, b);
    n.begin = begin;
    for (int d = 1; d < in.shape.rank(); d++) n.shape.dims[d] = size[d];
    n.name = name;
    return el.add_node(std::move(n));
}

// tf.split: num_or_sizes pieces of equal size, or pieces of the listed
// sizes (one may be -1: the rest), along `axis`; a tuple of tensors named
// SCOPE/0, SCOPE/1, ...
Value split(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Split, b);
    // A copy: adding the pieces' nodes moves the graph's.
    const Node in = a.tensor("inputs", 0);
    if (in.shape.rank() != 2 && in.shape.rank() != 4)
        el.fail(a.loc("inputs"), "'split' needs an [N, H, W, C] or [N, C] tensor, got " + el.describe(a.value("inputs")));
    int axis = axis_of(el, a, in);
    int64_t extent = in.shape[axis];
    const Value &v = a.value("num_or_sizes");
    std::vector<int64_t> sizes;
    if (v.is(K::Int)) {
        if (v.i < 1 || extent % v.i)
            el.fail(a.loc("num_or_sizes"), "'split' cannot cut " + std::to_string(extent) + " into " +
                                               std::to_string(v.i) + " equal pieces");
        sizes.assign(static_cast<size_t>(v.i), extent / v.i);
    } else if (v.is_sequence() && !v.elements().empty() && v.elements().size() <= 65536) {
        int64_t total = 0, rest = -1;
        for (auto &e : v.elements()) {
            if (!e.is(K::Int) || e.i < -1 || e.i == 0 || (e.i == -1 && rest >= 0) || e.i > extent)
                a.bad("num_or_sizes", "a list of positive sizes, one of them perhaps -1 (the rest)");
            if (e.i == -1) rest = static_cast<int64_t>(sizes.size());
            else total += e.i;
            sizes.push_back(e.i);
        }
        if (rest >= 0) sizes[rest] = extent - total;
        if ((rest >= 0 && sizes[rest] < 1) || (rest < 0 && total != extent))
            el.fail(a.loc("num_or_sizes"), "'split': the sizes must add up to the " + std::to_string(extent) +
                                               " of axis " + std::to_string(axis));
    } else {
        a.bad("num_or_sizes", "a count of equal pieces or a list of sizes");
    }
    std::string name = el.node_name("split", site, b.call);
    el.reserve_name(name, b.call);
    ValueList pieces;
    std::vector<int64_t> begin(in.shape.rank(), 0), size = in.shape.dims;
    for (size_t i = 0; i < sizes.size(); i++) {
        size[axis] = sizes[i];
        pieces.push_back(Value::tensor(slice_node(el, in, b, name + "/" + std::to_string(i), begin, size)));
        begin[axis] += sizes[i];
    }
    if (pieces.size() == 1) return pieces[0];
    return el.made(Value::tuple(std::move(pieces)), b.call);
}

// tf.slice: begin [0, h, w, c] and size [-1, h, w, c] (-1: to the end).
Value slice(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Slice, b);
    const Node &in = a.tensor("inputs", 0);
    int rank = in.shape.rank();
    if (rank != 2 && rank != 4)
        el.fail(a.loc("inputs"), "'slice' needs an [N, H, W, C] or [N, C] tensor, got " + el.describe(a.value("inputs")));
    auto ints = [&](const char *name) {
        const Value &v = a.value(name);
        std::vector<int64_t> out;
        if (v.is_sequence() && static_cast<int>(v.elements().size()) == rank)
            for (auto &e : v.elements())
                if (e.is(K::Int) && e.i >= -1 && e.i <= (int64_t(1) << 30)) out.push_back(e.i);
        if (static_cast<int>(out.size()) != rank)
            a.bad(name, "a list of " + std::to_string(rank) + " ints (one per axis, batch first)");
        return out;
    };
    std::vector<int64_t> begin = ints("begin"), size = ints("size");
    if (begin[0] != 0 || size[0] != -1)
        el.fail(b.call, "'slice' keeps the whole batch: begin[0] must be 0 and size[0] -1");
    for (int d = 1; d < rank; d++) {
        if (size[d] == -1) size[d] = in.shape[d] - begin[d];
        if (begin[d] < 0 || size[d] < 1 || begin[d] + size[d] > in.shape[d])
            el.fail(b.call, "'slice' of " + in.shape.str(el.graph().batch_symbol) + " along axis " + std::to_string(d) +
                                ": " + std::to_string(begin[d]) + " + " + std::to_string(size[d]) +
                                " is out of range");
    }
    return Value::tensor(slice_node(el, in, b, el.node_name("Slice", site, b.call), begin, size));
}

// Global max pooling: tf.reduce_max over [1, 2].
Value reduce_max(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::ReduceMax, b);
    const Node &in = a.tensor("inputs");
    const Value &axis = a.value("axis");
    std::vector<int64_t> axes;
    if (axis.is_sequence())
        for (auto &e : axis.elements()) axes.push_back(e.is(K::Int) ? e.i : -99);
    std::sort(axes.begin(), axes.end());
    if (axes != std::vector<int64_t>{1, 2})
        el.fail(a.loc("axis"), "'reduce_max' over axes other than the spatial ones [1, 2] is not supported yet");
    Node n = make(OpKind::ReduceMax, in, b);
    n.axes = {1, 2};
    n.keep_dims = a.flag("keep_dims");
    n.shape.dims = n.keep_dims ? std::vector<int64_t>{in.shape[0], 1, 1, in.shape[3]}
                               : std::vector<int64_t>{in.shape[0], in.shape[3]};
    n.name = el.node_name("Max", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

}  // namespace

Value build_import_op(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    switch (op) {
    case BuiltinOp::Conv2DTranspose: return conv_transpose(el, b, site);
    case BuiltinOp::Multiply: return multiply(el, b, site);
    case BuiltinOp::LayerNorm: return layer_norm(el, b, site);
    case BuiltinOp::LRN: return lrn(el, b, site);
    case BuiltinOp::Resize: return resize(el, b, site);
    case BuiltinOp::ChannelShuffle: return channel_shuffle(el, b, site);
    case BuiltinOp::Split: return split(el, b, site);
    case BuiltinOp::Slice: return slice(el, b, site);
    case BuiltinOp::ReduceMax: return reduce_max(el, b, site);
    default: break;
    }
    throw InternalError("not an import op");
}

}  // namespace netc
