// The ONNX ops of the newer CNN families, as netc's ops for them:
// transposed convolutions, LRN (AlexNet), Resize/Upsample, element-wise
// products (squeeze-and-excitation gates), and ShuffleNet's channel
// rearrangements (the Reshape-Transpose-Reshape shuffle, Slice and Split on
// channels). Everything else they could mean is refused, naming the node.
#include "ImportCommon.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace netc::import {

namespace {

bool conv_transpose(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    const Data &w = t.constant_input(n, 1, "the weights");
    if (w.dims.size() != 4) t.fail(n, "only 2-D transposed convolutions are supported");
    int64_t ci = w.dims[0], cog = w.dims[1], kh = w.dims[2], kw = w.dims[3], group = attr_int(n, "group", 1);
    int64_t co = cog * group;
    if (group < 1 || ci % group || t.dim(n, x, 1) != ci) t.fail(n, "its weights do not match its input's channels");
    if (n.attr("output_shape")) t.fail(n, "output_shape is not supported (give pads and output_padding)");
    std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET") t.fail(n, "auto_pad = " + auto_pad + " is not supported");
    auto strides = attr_ints(n, "strides", {1, 1}), dil = attr_ints(n, "dilations", {1, 1});
    auto pads = attr_ints(n, "pads", {0, 0, 0, 0}), outpad = attr_ints(n, "output_padding", {0, 0});
    for (auto p : pads)
        if (p < 0) t.fail(n, "negative pads are not supported");
    const std::vector<float> *bias = t.has_input(n, 2) ? &t.constant_input(n, 2, "the bias").f : nullptr;
    Tail tail = fuse_tail(t, n, true);
    std::string scope = t.scope_of(n);
    std::string args = "conv2d_transpose(" + x.var + ", " + std::to_string(co) + ", " + pair(kh, kw) +
                       ", stride = " + pair(strides[0], strides[1]) + ", padding = " + padding(pads);
    if (outpad[0] || outpad[1]) args += ", output_padding = " + pair(outpad[0], outpad[1]);
    if (dil[0] != 1 || dil[1] != 1) args += ", rate = " + pair(dil[0], dil[1]);
    if (group > 1) args += ", groups = " + std::to_string(group);
    if (tail.bn) args += ", normalizer = batch_norm";
    else if (!bias) args += ", biases = false";
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    // ONNX [cin, cout/groups, kh, kw] to tf.nn.conv2d_transpose's [kh, kw, cout/groups, cin].
    std::vector<float> tw(w.f.size());
    for (int64_t i = 0; i < ci; i++)
        for (int64_t c = 0; c < cog; c++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t z = 0; z < kw; z++)
                    tw[((y * kw + z) * cog + c) * ci + i] = w.f[((i * cog + c) * kh + y) * kw + z];
    t.weight(scope, "weights", {kh, kw, cog, ci}, std::move(tw));
    if (tail.bn) bn_weights(t, *tail.bn, scope, "BatchNorm/", bias);
    else if (bias) t.weight(scope, "biases", {co}, *bias);
    define_tensor(t, tail.value, scope, out_dims(t, n));
    return true;
}

bool lrn(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    if (x.dims.size() != 4) t.fail(n, "only LRN over an image's channels is supported");
    int64_t size = attr_int(n, "size", 0);
    if (size < 1) t.fail(n, "size must be given and positive");
    std::string scope = t.scope_of(n);
    t.emit(scope,
           "lrn(" + x.var + ", size = " + std::to_string(size) + ", alpha = " +
               Translator::number(attr_float(n, "alpha", 1e-4)) + ", beta = " +
               Translator::number(attr_float(n, "beta", 0.75)) + ", bias = " + Translator::number(attr_float(n, "bias", 1.0)) +
               ")",
           scope);
    define_tensor(t, n.outputs[0], scope, x.dims);
    return true;
}

// Resize (opset 10+) and Upsample on H and W, nearest or bilinear.
bool resize(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    if (x.dims.size() != 4) t.fail(n, "only resizing images is supported");
    std::string mode = attr_string(n, "mode", "nearest");
    if (mode != "nearest" && mode != "linear" && mode != "bilinear") t.fail(n, "mode = " + mode + " is not supported");
    // Opset 10's Resize and Upsample: asymmetric coordinates, floor.
    bool legacy = n.op == "Upsample" || t.model().opset < 11;
    std::string coords = legacy ? "asymmetric" : attr_string(n, "coordinate_transformation_mode", "half_pixel");
    std::string nearest = legacy ? "floor" : attr_string(n, "nearest_mode", "round_prefer_floor");
    if (coords != "half_pixel" && coords != "align_corners" && coords != "asymmetric" && coords != "pytorch_half_pixel")
        t.fail(n, "coordinate_transformation_mode = " + coords + " is not supported");
    if (!legacy && attr_int(n, "exclude_outside", 0)) t.fail(n, "exclude_outside = 1 is not supported");
    std::vector<double> scales;
    std::vector<int64_t> sizes;
    size_t scales_at = legacy ? 1 : 2;
    if (n.op == "Upsample" && n.attr("scales")) {
        for (double v : n.attr("scales")->floats) scales.push_back(v);
    } else if (t.has_input(n, scales_at) && t.constant_input(n, scales_at, "the scales").size() > 0) {
        for (float v : t.constant_input(n, scales_at, "the scales").f) scales.push_back(v);
    }
    if (!legacy && t.has_input(n, 3)) sizes = t.constant_input(n, 3, "the sizes").i;
    std::string target;
    if (!sizes.empty()) {
        if (sizes.size() != 4 || sizes[1] != t.dim(n, x, 1)) t.fail(n, "only resizing height and width is supported");
        target = "size = " + pair(sizes[2], sizes[3]);
    } else {
        if (scales.size() != 4 || scales[0] != 1 || scales[1] != 1) t.fail(n, "only resizing height and width is supported");
        // align_corners maps by (in - 1) / (out - 1): with out = in * scale
        // not whole, ONNX's reference takes the unrounded length and netc
        // (as ONNX Runtime) the floored one.
        for (int d = 0; d < 2; d++) {
            double len = double(t.dim(n, x, 2 + d)) * scales[2 + d];
            if (coords == "align_corners" && len != std::floor(len))
                t.fail(n, "align_corners with a scale that does not give whole sizes is not supported");
        }
        target = "scale = " + (scales[2] == scales[3] ? Translator::number(scales[2])
                                                       : "(" + Translator::number(scales[2]) + ", " +
                                                             Translator::number(scales[3]) + ")");
    }
    std::string args = "resize(" + x.var + ", " + target + ", mode = \"" + (mode == "nearest" ? "nearest" : "bilinear") +
                       "\", coordinates = \"" + coords + "\"";
    if (mode == "nearest") args += ", nearest_mode = \"" + nearest + "\"";
    std::string scope = t.scope_of(n);
    t.emit(scope, args + ")", scope);
    define_tensor(t, n.outputs[0], scope, out_dims(t, n));
    return true;
}

// x * y of two tensors: equal shapes, or an image by an [N, C, 1, 1] gate.
bool multiply(Translator &t, const OnnxNode &n) {
    const Val &a = t.in(n, 0), &b = t.in(n, 1);
    if (a.var.empty() && b.var.empty()) return false;  // shape arithmetic: folded
    if (a.var.empty() || b.var.empty()) t.fail(n, "multiplying a tensor by a constant is not supported");
    auto gate = [](const Val &g, const Val &x) {
        return g.dims.size() == 4 && x.dims.size() == 4 && g.dims[1] == x.dims[1] && g.dims[2] == 1 && g.dims[3] == 1;
    };
    if (a.channels_last != b.channels_last) t.fail(n, "multiplies tensors of different layouts");
    if (a.dims != b.dims && (a.channels_last || (!gate(a, b) && !gate(b, a))))
        t.fail(n, "only products of equal shapes or of an image by an [N, C, 1, 1] gate are supported");
    const Val &big = gate(a, b) ? b : a;
    Tail tail = fuse_tail(t, n, false);
    std::string var = t.scope_of(n);
    std::string expr = a.var + " * " + b.var;
    t.emit(var, tail.activation.empty() ? expr : tail.activation + "(" + expr + ")");
    define_tensor(t, tail.value, var, big.dims, big.nchw, big.channels_last);
    return true;
}

// Reshape [N, C, H, W] -> [N, G, C/G, H, W], Transpose(0, 2, 1, 3, 4),
// Reshape back: channel_shuffle(x, G).
bool shuffle(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty() || x.dims.size() != 4 || !t.in(n, 1).data) return false;
    require_nchw(t, n, x);
    const auto &s = t.in(n, 1).data->i;
    int64_t C = t.dim(n, x, 1), H = t.dim(n, x, 2), W = t.dim(n, x, 3);
    if (s.size() != 5 || s[1] < 1 || s[1] * s[2] != C || s[3] != H || s[4] != W) return false;
    const OnnxNode *tr = t.sole_reader(n.outputs[0], {"Transpose"});
    if (!tr || attr_ints(*tr, "perm", {}) != std::vector<int64_t>{0, 2, 1, 3, 4})
        t.fail(n, "a reshape to 5-D that is not a channel shuffle is not supported");
    const OnnxNode *back = t.sole_reader(tr->outputs[0], {"Reshape"});
    const Val *bs = back ? &t.in(*back, 1) : nullptr;
    if (!bs || !bs->data || bs->data->i.size() != 4 || (bs->data->i[1] != C && bs->data->i[1] != -1) ||
        bs->data->i[2] != H || bs->data->i[3] != W)
        t.fail(n, "a reshape to 5-D that is not a channel shuffle is not supported");
    t.absorb(*tr);
    t.absorb(*back);
    std::string scope = t.scope_of(n);
    t.emit(scope, "channel_shuffle(" + x.var + ", " + std::to_string(s[1]) + ")");
    define_tensor(t, back->outputs[0], scope, x.dims);
    return true;
}

