#include "Kernel.h"

#include "Diagnostics.h"
#include "Memory.h"
#include "Schedules.h"

#include <cmath>

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

const rt::Array *find_param(const ir::Node &n, const weights::WeightMap &w, const char *kind) {
    for (auto &p : n.params) {
        size_t slash = p.name.rfind('/');
        if (p.name.compare(slash == std::string::npos ? 0 : slash + 1, std::string::npos, kind) == 0)
            return &w.at(p.name);
    }
    return nullptr;
}

void batch_norm_scale_shift(const ir::Node &n, const weights::WeightMap &w, int64_t channels,
                            std::vector<float> &scale, std::vector<float> &shift) {
    scale.assign(channels, 1.0f);
    shift.assign(channels, 0.0f);
    if (!n.norm) return;
    const rt::Array *gamma = find_param(n, w, "gamma"), *beta = find_param(n, w, "beta");
    const rt::Array *mean = find_param(n, w, "moving_mean"), *var = find_param(n, w, "moving_variance");
    if (!mean || !var) throw InternalError("batch norm '" + n.name + "' has no moving statistics");
    // As TF's inference batch norm: x * (gamma * rsqrt(var + eps)) + (beta - mean * that).
    for (int64_t c = 0; c < channels; c++) {
        double s = 1.0 / std::sqrt(double(var->data[c]) + n.norm->epsilon);
        if (gamma) s *= gamma->data[c];
        scale[c] = static_cast<float>(s);
        shift[c] = static_cast<float>((beta ? beta->data[c] : 0.0) - mean->data[c] * s);
    }
}

Expr activate(Expr v, ir::Activation a, const ir::Node *owner) {
    switch (a) {
    case ir::Activation::Relu: return max(v, 0.0f);
    case ir::Activation::Relu6: return clamp(v, 0.0f, 6.0f);
    case ir::Activation::Sigmoid: return 1.0f / (1.0f + exp(-v));
    case ir::Activation::Tanh: return tanh(v);
    case ir::Activation::HardSigmoid: {
        double alpha = owner ? owner->act_alpha : 1.0 / 6, beta = owner ? owner->act_beta : 0.5;
        return clamp(v * static_cast<float>(alpha) + static_cast<float>(beta), 0.0f, 1.0f);
    }
    case ir::Activation::HardSwish: return v * clamp(v + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f);  // PyTorch's Hardswish
    case ir::Activation::Swish: return v / (1.0f + exp(-v));                                    // SiLU
    case ir::Activation::Gelu: return gelu(v);
    case ir::Activation::None:
    case ir::Activation::Identity: return v;
    case ir::Activation::Softmax: break;
    }
    throw InternalError("softmax cannot run as an epilogue");
}

int channel_block(int64_t channels, int preferred) {
    for (int b = preferred; b >= 16; b /= 2)
        if (channels % b == 0) return b;
    return 0;
}

KernelBuilder::KernelBuilder(const Plan &plan, int step, const weights::WeightMap &w, const tune::TuningTable *tuning)
    : plan_(plan), step_(step), w_(w), tuning_(tuning) {
    k_.name = this->step().name;
}

Func KernelBuilder::output_func() const {
    const std::string &name = step().name;
    return Func(name == anchor().name ? name + "/output" : name);
}

namespace {

// Every dimension's min, extent and stride baked in (the batch's extent
// stays free): addresses become a base plus constant offsets, so the inner
// loops carry no chain of stride additions. Returns the geometry as text
// for the kernel's key, since it is now part of the code.
std::string constrain(OutputImageParam p, const View &v) {
    std::string g = "{";
    for (size_t d = 0; d < v.dims.size(); d++) {
        p.dim(static_cast<int>(d)).set_min(v.dims[d].min).set_extent(v.dims[d].extent).set_stride(v.dims[d].stride);
        g += std::to_string(v.dims[d].min) + ":" + std::to_string(v.dims[d].extent) + ":" +
             std::to_string(v.dims[d].stride) + ",";
    }
    p.dim(static_cast<int>(v.dims.size())).set_min(0).set_stride(static_cast<int>(v.image));
    return g + "n:" + std::to_string(v.image) + "}";
}

std::string constrain_dense(OutputImageParam p, const std::vector<int64_t> &shape) {
    int stride = 1;
    for (int d = 0; d < static_cast<int>(shape.size()); d++) {
        int extent = static_cast<int>(shape[shape.size() - 1 - d]);
        p.dim(d).set_min(0).set_extent(extent).set_stride(stride);
        stride *= extent;
    }
    return "";
}

}  // namespace

ImageParam KernelBuilder::buffer(int b, const std::string &role, int block, bool as_image) {
    const Buffer &buf = plan_.buffers.at(b);
    int dims = as_image ? 4 : buf.shape.rank();
    if (block) dims++;
    ImageParam p(Float(32), dims, k_.name + "/" + role);
    std::string geometry = constrain(p, operand_view(plan_, b, block, as_image, false));
    Operand o;
    o.buffer = b;
    o.block = block;
    o.as_image = as_image;
    k_.params.push_back(p);
    k_.operands.push_back(o);
    roles_.push_back(role + "[" + std::to_string(dims) + (block ? ",b" + std::to_string(block) : "") + "]" + geometry);
    return p;
}

