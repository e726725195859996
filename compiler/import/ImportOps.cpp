// Each ONNX op the importer knows, as netc statements: convolutions (with
// a lone BatchNormalization and activation fused in), Gemm/MatMul as
// fully_connected, pooling, element-wise and layout ops; and the shape
// arithmetic around Reshape, folded at import time.
#include "Translator.h"

#include <cmath>
#include <limits>

namespace netc::import {

namespace {

// The batch dimension in folded shape arithmetic (Shape of a tensor).
constexpr int64_t kBatchDim = -2;

int64_t attr_int(const OnnxNode &n, const char *name, int64_t def) {
    const Attribute *a = n.attr(name);
    return a && a->kind == Attribute::Int ? a->i : def;
}

double attr_float(const OnnxNode &n, const char *name, double def) {
    const Attribute *a = n.attr(name);
    return a && a->kind == Attribute::Float ? a->f : def;
}

std::vector<int64_t> attr_ints(const OnnxNode &n, const char *name, std::vector<int64_t> def) {
    const Attribute *a = n.attr(name);
    return a && a->kind == Attribute::Ints ? a->ints : def;
}

std::string attr_string(const OnnxNode &n, const char *name, const std::string &def) {
    const Attribute *a = n.attr(name);
    return a && a->kind == Attribute::String ? a->s : def;
}

std::string pair(int64_t a, int64_t b) { return a == b ? std::to_string(a) : "(" + std::to_string(a) + ", " + std::to_string(b) + ")"; }

// ONNX pads [top, left, bottom, right] as netc's padding.
std::string padding(const std::vector<int64_t> &p) {
    if (p[0] == p[2] && p[1] == p[3]) return pair(p[0], p[1]);
    return "((" + std::to_string(p[0]) + ", " + std::to_string(p[2]) + "), (" + std::to_string(p[1]) + ", " +
           std::to_string(p[3]) + "))";
}

// An activation node that can join its producer, as netc's name ("" if none).
std::string activation_of(Translator &t, const OnnxNode &a) {
    if (a.op == "Relu") return "relu";
    if (a.op == "Sigmoid") return "sigmoid";
    if (a.op == "Tanh") return "tanh";
    if (a.op == "Clip") {
        double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
        if (t.model().opset < 11) {
            lo = attr_float(a, "min", lo), hi = attr_float(a, "max", hi);
        } else {
            auto bound = [&](size_t k, double &v) {
                if (!t.has_input(a, k)) return true;
                const Val &b = t.in(a, k);
                if (!b.data || b.data->size() != 1) return false;
                v = b.data->integer ? double(b.data->i[0]) : double(b.data->f[0]);
                return true;
            };
            if (!bound(1, lo) || !bound(2, hi)) return "";
        }
        if (lo == 0 && hi == 6) return "relu6";
        if (lo == 0 && std::isinf(hi)) return "relu";
    }
    return "";
}

// The output dims of n's first output as shape inference gave them.
std::vector<int64_t> out_dims(Translator &t, const OnnxNode &n) {
    auto it = t.model().values.find(n.outputs[0]);
    if (it == t.model().values.end() || !it->second.known_shape) t.fail(n, "its output's shape is unknown");
    return it->second.dims;
}

// A producer's lone BatchNormalization (with the arg_scope's epsilon) and
// then its lone activation join it; returns the value they end in.
struct Tail {
    const OnnxNode *bn = nullptr;
    std::string activation;
    std::string value;
};
Tail fuse_tail(Translator &t, const OnnxNode &n, bool allow_bn) {
    Tail tail;
    tail.value = n.outputs[0];
    if (allow_bn)
        if (const OnnxNode *bn = t.sole_reader(tail.value, {"BatchNormalization"}))
            if (attr_float(*bn, "epsilon", 1e-5) == t.epsilon_default() && bn->outputs.size() == 1) {
                tail.bn = bn;
                tail.value = bn->outputs[0];
                t.absorb(*bn);
            }
    if (const OnnxNode *a = t.sole_reader(tail.value, {"Relu", "Clip", "Sigmoid", "Tanh"})) {
        std::string act = activation_of(t, *a);
        if (!act.empty()) {
            tail.activation = act;
            tail.value = a->outputs[0];
            t.absorb(*a);
        }
    }
    return tail;
}

// gamma, beta, mean, variance of a BatchNormalization; `bias` (a conv's)
// folds into the mean.
void bn_weights(Translator &t, const OnnxNode &bn, const std::string &scope, const std::string &prefix,
                const std::vector<float> *bias) {
    const char *leaf[] = {"gamma", "beta", "moving_mean", "moving_variance"};
    for (int k = 0; k < 4; k++) {
        const Data &d = t.constant_input(bn, k + 1, "a batch-norm parameter");
        std::vector<float> v = d.f;
        if (k == 2 && bias)
            for (size_t c = 0; c < v.size(); c++) v[c] -= (*bias)[c];
        int64_t size = static_cast<int64_t>(v.size());  // before v is moved from
        t.weight(scope, prefix + leaf[k], {size}, std::move(v));
    }
}

void define_tensor(Translator &t, const std::string &value, const std::string &var, std::vector<int64_t> dims,
                   std::vector<int64_t> nchw = {}) {
    Val v;
    v.var = var;
    v.dims = std::move(dims);
    v.nchw = std::move(nchw);
    t.define(value, std::move(v));
}

bool conv(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    const Data &w = t.constant_input(n, 1, "the weights");
    if (w.dims.size() != 4) t.fail(n, "only 2-D convolutions are supported (weights of rank " + std::to_string(w.dims.size()) + ")");
    int64_t co = w.dims[0], cig = w.dims[1], kh = w.dims[2], kw = w.dims[3], ci = t.dim(n, x, 1);
    int64_t group = attr_int(n, "group", 1);
    auto strides = attr_ints(n, "strides", {1, 1}), dil = attr_ints(n, "dilations", {1, 1});
    auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    bool depthwise = group > 1 && group == ci && cig == 1 && co % ci == 0;
    if (group != 1 && !depthwise)
        t.fail(n, "group = " + std::to_string(group) + " (a grouped convolution) is not supported yet");
    std::string pad;
    if (auto_pad == "SAME_UPPER") pad = "SAME";
    else if (auto_pad == "VALID") pad = "VALID";
    else if (auto_pad == "NOTSET") pad = padding(pads);
    else t.fail(n, "auto_pad = " + auto_pad + " is not supported");
    const std::vector<float> *bias = t.has_input(n, 2) ? &t.constant_input(n, 2, "the bias").f : nullptr;
    Tail tail = fuse_tail(t, n, true);
    std::string scope = t.scope_of(n);
    std::string kernel = pair(kh, kw);
    std::string args = depthwise ? "depthwise_conv2d(" + x.var + ", " + kernel +
                                       (co / ci > 1 ? ", multiplier = " + std::to_string(co / ci) : "")
                                 : "conv2d(" + x.var + ", " + std::to_string(co) + ", " + kernel;
    if (strides[0] != 1 || strides[1] != 1) args += ", stride = " + pair(strides[0], strides[1]);
    args += ", padding = " + (pad == "0" ? std::string("VALID") : pad);
    if (dil[0] != 1 || dil[1] != 1) args += ", rate = " + pair(dil[0], dil[1]);
    if (tail.bn) args += ", normalizer = batch_norm";
    else if (!bias) args += ", biases = false";
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    // Weights to TF layouts: [kh, kw, cin, cout], depthwise [kh, kw, cin, multiplier].
    std::vector<float> tw(w.f.size());
    for (int64_t o = 0; o < co; o++)
        for (int64_t c = 0; c < cig; c++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t z = 0; z < kw; z++) {
                    float v = w.f[((o * cig + c) * kh + y) * kw + z];
                    if (depthwise) tw[((y * kw + z) * ci + o / (co / ci)) * (co / ci) + o % (co / ci)] = v;
                    else tw[((y * kw + z) * ci + c) * co + o] = v;
                }
    if (depthwise) t.weight(scope, "depthwise_weights", {kh, kw, ci, co / ci}, std::move(tw));
    else t.weight(scope, "weights", {kh, kw, ci, co}, std::move(tw));
    if (tail.bn) bn_weights(t, *tail.bn, scope, "BatchNorm/", bias);
    else if (bias) t.weight(scope, "biases", {co}, *bias);
    define_tensor(t, tail.value, scope, out_dims(t, n));
    return true;
}

bool batch_norm(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    Tail tail = fuse_tail(t, n, false);
    std::string scope = t.scope_of(n);
    double eps = attr_float(n, "epsilon", 1e-5);
    std::string args = "batch_norm(" + x.var;
    if (eps != t.epsilon_default()) args += ", epsilon = " + Translator::number(eps);
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    bn_weights(t, n, scope, "", nullptr);
    define_tensor(t, tail.value, scope, x.dims);
    return true;
}

// Y = A B^T (transB) or A B, plus C: fully_connected, weights [in, out];
// rows of an NCHW flatten are permuted to NHWC order here.
void dense(Translator &t, const OnnxNode &n, const Val &x, const Data &b, bool trans_b, double alpha,
           const std::vector<float> *bias, double beta, const OnnxNode &last) {
    int64_t in = trans_b ? b.dims[1] : b.dims[0], out = trans_b ? b.dims[0] : b.dims[1];
    if (x.dims.size() != 2 || (x.dims[1] >= 0 && x.dims[1] != in))
        t.fail(n, "its input is not a [N, " + std::to_string(in) + "] matrix");
    Tail tail = fuse_tail(t, last, false);
    std::string scope = t.scope_of(n);
    std::string args = "fully_connected(" + x.var + ", " + std::to_string(out);
    if (!bias) args += ", biases = false";
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    // Row r of the NHWC flatten is channel c at (h, w) of the NCHW one.
    std::vector<int64_t> row(in);
    for (int64_t r = 0; r < in; r++) row[r] = r;
    if (!x.nchw.empty()) {
        int64_t C = x.nchw[0], H = x.nchw[1], W = x.nchw[2];
        for (int64_t h = 0; h < H; h++)
            for (int64_t w = 0; w < W; w++)
                for (int64_t c = 0; c < C; c++) row[(h * W + w) * C + c] = (c * H + h) * W + w;
    }
    std::vector<float> tw(static_cast<size_t>(in * out));
    for (int64_t r = 0; r < in; r++)
        for (int64_t o = 0; o < out; o++)
            tw[r * out + o] = float(alpha) * (trans_b ? b.f[o * in + row[r]] : b.f[row[r] * out + o]);
    t.weight(scope, "weights", {in, out}, std::move(tw));
    if (bias) {
        std::vector<float> bv(out);
        for (int64_t o = 0; o < out; o++) bv[o] = float(beta) * (*bias)[bias->size() == 1 ? 0 : o];
        t.weight(scope, "biases", {out}, std::move(bv));
    }
    define_tensor(t, tail.value, scope, {x.dims[0], out});
}

bool gemm(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    if (attr_int(n, "transA", 0)) t.fail(n, "transA = 1 is not supported");
    const Data &b = t.constant_input(n, 1, "B");
    const std::vector<float> *c = nullptr;
    if (t.has_input(n, 2)) {
        const Data &cd = t.constant_input(n, 2, "C");
        if (cd.dims.size() == 2 && cd.dims[0] != 1) t.fail(n, "a bias C that differs per row is not supported");
        c = &cd.f;
    }
    dense(t, n, x, b, attr_int(n, "transB", 0) != 0, attr_float(n, "alpha", 1.0), c, attr_float(n, "beta", 1.0), n);
    return true;
}

bool matmul(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    const Data &b = t.constant_input(n, 1, "the second matrix");
    if (b.dims.size() != 2) t.fail(n, "only [N, K] x [K, M] products are supported");
    // A following Add of a constant vector is its bias.
    const OnnxNode *add = t.sole_reader(n.outputs[0], {"Add"});
    const std::vector<float> *bias = nullptr;
    if (add) {
        size_t other = add->inputs[0] == n.outputs[0] ? 1 : 0;
        const Val &v = t.in(*add, other);
        if (v.data && !v.data->integer && v.data->size() == b.dims[1]) {
            bias = &v.data->f;
            t.absorb(*add);
        } else {
            add = nullptr;
        }
    }
    dense(t, n, x, b, false, 1.0, bias, 1.0, add ? *add : n);
    return true;
}

bool pool(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    bool max = n.op == "MaxPool";
    auto k = attr_ints(n, "kernel_shape", {});
    if (k.size() != 2) t.fail(n, "only 2-D pooling is supported");
    auto s = attr_ints(n, "strides", {1, 1}), pads = attr_ints(n, "pads", {0, 0, 0, 0});
    if (attr_ints(n, "dilations", {1, 1}) != std::vector<int64_t>{1, 1})
        t.fail(n, "dilations (dilated pooling) are not supported yet");
    std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER")
        t.fail(n, "auto_pad = " + auto_pad + " is not supported");
    if (attr_int(n, "ceil_mode", 0)) {
        // Ceil mode only matters where it adds a window.
        for (int d = 0; d < 2; d++) {
            int64_t span = t.dim(n, x, 2 + d) + pads[d] + pads[d + 2] - k[d];
            if (span % s[d] != 0) t.fail(n, "ceil_mode = 1 adds a window here; that is not supported yet");
        }
    }
    bool padded = pads != std::vector<int64_t>{0, 0, 0, 0};
    if (!max && padded && !attr_int(n, "count_include_pad", 0))
        t.fail(n, "count_include_pad = 0 with padding (the average excluding it) is not supported yet");
    std::string scope = t.scope_of(n);
    std::string pad = auto_pad == "SAME_UPPER" ? "SAME" : padded ? padding(pads) : "VALID";
    if (auto_pad == "SAME_UPPER" && !max && attr_int(n, "count_include_pad", 0))
        t.fail(n, "SAME padding counted in the average is not supported");
    std::string args = std::string(max ? "max_pool2d(" : "avg_pool2d(") + x.var + ", " + pair(k[0], k[1]) +
                       ", stride = " + pair(s[0], s[1]) + ", padding = " + pad + ")";
    Tail tail = fuse_tail(t, n, false);
    if (!tail.activation.empty()) t.fail(n, "an activation after pooling is not fused yet");
    t.emit(scope, args, scope);
    define_tensor(t, tail.value, scope, out_dims(t, n));
    return true;
}

bool global_pool(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    if (n.op == "GlobalMaxPool") t.fail(n, "global max pooling is not supported yet");
    if (n.op == "ReduceMean") {
        auto axes = attr_ints(n, "axes", {});
        if (t.has_input(n, 1)) axes = t.constant_input(n, 1, "the axes").i;
        for (auto &a : axes)
            if (a < 0) a += static_cast<int64_t>(x.dims.size());
        if (x.dims.size() != 4 || axes.size() != 2 || std::min(axes[0], axes[1]) != 2 || std::max(axes[0], axes[1]) != 3)
            t.fail(n, "only the mean over height and width is supported");
    }
    bool keep = n.op != "ReduceMean" || attr_int(n, "keepdims", 1);
    std::string scope = t.scope_of(n);
    t.emit(scope, "reduce_mean(" + x.var + ", [1, 2]" + (keep ? ", keep_dims = true" : "") + ")", scope);
    define_tensor(t, n.outputs[0], scope, keep ? std::vector<int64_t>{x.dims[0], x.dims[1], 1, 1} : std::vector<int64_t>{x.dims[0], x.dims[1]});
    return true;
}

// [N, C, H, W] to [N, C*H*W]: netc flattens NHWC, so the result is marked
// for the dense layer reading it to permute its rows (a 1x1 image needs none).
void flatten_to_2d(Translator &t, const OnnxNode &n, const Val &x) {
    if (x.dims.size() == 2) {
        t.define(n.outputs[0], x);
        return;
    }
    int64_t C = t.dim(n, x, 1), H = t.dim(n, x, 2), W = t.dim(n, x, 3);
    std::string var = t.fresh_variable(x.var + "_flat");
    t.emit(var, "flatten(" + x.var + ")");
    define_tensor(t, n.outputs[0], var, {x.dims[0], C * H * W}, H * W > 1 ? std::vector<int64_t>{C, H, W} : std::vector<int64_t>{});
}

bool flatten(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty()) return false;  // a constant: folded below
    if (attr_int(n, "axis", 1) != 1) t.fail(n, "only axis = 1 is supported");
    flatten_to_2d(t, n, x);
    return true;
}

bool reshape(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty()) return false;
    const Data &shape = t.constant_input(n, 1, "the target shape");
    const std::vector<int64_t> &s = shape.i;
    bool batch_first = !s.empty() && (s[0] == kBatchDim || s[0] == 0 || s[0] == -1 || s[0] == x.dims[0] || s[0] == 1);
    if (s.size() == 2 && batch_first && (s[1] == -1 || x.dims.size() != 4 ||
                                         s[1] == t.dim(n, x, 1) * t.dim(n, x, 2) * t.dim(n, x, 3))) {
        flatten_to_2d(t, n, x);
        return true;
    }
    t.fail(n, "only reshapes that flatten [N, C, H, W] to [N, C*H*W] are supported");
}