// A box of an image, as netc's slice on NHWC: begin [0, h, w, c], size [-1, h, w, c].
std::string box(const Val &x, const std::vector<int64_t> &begin, const std::vector<int64_t> &size) {
    static const int nhwc_of[4] = {0, 3, 1, 2};  // ONNX axis -> netc axis
    std::vector<int64_t> b(4, 0), s(4, -1);
    for (int d = 1; d < 4; d++) b[nhwc_of[d]] = begin[d], s[nhwc_of[d]] = size[d];
    auto list = [](const std::vector<int64_t> &v) {
        return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) + ", " +
               std::to_string(v[3]) + "]";
    };
    return "slice(" + x.var + ", " + list(b) + ", " + list(s) + ")";
}

bool slice(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty()) return false;  // shape arithmetic: folded
    require_nchw(t, n, x);
    if (x.dims.size() != 4) t.fail(n, "only slices of images are supported");
    std::vector<int64_t> starts, ends, axes, steps;
    if (t.model().opset < 10) {
        starts = attr_ints(n, "starts", {}), ends = attr_ints(n, "ends", {}), axes = attr_ints(n, "axes", {});
    } else {
        starts = t.constant_input(n, 1, "the starts").i, ends = t.constant_input(n, 2, "the ends").i;
        if (t.has_input(n, 3)) axes = t.constant_input(n, 3, "the axes").i;
        if (t.has_input(n, 4)) steps = t.constant_input(n, 4, "the steps").i;
    }
    if (axes.empty())
        for (size_t k = 0; k < starts.size(); k++) axes.push_back(static_cast<int64_t>(k));
    std::vector<int64_t> begin(4, 0), size(4, -1);
    for (size_t k = 0; k < axes.size(); k++) {
        int64_t a = axes[k] < 0 ? axes[k] + 4 : axes[k];
        if (!steps.empty() && steps[k] != 1) t.fail(n, "steps other than 1 are not supported");
        if (a == 0) t.fail(n, "slicing the batch is not supported");
        int64_t d = t.dim(n, x, a), b = starts[k], e = ends[k];
        if (b < 0) b += d;
        if (e < 0) e += d;
        b = std::clamp<int64_t>(b, 0, d), e = std::clamp<int64_t>(e, 0, d);
        if (e <= b) t.fail(n, "an empty slice is not supported");
        begin[a] = b, size[a] = e - b;
    }
    // Shape inference cannot see starts computed from Shape: count here.
    std::vector<int64_t> dims = x.dims;
    for (int d = 1; d < 4; d++)
        if (size[d] >= 0) dims[d] = size[d];
    std::string var = t.scope_of(n);
    t.emit(var, box(x, begin, size));
    define_tensor(t, n.outputs[0], var, dims);
    return true;
}

