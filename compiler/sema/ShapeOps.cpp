// Built-in ops without variables: reductions, padding, concatenation, adds,
// reshapes and standalone activations.
#include "OpArgs.h"
#include "Shapes.h"

#include <algorithm>

namespace netc {

using K = Value::Kind;
using ir::Node;
using ir::OpKind;

namespace {

Node make(OpKind op, const Node &in, const BoundArgs &b) {
    Node n;
    n.op = op;
    n.loc = b.call;
    n.inputs = {in.id};
    n.shape = in.shape;
    return n;
}

std::vector<int> int_list(const OpArgs &a, const char *name) {
    const Value &v = a.value(name);
    std::vector<int> out;
    if (v.is(K::Int)) return {static_cast<int>(v.i)};
    if (!v.is_sequence()) a.bad(name, "a list of axes");
    for (auto &x : v.elements()) {
        if (!x.is(K::Int) || x.i < -8 || x.i > 8) a.bad(name, "a list of axes");
        out.push_back(static_cast<int>(x.i));
    }
    return out;
}

Value mean(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, op, b);
    const Node &in = a.tensor("inputs");
    if (op == BuiltinOp::ReduceMean) {
        std::vector<int> axes = int_list(a, "axis");
        std::sort(axes.begin(), axes.end());
        if (axes != std::vector<int>{1, 2})
            el.fail(a.loc("axis"), "'reduce_mean' over axes other than the spatial ones [1, 2] is not supported yet");
    }
    Node n = make(OpKind::Mean, in, b);
    n.axes = {1, 2};
    n.keep_dims = a.flag("keep_dims");
    n.shape.dims = n.keep_dims ? std::vector<int64_t>{in.shape[0], 1, 1, in.shape[3]}
                               : std::vector<int64_t>{in.shape[0], in.shape[3]};
    n.name = el.node_name(op_info(op).default_scope, site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

Value pad(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Pad, b);
    const Node &in = a.tensor("inputs");
    const Value &p = a.value("paddings");
    int64_t amounts[4][2] = {};
    auto amount = [](const Value &x) { return x.is(K::Int) && x.i >= 0 && x.i <= 65536; };
    if (amount(p)) {
        amounts[1][0] = amounts[1][1] = amounts[2][0] = amounts[2][1] = p.i;
    } else {
        const char *want = "an int or [[0, 0], [top, bottom], [left, right], [0, 0]]";
        if (!p.is_sequence() || p.elements().size() != 4) a.bad("paddings", want);
        for (int d = 0; d < 4; d++) {
            const Value &row = p.elements()[d];
            if (!row.is_sequence() || row.elements().size() != 2 || !amount(row.elements()[0]) ||
                !amount(row.elements()[1]))
                a.bad("paddings", want);
            amounts[d][0] = row.elements()[0].i;
            amounts[d][1] = row.elements()[1].i;
        }
        if (amounts[0][0] || amounts[0][1] || amounts[3][0] || amounts[3][1])
            el.fail(a.loc("paddings"),
                    "'pad' on the batch or channel axis is not supported yet: their amounts must be 0");
    }
    Node n = make(OpKind::Pad, in, b);
    // tf.pad's modes and ONNX's edge: REFLECT mirrors without repeating the
    // edge (so pads at most size - 1), SYMMETRIC repeats it (at most size).
    n.pad_mode = a.choice("mode", {"CONSTANT", "REFLECT", "SYMMETRIC", "EDGE"});
    int64_t reach = n.pad_mode == "REFLECT" ? 1 : 0;
    if (n.pad_mode == "REFLECT" || n.pad_mode == "SYMMETRIC")
        for (int d = 1; d <= 2; d++)
            if (std::max(amounts[d][0], amounts[d][1]) > in.shape[d] - reach)
                el.fail(a.loc("paddings"), "'pad': " + n.pad_mode + " padding of " +
                                               std::to_string(std::max(amounts[d][0], amounts[d][1])) + " along axis " +
                                               std::to_string(d) + " of " + in.shape.str(el.graph().batch_symbol) +
                                               " needs at most " + std::to_string(in.shape[d] - reach));
    n.padding.mode = "EXPLICIT";
    n.padding.top = amounts[1][0];
    n.padding.bottom = amounts[1][1];
    n.padding.left = amounts[2][0];
    n.padding.right = amounts[2][1];
    n.pad_value = a.number("value");
    if (n.pad_mode != "CONSTANT" && n.pad_value != 0)
        el.fail(a.loc("value"), "'pad': 'value' fills CONSTANT padding only, not " + n.pad_mode);
    n.shape.dims[1] += amounts[1][0] + amounts[1][1];
    n.shape.dims[2] += amounts[2][0] + amounts[2][1];
    n.name = el.node_name("Pad", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

Value concat(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Concat, b);
    const Value &vs = a.value("values");
    if (!vs.is_sequence() || vs.elements().empty()) a.bad("values", "a non-empty list of tensors");
    const Value &axis = a.value("axis");
    if (!axis.is(K::Int) || (axis.i != 3 && axis.i != -1))
        el.fail(a.loc("axis"), "'concat' along an axis other than channels (3) is not supported yet");
    Node n;
    n.op = OpKind::Concat;
    n.loc = b.call;
    int64_t channels = 0;
    const Node *first = nullptr;
    for (auto &v : vs.elements()) {
        if (!v.is(K::Tensor)) a.bad("values", "a list of tensors");
        const Node &t = el.tensor_node(v);
        if (t.shape.rank() != 4) el.fail(a.loc("values"), "'concat' needs NHWC tensors, got " + el.describe(v));
        if (first && (t.shape[1] != first->shape[1] || t.shape[2] != first->shape[2]))
            el.fail(a.loc("values"), "'concat' inputs differ in height or width: " +
                                         first->shape.str(el.graph().batch_symbol) + " and " +
                                         t.shape.str(el.graph().batch_symbol));
        if (!first) first = &t;
        channels += t.shape[3];
        n.inputs.push_back(t.id);
    }
    n.shape.dims = {first->shape[0], first->shape[1], first->shape[2], channels};
    n.name = el.node_name("concat", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

Value add(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Add, b);
    const Node &x = a.tensor("x", 0);
    const Node &y = a.tensor("y", 0);
    if (!(x.shape == y.shape))
        el.fail(b.call, "cannot add tensors of shapes " + x.shape.str(el.graph().batch_symbol) + " and " +
                            y.shape.str(el.graph().batch_symbol));
    Node n = make(OpKind::Add, x, b);
    n.inputs = {x.id, y.id};
    n.name = el.node_name("add", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

Value flatten(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Flatten, b);
    const Node &in = a.tensor("inputs", 0);
    a.choice("order", {"NHWC", "NCHW"});
    if (in.shape.rank() == 2) return Value::tensor(in.id);
    if (in.shape.rank() != 4) el.fail(a.loc("inputs"), "'flatten' needs an NHWC tensor");
    Node n = make(OpKind::Flatten, in, b);
    n.shape.dims = {in.shape[0], in.shape[1] * in.shape[2] * in.shape[3]};
    // ONNX models flatten NCHW tensors: channel-major order.
    n.nchw_order = a.choice("order", {"NHWC", "NCHW"}) == "NCHW" && in.shape[1] * in.shape[2] > 1;
    n.name = el.node_name("Flatten", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

Value squeeze(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Squeeze, b);
    const Node &in = a.tensor("inputs", 0);
    std::vector<int> axes;
    if (a.value("axis").is(K::None)) {
        for (int d = 1; d < in.shape.rank(); d++)
            if (in.shape[d] == 1) axes.push_back(d);
    } else {
        axes = int_list(a, "axis");
        for (int &d : axes) {
            if (d < 0) d += in.shape.rank();
            if (d <= 0 || d >= in.shape.rank() || in.shape[d] != 1)
                el.fail(a.loc("axis"), "'squeeze' cannot drop axis " + std::to_string(d) + " of " +
                                           in.shape.str(el.graph().batch_symbol) + ": it is not of size 1");
        }
    }
    std::sort(axes.begin(), axes.end());
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    if (in.shape.rank() - static_cast<int>(axes.size()) < 2)
        el.fail(b.call, "'squeeze' would leave only the batch axis of " + in.shape.str(el.graph().batch_symbol) +
                            ": tensors of rank 1 are not supported yet; keep one axis (e.g. squeeze(x, [1, 2]) of "
                            "[N, 1, 1, C])");
    Node n = make(OpKind::Squeeze, in, b);
    n.axes = axes;
    n.shape.dims.clear();
    for (int d = 0; d < in.shape.rank(); d++)
        if (std::find(axes.begin(), axes.end(), d) == axes.end()) n.shape.dims.push_back(in.shape[d]);
    n.name = el.node_name("Squeeze", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

Value activation(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, op, b);
    const Node &in = a.tensor("inputs", 0);
    if (op == BuiltinOp::Identity) return Value::tensor(in.id);
    Node n = make(OpKind::Activation, in, b);
    switch (op) {
    case BuiltinOp::Relu: n.activation = ir::Activation::Relu; break;
    case BuiltinOp::Relu6: n.activation = ir::Activation::Relu6; break;
    case BuiltinOp::Sigmoid: n.activation = ir::Activation::Sigmoid; break;
    case BuiltinOp::Tanh: n.activation = ir::Activation::Tanh; break;
    case BuiltinOp::HardSigmoid:
        // PyTorch's Hardsigmoid by default; ONNX's HardSigmoid passes alpha 0.2.
        n.activation = ir::Activation::HardSigmoid;
        n.act_alpha = a.number("alpha");
        n.act_beta = a.number("beta");
        break;
    case BuiltinOp::HardSwish: n.activation = ir::Activation::HardSwish; break;
    case BuiltinOp::Swish: n.activation = ir::Activation::Swish; break;
    case BuiltinOp::Gelu: n.activation = ir::Activation::Gelu; break;
    case BuiltinOp::Softmax: n.activation = ir::Activation::Softmax; break;
    default: throw InternalError("not an activation op");
    }
    n.name = el.node_name(op_info(op).default_scope, site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

// Identity at inference; in training a node of its own (compiler/train
// draws its mask).
Value dropout(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::Dropout, b);
    const Node &in = a.tensor("inputs", 0);
    double keep = a.number("keep_prob");
    if (!(keep > 0 && keep <= 1)) a.bad("keep_prob", "in (0, 1]");
    if (!a.flag("is_training") || keep == 1) return Value::tensor(in.id);
    Node n = make(OpKind::Dropout, in, b);
    n.keep_prob = keep;
    n.name = el.node_name("Dropout", site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

// tf.losses.sparse_softmax_cross_entropy: the mean over the batch, a scalar.
Value softmax_cross_entropy(Elaborator &el, const BoundArgs &b, const std::string &site) {
    OpArgs a(el, BuiltinOp::SoftmaxCrossEntropy, b);
    const Node &logits = a.tensor("logits", 0);
    if (!a.value("labels").is(K::Tensor)) a.bad("labels", "a tensor");
    const Node &labels = el.tensor_node(a.value("labels"));
    if (logits.shape.rank() != 2 || logits.dtype != ir::DType::F32)
        el.fail(a.loc("logits"), "'softmax_cross_entropy' takes logits [N, K], got " + el.describe(a.value("logits")) +
                                     "; flatten or squeeze them first");
    if (labels.op != OpKind::Input || labels.dtype != ir::DType::I32)
        el.fail(a.loc("labels"), "'softmax_cross_entropy' takes labels as a network input of class ids, declared "
                                 "i32[N]; got " + el.describe(a.value("labels")));
    if (logits.shape[1] > (1 << 24))
        el.fail(a.loc("logits"), "'softmax_cross_entropy' supports up to 16777216 classes");
    Node n;
    n.op = OpKind::SoftmaxCrossEntropy;
    n.loc = b.call;
    n.inputs = {logits.id, labels.id};
    n.shape.dims = {};
    n.name = el.node_name(op_info(BuiltinOp::SoftmaxCrossEntropy).default_scope, site, b.call);
    return Value::tensor(el.add_node(std::move(n)));
}

}  // namespace

Value build_shape_op(Elaborator &el, BuiltinOp op, const BoundArgs &b, const std::string &site) {
    switch (op) {
    case BuiltinOp::ReduceMean:
    case BuiltinOp::GlobalAvgPool: return mean(el, op, b, site);
    case BuiltinOp::Pad: return pad(el, b, site);
    case BuiltinOp::Concat: return concat(el, b, site);
    case BuiltinOp::Add: return add(el, b, site);
    case BuiltinOp::Flatten: return flatten(el, b, site);
    case BuiltinOp::Squeeze: return squeeze(el, b, site);
    case BuiltinOp::Dropout: return dropout(el, b, site);
    case BuiltinOp::SoftmaxCrossEntropy: return softmax_cross_entropy(el, b, site);
    default: return activation(el, op, b, site);
    }
}

}  // namespace netc
