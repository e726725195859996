#include "IRPrinter.h"

#include <sstream>

namespace netc {

namespace {

std::string dims(const std::vector<int64_t> &d) {
    std::string s = "[";
    for (size_t i = 0; i < d.size(); i++) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}

std::string padding(const ir::Padding &p) {
    std::ostringstream os;
    os << p.mode << "(" << p.top << "," << p.bottom << "," << p.left << "," << p.right << ")";
    return os.str();
}

}  // namespace

std::string node_attributes(const ir::Node &n) {
    std::ostringstream os;
    auto sep = [&]() -> std::ostream & { return os << (os.tellp() > 0 ? " " : ""); };
    switch (n.op) {
    case ir::OpKind::Conv2D:
    case ir::OpKind::DepthwiseConv2D:
    case ir::OpKind::Conv2DTranspose:
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool:
        sep() << "kernel=" << n.kernel_h << "x" << n.kernel_w;
        sep() << "stride=" << n.stride_h << "x" << n.stride_w;
        if (n.rate_h > 1 || n.rate_w > 1) sep() << "rate=" << n.rate_h << "x" << n.rate_w;
        sep() << "padding=" << padding(n.padding);
        if (n.op == ir::OpKind::DepthwiseConv2D) sep() << "multiplier=" << n.multiplier;
        if (n.groups > 1) sep() << "groups=" << n.groups;
        if (n.output_pad_h || n.output_pad_w) sep() << "output_padding=" << n.output_pad_h << "x" << n.output_pad_w;
        if (n.count_padding) sep() << "count_padding";
        if (n.ceil_mode) sep() << "ceil_mode";
        break;
    case ir::OpKind::Pad:
        sep() << "pads=" << padding(n.padding);
        if (n.pad_mode != "CONSTANT") sep() << "mode=" << n.pad_mode;
        if (n.pad_value != 0) sep() << "value=" << n.pad_value;
        break;
    case ir::OpKind::LRN:
        sep() << "size=" << n.lrn_size << " alpha=" << n.alpha << " beta=" << n.beta << " bias=" << n.bias;
        break;
    case ir::OpKind::LayerNorm: sep() << "epsilon=" << n.epsilon; break;
    case ir::OpKind::Resize:
        sep() << "mode=" << n.resize_mode << " coordinates=" << n.coordinates;
        if (n.resize_mode == "nearest") sep() << "nearest_mode=" << n.nearest_mode;
        if (n.scale_h > 0) sep() << "scale=" << n.scale_h << "x" << n.scale_w;
        break;
    case ir::OpKind::ChannelShuffle: sep() << "groups=" << n.groups; break;
    case ir::OpKind::Slice: sep() << "begin=" << dims(n.begin); break;
    case ir::OpKind::Flatten:
        if (n.nchw_order) sep() << "order=NCHW";
        break;
    case ir::OpKind::Mean:
    case ir::OpKind::ReduceMax:
    case ir::OpKind::Squeeze: {
        sep() << "axes=[";
        for (size_t i = 0; i < n.axes.size(); i++) os << (i ? "," : "") << n.axes[i];
        os << "]";
        if (n.keep_dims) sep() << "keep_dims";
        break;
    }
    default: break;
    }
    if (n.has_bias) sep() << "bias";
    if (n.norm) {
        std::ostringstream eps;
        eps << n.norm->epsilon;
        sep() << "batch_norm(epsilon=" << eps.str() << (n.norm->center ? ",center" : "")
              << (n.norm->scale ? ",scale" : "") << ")";
    }
    if (n.activation != ir::Activation::None) sep() << "activation=" << ir::activation_name(n.activation);
    if (n.activation == ir::Activation::HardSigmoid) os << "(" << n.act_alpha << "," << n.act_beta << ")";
    return os.str();
}

void print_ir(std::ostream &out, const ir::Graph &g) {
    out << "network " << g.name << " scope \"" << g.scope << "\"\n";
    for (auto &n : g.nodes) {
        out << "  %" << n.id << " = " << ir::op_name(n.op) << " \"" << n.name << "\"";
        if (!n.inputs.empty()) {
            out << " (";
            for (size_t i = 0; i < n.inputs.size(); i++) out << (i ? ", " : "") << "%" << n.inputs[i];
            out << ")";
        }
        out << " : " << n.shape.str(g.batch_symbol);
        std::string attrs = node_attributes(n);
        if (!attrs.empty()) out << " {" << attrs << "}";
        out << "\n";
        for (auto &p : n.params)
            out << "      " << (p.trainable ? "var " : "stat ") << p.name << " " << dims(p.shape) << "\n";
    }
    out << "  return";
    for (size_t i = 0; i < g.outputs.size(); i++) {
        out << (i ? ", %" : " %") << g.outputs[i];
        if (g.outputs.size() > 1) out << " (" << g.output_names[i] << ")";
    }
    out << "\n";
    for (auto &ep : g.end_points) out << "  end_point \"" << ep.name << "\" = %" << ep.node << "\n";
}

}  // namespace netc