bool elementwise(Translator &t, const OnnxNode &n) {
    if (n.op == "Add") {
        const Val &a = t.in(n, 0), &b = t.in(n, 1);
        if (a.var.empty() || b.var.empty()) return false;  // constants: folded below
        if (a.dims != b.dims) t.fail(n, "adds tensors of different shapes (broadcasting is not supported yet)");
        Tail tail = fuse_tail(t, n, false);
        std::string var = t.scope_of(n);
        std::string expr = a.var + " + " + b.var;
        t.emit(var, tail.activation.empty() ? expr : tail.activation + "(" + expr + ")");
        define_tensor(t, tail.value, var, a.dims);
        return true;
    }
    std::string act = activation_of(t, n);
    if (n.op == "Softmax") {
        const Val &x = t.tensor_input(n, 0);
        int64_t axis = attr_int(n, "axis", t.model().opset < 13 ? 1 : -1);
        if (x.dims.size() != 2 || (axis != 1 && axis != -1)) t.fail(n, "only a softmax over [N, K]'s K is supported");
        act = "softmax";
    }
    if (act.empty()) t.fail(n, "this " + n.op + " cannot be expressed in netc");
    const Val &x = t.tensor_input(n, 0);
    std::string scope = t.scope_of(n);
    t.emit(scope, act + "(" + x.var + ")", scope);
    define_tensor(t, n.outputs[0], scope, x.dims);
    return true;
}

