// Each ONNX op the importer knows, as netc statements: convolutions (with
// a lone BatchNormalization and activation fused in), Gemm/MatMul as
// fully_connected, pooling, element-wise and layout ops; and the shape
// arithmetic around Reshape, folded at import time.
#include "ImportCommon.h"

#include <cmath>
#include <limits>

namespace netc::import {

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

// The output dims of n's first output as shape inference gave them.
std::vector<int64_t> out_dims(Translator &t, const OnnxNode &n) {
    auto it = t.model().values.find(n.outputs[0]);
    if (it != t.model().values.end() && it->second.known_shape) return it->second.dims;
    // ONNX's inference stops after a Slice whose bounds came from Shape
    // arithmetic (ShuffleNetV2's chunk); the importer knows those shapes.
    const Val &x = t.in(n, 0);
    if (n.op == "Concat" && x.dims.size() == 4) {
        std::vector<int64_t> d = x.dims;
        for (size_t k = 1; k < n.inputs.size(); k++) d[1] += t.dim(n, t.in(n, k), 1);
        return d;
    }
    if ((n.op == "Conv" || n.op == "MaxPool" || n.op == "AveragePool") && x.dims.size() == 4 &&
        attr_string(n, "auto_pad", "NOTSET") == "NOTSET") {
        std::vector<int64_t> k = n.op == "Conv" ? std::vector<int64_t>{} : attr_ints(n, "kernel_shape", {});
        if (n.op == "Conv") {
            const Data &w = t.constant_input(n, 1, "the weights");
            k = {w.dims[2], w.dims[3]};
        }
        auto s = attr_ints(n, "strides", {1, 1}), p = attr_ints(n, "pads", {0, 0, 0, 0});
        auto dl = attr_ints(n, "dilations", {1, 1});
        int64_t ceil = attr_int(n, "ceil_mode", 0);
        std::vector<int64_t> d = {x.dims[0], n.op == "Conv" ? t.constant_input(n, 1, "the weights").dims[0] : x.dims[1], 0, 0};
        for (int a = 0; a < 2; a++) {
            int64_t span = t.dim(n, x, 2 + a) + p[a] + p[a + 2] - ((k[a] - 1) * dl[a] + 1);
            d[2 + a] = (span + (ceil ? s[a] - 1 : 0)) / s[a] + 1;
        }
        return d;
    }
    t.fail(n, "its output's shape is unknown");
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

void require_nchw(Translator &t, const OnnxNode &n, const Val &v) {
    if (v.channels_last) t.fail(n, "its input is transposed to channels last, which this op cannot take");
}

void define_tensor(Translator &t, const std::string &value, const std::string &var, std::vector<int64_t> dims,
                   std::vector<int64_t> nchw, bool channels_last) {
    Val v;
    v.channels_last = channels_last;
    v.var = var;
    v.dims = std::move(dims);
    v.nchw = std::move(nchw);
    t.define(value, std::move(v));
}

namespace {

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
    if (group < 1 || ci % group || co % group || cig != ci / group)
        t.fail(n, "group = " + std::to_string(group) + " does not divide its " + std::to_string(ci) + " input and " +
                      std::to_string(co) + " output channels as its weights say");
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
                                 : "conv2d(" + x.var + ", " + std::to_string(co) + ", " + kernel +
                                       (group > 1 ? ", groups = " + std::to_string(group) : "");
    if (strides[0] != 1 || strides[1] != 1) args += ", stride = " + pair(strides[0], strides[1]);
    args += ", padding = " + (pad == "0" ? std::string("VALID") : pad);
    if (dil[0] != 1 || dil[1] != 1) args += ", rate = " + pair(dil[0], dil[1]);
    if (tail.bn) args += ", normalizer = batch_norm";
    else if (!bias) args += ", biases = false";
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    // Weights to TF layouts: [kh, kw, cin / groups, cout], depthwise [kh, kw, cin, multiplier].
    std::vector<float> tw(w.f.size());
    for (int64_t o = 0; o < co; o++)
        for (int64_t c = 0; c < cig; c++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t z = 0; z < kw; z++) {
                    float v = w.f[((o * cig + c) * kh + y) * kw + z];
                    if (depthwise) tw[((y * kw + z) * ci + o / (co / ci)) * (co / ci) + o % (co / ci)] = v;
                    else tw[((y * kw + z) * cig + c) * co + o] = v;
                }
    if (depthwise) t.weight(scope, "depthwise_weights", {kh, kw, ci, co / ci}, std::move(tw));
    else t.weight(scope, "weights", {kh, kw, cig, co}, std::move(tw));
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
    if (n.outputs.size() > 1 && !n.outputs[1].empty()) t.fail(n, "the indices output of MaxPool is not supported");
    auto s = attr_ints(n, "strides", {1, 1}), pads = attr_ints(n, "pads", {0, 0, 0, 0});
    auto dil = attr_ints(n, "dilations", {1, 1});
    bool dilated = dil != std::vector<int64_t>{1, 1};
    if (dilated && !max) t.fail(n, "dilations in average pooling are not supported");
    if (attr_int(n, "storage_order", 0)) t.fail(n, "storage_order = 1 is not supported");
    std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER")
        t.fail(n, "auto_pad = " + auto_pad + " is not supported");
    bool ceil = attr_int(n, "ceil_mode", 0) != 0;
    if (ceil && auto_pad == "SAME_UPPER") t.fail(n, "ceil_mode = 1 with auto_pad = SAME_UPPER is not supported");
    if (ceil)
        for (int d = 0; d < 2; d++) {
            // PyTorch drops a last window that starts in the bottom/right
            // padding; ONNX Runtime keeps it. Refuse where they differ.
            int64_t in = t.dim(n, x, 2 + d), span = in + pads[d] + pads[d + 2] - ((k[d] - 1) * dil[d] + 1);
            int64_t out = (span + s[d] - 1) / s[d] + 1;
            if ((out - 1) * s[d] >= in + pads[d])
                t.fail(n, "ceil_mode = 1 makes a last window that starts in the padding (frameworks disagree on it)");
        }
    bool padded = pads != std::vector<int64_t>{0, 0, 0, 0};
    bool count_pad = attr_int(n, "count_include_pad", 0) != 0;
    std::string scope = t.scope_of(n);
    std::string pad = auto_pad == "SAME_UPPER" ? "SAME" : padded && auto_pad == "NOTSET" ? padding(pads) : "VALID";
    std::string args = std::string(max ? "max_pool2d(" : "avg_pool2d(") + x.var + ", " + pair(k[0], k[1]) +
                       ", stride = " + pair(s[0], s[1]) + ", padding = " + pad;
    if (dilated) args += ", rate = " + pair(dil[0], dil[1]);
    if (ceil) args += ", ceil_mode = true";
    // netc's default counts explicit padding and not SAME's; say which.
    if (!max && pad != "VALID") args += std::string(", count_include_pad = ") + (count_pad ? "true" : "false");
    t.emit(scope, args + ")", scope);  // an activation after it stays its own statement
    define_tensor(t, n.outputs[0], scope, out_dims(t, n));
    return true;
}

bool global_pool(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    if (n.op == "GlobalMaxPool") {
        std::string scope = t.scope_of(n);
        t.emit(scope, "reduce_max(" + x.var + ", [1, 2], keep_dims = true)", scope);
        define_tensor(t, n.outputs[0], scope, {x.dims[0], x.dims[1], 1, 1});
        return true;
    }
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
    require_nchw(t, n, x);
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
        if (a.dims != b.dims || a.channels_last != b.channels_last)
            t.fail(n, "adds tensors of different shapes or layouts (broadcasting is not supported yet)");
        Tail tail = fuse_tail(t, n, false);
        std::string var = t.scope_of(n);
        std::string expr = a.var + " + " + b.var;
        t.emit(var, tail.activation.empty() ? expr : tail.activation + "(" + expr + ")");
        define_tensor(t, tail.value, var, a.dims, a.nchw, a.channels_last);
        return true;
    }
    if (n.op != "Softmax") return activation(t, n);
    const Val &x = t.tensor_input(n, 0);
    int64_t axis = attr_int(n, "axis", t.model().opset < 13 ? 1 : -1);
    if (x.dims.size() != 2 || (axis != 1 && axis != -1)) t.fail(n, "only a softmax over [N, K]'s K is supported");
    std::string scope = t.scope_of(n);
    t.emit(scope, "softmax(" + x.var + ")", scope);
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
        for (size_t k = 0; k < n.inputs.size(); k++) require_nchw(t, n, t.in(n, k));
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
        if (mode != "constant" && mode != "reflect" && mode != "edge") t.fail(n, "mode = " + mode + " is not supported");
        std::vector<int64_t> p = t.model().opset < 11 ? attr_ints(n, "pads", {}) : t.constant_input(n, 1, "the pads").i;
        double value = t.model().opset < 11 ? attr_float(n, "value", 0) : 0;
        if (t.model().opset >= 11 && t.has_input(n, 2)) value = t.constant_input(n, 2, "the value").f.at(0);
        if (x.dims.size() != 4 || p.size() != 8 || p[0] || p[1] || p[4] || p[5])
            t.fail(n, "only padding of an image's height and width is supported");
        for (auto v : p)
            if (v < 0) t.fail(n, "negative pads (cropping) are not supported");
        std::string scope = t.scope_of(n);
        t.emit(scope, "pad(" + x.var + ", [[0, 0], [" + std::to_string(p[2]) + ", " + std::to_string(p[6]) + "], [" +
                          std::to_string(p[3]) + ", " + std::to_string(p[7]) + "], [0, 0]]" +
                          (mode == "reflect" ? ", mode = \"REFLECT\"" : mode == "edge" ? ", mode = \"EDGE\"" : "") +
                          (value != 0 && mode == "constant" ? ", value = " + Translator::number(value) : "") + ")",
               scope);
        define_tensor(t, n.outputs[0], scope, out_dims(t, n));
        return true;
    }
    if (n.op == "Squeeze") {
        const Val &x = t.in(n, 0);
        if (x.var.empty()) return false;
        require_nchw(t, n, x);
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
    if (translate_block_op(t, n) || translate_channels_last_op(t, n)) return true;
    if (op == "Conv") return conv(t, n);
    if (op == "BatchNormalization") return batch_norm(t, n);
    if (op == "Gemm") return gemm(t, n);
    if (op == "MatMul") return matmul(t, n);
    if (op == "MaxPool" || op == "AveragePool") return pool(t, n);
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "ReduceMean") return global_pool(t, n);
    if (op == "Flatten" && flatten(t, n)) return true;
    if (op == "Reshape" && reshape(t, n)) return true;
    if ((op == "Add" || op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" || op == "Softmax" ||
         op == "HardSigmoid" || op == "HardSwish" || op == "Div") &&
        elementwise(t, n))
        return true;
    if (layout(t, n)) return true;
    return fold_constant(t, n);
}

}  // namespace netc::import