// Split along channels (or rows, columns): one slice per output.
bool split(Translator &t, const OnnxNode &n) {
    const Val &x = t.tensor_input(n, 0);
    if (x.dims.size() != 4) t.fail(n, "only splits of images are supported");
    int64_t axis = attr_int(n, "axis", 0);
    if (axis < 0) axis += 4;
    if (axis == 0) t.fail(n, "splitting the batch is not supported");
    int64_t d = t.dim(n, x, axis);
    std::vector<int64_t> parts = t.has_input(n, 1) ? t.constant_input(n, 1, "the split").i : attr_ints(n, "split", {});
    if (parts.empty())
        for (size_t k = 0; k < n.outputs.size(); k++) parts.push_back(d / static_cast<int64_t>(n.outputs.size()));
    int64_t at = 0, total = 0;
    for (auto p : parts) total += p;
    if (total != d || parts.size() != n.outputs.size()) t.fail(n, "its parts do not add up to its input");
    std::string base = t.scope_of(n);
    for (size_t k = 0; k < n.outputs.size(); k++) {
        std::vector<int64_t> begin(4, 0), size(4, -1);
        begin[axis] = at, size[axis] = parts[k];
        at += parts[k];
        if (n.outputs[k].empty()) continue;
        std::string var = t.fresh_variable(base + "_" + std::to_string(k));
        t.emit(var, box(x, begin, size));
        std::vector<int64_t> dims = x.dims;
        dims[axis] = parts[k];
        define_tensor(t, n.outputs[k], var, dims);
    }
    return true;
}

}  // namespace

bool translate_block_op(Translator &t, const OnnxNode &n) {
    const std::string &op = n.op;
    if (op == "ConvTranspose") return conv_transpose(t, n);
    if (op == "LRN") return lrn(t, n);
    if (op == "Resize" || op == "Upsample") return resize(t, n);
    if (op == "Mul") return multiply(t, n);
    if (op == "Reshape") return shuffle(t, n);
    if (op == "Slice") return slice(t, n);
    if (op == "Split") return split(t, n);
    return false;
}

}  // namespace netc::import