bool layout(Translator &t, const OnnxNode &n) {
    if (n.op == "Concat") {
        bool tensors = true;
        for (size_t k = 0; k < n.inputs.size(); k++) tensors &= !t.in(n, k).var.empty();
        if (!tensors) return false;
        int64_t axis = attr_int(n, "axis", 1);
        const Val &x0 = t.in(n, 0);
        if (axis < 0) axis += static_cast<int64_t>(x0.dims.size());
        if (x0.dims.size() != 4 || axis != 1) t.fail(n, "only concatenation of images along channels is supported");
        std::string list;
        for (size_t k = 0; k < n.inputs.size(); k++) list += (k ? ", " : "") + t.in(n, k).var;
        std::string scope = t.scope_of(n);
        t.emit(scope, "concat([" + list + "], 3)", scope);
        define_tensor(t, n.outputs[0], scope, out_dims(t, n));
        return true;
    }
    if (n.op == "Dropout" || n.op == "Identity") {
        t.define(n.outputs[0], t.in(n, 0));
        return true;
    }
    if (n.op == "Pad") {
        const Val &x = t.tensor_input(n, 0);
        std::string mode = attr_string(n, "mode", "constant");
        if (mode != "constant") t.fail(n, "mode = " + mode + " is not supported yet");
        std::vector<int64_t> p = t.model().opset < 11 ? attr_ints(n, "pads", {}) : t.constant_input(n, 1, "the pads").i;
        double value = t.model().opset < 11 ? attr_float(n, "value", 0) : 0;
        if (t.model().opset >= 11 && t.has_input(n, 2)) value = t.constant_input(n, 2, "the value").f.at(0);
        if (x.dims.size() != 4 || p.size() != 8 || p[0] || p[1] || p[4] || p[5])
            t.fail(n, "only padding of an image's height and width is supported");
        std::string scope = t.scope_of(n);
        t.emit(scope, "pad(" + x.var + ", [[0, 0], [" + std::to_string(p[2]) + ", " + std::to_string(p[6]) + "], [" +
                          std::to_string(p[3]) + ", " + std::to_string(p[7]) + "], [0, 0]]" +
                          (value != 0 ? ", value = " + Translator::number(value) : "") + ")",
               scope);
        define_tensor(t, n.outputs[0], scope, out_dims(t, n));
        return true;
    }
    if (n.op == "Squeeze") {
        const Val &x = t.in(n, 0);
        if (x.var.empty()) return false;
        if (x.dims.size() == 4 && x.dims[2] == 1 && x.dims[3] == 1) {
            std::string var = t.fresh_variable(x.var + "_squeezed");
            t.emit(var, "squeeze(" + x.var + ", [1, 2])");
            define_tensor(t, n.outputs[0], var, {x.dims[0], x.dims[1]});
            return true;
        }
        t.fail(n, "only squeezing a 1x1 image to [N, C] is supported");
    }
    return false;
}

}  // namespace

// Shape arithmetic on constants (ShapeFold.cpp).
bool fold_constant(Translator &t, const OnnxNode &n);

bool translate_op(Translator &t, const OnnxNode &n) {
    const std::string &op = n.op;
    if (op == "Conv") return conv(t, n);
    if (op == "BatchNormalization") return batch_norm(t, n);
    if (op == "Gemm") return gemm(t, n);
    if (op == "MatMul") return matmul(t, n);
    if (op == "MaxPool" || op == "AveragePool") return pool(t, n);
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "ReduceMean") return global_pool(t, n);
    if (op == "Flatten" && flatten(t, n)) return true;
    if (op == "Reshape" && reshape(t, n)) return true;
    if ((op == "Add" || op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" || op == "Softmax") &&
        elementwise(t, n))
        return true;
    if (layout(t, n)) return true;
    return fold_constant(t, n);
}

}  // namespace netc::import