ImageParam KernelBuilder::constant(rt::Array a, const std::string &role) {
    ImageParam p(Float(32), static_cast<int>(a.shape.size()), k_.name + "/" + role);
    constrain_dense(p, a.shape);
    Operand o;
    o.constant = std::move(a);
    roles_.push_back(role + o.constant.shape_str());
    k_.params.push_back(p);
    k_.operands.push_back(std::move(o));
    return p;
}

Expr KernelBuilder::epilogue(Expr v, const std::vector<Var> &at, int block, bool as_image) {
    std::vector<Expr> args(at.begin(), at.end());
    const Step &s = step();
    int64_t channels = plan_.buffers[s.output].shape.dims.back();
    for (auto &e : s.epilogue) {
        switch (e.kind) {
        case Epilogue::Activate: {
            const ir::Node &owner = plan_.graph.nodes[e.node];
            v = activate(v, e.activation, &owner);
            epilogue_key_ += std::string("|") + activation_key(e.activation, owner);
            break;
        }
        case Epilogue::MulBuffer: {
            // A gate [N, 1, 1, C] is read at the point's image and channel.
            ImageParam other = buffer(e.buffer, e.gate ? "gate" : "factor", block, as_image);
            std::vector<Expr> at_gate = args;
            if (e.gate) at_gate[block ? 2 : 1] = at_gate[block ? 3 : 2] = 0;
            v = v * other(at_gate);
            epilogue_key_ += e.gate ? "|gate" : "|mul";
            break;
        }
        case Epilogue::AddBuffer: {
            ImageParam other = buffer(e.buffer, "residual", block, as_image);
            v = v + other(args);
            epilogue_key_ += "|add";
            break;
        }
        case Epilogue::ScaleShift: {
            std::vector<float> scale, shift;
            batch_norm_scale_shift(plan_.graph.nodes[e.node], w_, channels, scale, shift);
            rt::Array a, b;
            a.shape = b.shape = block ? std::vector<int64_t>{channels / block, block} : std::vector<int64_t>{channels};
            a.data = std::move(scale);
            b.data = std::move(shift);
            ImageParam ps = constant(std::move(a), "BatchNorm/scale"), pb = constant(std::move(b), "BatchNorm/shift");
            v = block ? v * ps(at[0], at[1]) + pb(at[0], at[1]) : v * ps(at[0]) + pb(at[0]);
            epilogue_key_ += "|bn";
            break;
        }
        }
    }
    return v;
}

Kernel KernelBuilder::finish(Func out, int block, const std::string &key, bool as_image) {
    buffer(step().output, "output", block, as_image);
    k_.params.pop_back();  // the output is the Func itself
    roles_.back() += constrain(out.output_buffer(), operand_view(plan_, step().output, block, as_image, true));
    k_.output = out;
    k_.key = key + epilogue_key_ + " args:";
    for (auto &r : roles_) k_.key += " " + r;
    return std::move(k_);
}

namespace {

Kernel lower_anchor(const Plan &plan, int step, const weights::WeightMap &w, const Target &target,
                    const tune::TuningTable *tuning) {
    KernelBuilder kb(plan, step, w, tuning);
    switch (kb.anchor().op) {
    case OpKind::Conv2D:
    case OpKind::FullyConnected: return lower_conv(kb, w, target);
    case OpKind::DepthwiseConv2D: return lower_depthwise(kb, w, target);
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::Mean: return lower_pool(kb, target);
    case OpKind::BatchNorm:
    case OpKind::Activation:
    case OpKind::Add: return lower_elementwise(kb, w, target);
    case OpKind::Concat:
        if (gathers_channels(plan, kb.step())) return lower_channels(kb, target);
        return lower_layout(kb, target);
    case OpKind::Pad:
    case OpKind::Flatten:
    case OpKind::Squeeze: return lower_layout(kb, target);
    case OpKind::Mul: return lower_elementwise(kb, w, target);
    case OpKind::ReduceMax: return lower_pool(kb, target);
    case OpKind::Conv2DTranspose: return lower_conv_transpose(kb, w, target);
    case OpKind::LayerNorm:
    case OpKind::LRN: return lower_normalize(kb, w, target);
    case OpKind::Resize: return lower_resize(kb, target);
    case OpKind::ChannelShuffle:
    case OpKind::Slice: return lower_channels(kb, target);
    case OpKind::Input: break;
    }
    throw InternalError("no lowering for " + std::string(ir::op_name(kb.anchor().op)));
}

}  // namespace

Kernel lower_step(const Plan &plan, int step, const weights::WeightMap &w, const Target &target,
                  const tune::TuningTable *tuning) {
    Kernel k = lower_anchor(plan, step, w, target, tuning);
    k.flops = ir::node_flops(plan.graph, plan.graph.nodes[plan.steps[step].anchor]);
    for (auto &p : plan.steps[step].prologue) k.flops += ir::node_flops(plan.graph, plan.graph.nodes[p.node]);
    if (target.has_gpu_feature()) schedule::schedule_gpu(k.output);
    return k;
}

}  // namespace netc::lower
