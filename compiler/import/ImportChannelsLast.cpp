// ConvNeXt's blocks as torch exports them: the image transposed to
// channels last (netc's own layout, so the Transpose costs nothing), a
// LayerNorm written out as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/
// Add, Linear layers as MatMul over the last axis (1x1 convolutions here),
// and the layer scale, a constant product after the transpose back, folded
// into the last Linear's weights.
#include "ImportCommon.h"

#include <cmath>

namespace netc::import {

namespace {

// A constant input's float values, or null.
const Data *constant(Translator &t, const OnnxNode &n, size_t k) {
    if (!t.has_input(n, k)) return nullptr;
    const Val &v = t.in(n, k);
    return v.data && !v.data->integer ? &*v.data : nullptr;
}

// The index of n's input that is not `value`, or -1.
int other(const OnnxNode &n, const std::string &value) {
    if (n.inputs.size() != 2) return -1;
    if (n.inputs[0] == value && n.inputs[1] != value) return 1;
    if (n.inputs[1] == value && n.inputs[0] != value) return 0;
    return -1;
}

bool transpose(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty()) return false;
    auto perm = attr_ints(n, "perm", {});
    Val v = x;
    v.nchw.clear();
    if (x.dims.size() == 4 && !x.channels_last && x.nchw.empty() && perm == std::vector<int64_t>{0, 2, 3, 1}) {
        v.dims = {x.dims[0], x.dims[2], x.dims[3], x.dims[1]};
        v.channels_last = true;
    } else if (x.dims.size() == 4 && x.channels_last && perm == std::vector<int64_t>{0, 3, 1, 2}) {
        v.dims = {x.dims[0], x.dims[3], x.dims[1], x.dims[2]};
        v.channels_last = false;
    } else {
        t.fail(n, "only transposes of an image to channels last and back are supported");
    }
    t.define(n.outputs[0], std::move(v));
    return true;
}

// The mean over the last axis that opens a written-out LayerNorm.
bool layer_norm(Translator &t, const OnnxNode &m1) {
    const Val &x = t.in(m1, 0);
    if (x.var.empty()) return false;
    int64_t rank = static_cast<int64_t>(x.dims.size());
    auto last_axis = [&](const OnnxNode &r) {
        auto axes = attr_ints(r, "axes", {});
        return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1) && attr_int(r, "keepdims", 1) == 1;
    };
    if (!(x.channels_last || rank == 2) || !last_axis(m1)) return false;
    const std::string &xv = m1.inputs[0];
    auto bad = [&]() { t.fail(m1, "a mean over channels that is not a LayerNorm is not supported"); };
    auto rs = t.readers(xv);
    if (rs.size() != 2) bad();
    const OnnxNode *sub = rs[0] == &m1 ? rs[1] : rs[0];
    if (sub->op != "Sub" || sub->inputs[0] != xv || sub->inputs[1] != m1.outputs[0]) bad();
    auto rd = t.readers(sub->outputs[0]);
    if (rd.size() != 2) bad();
    const OnnxNode *pow = rd[0]->op == "Pow" ? rd[0] : rd[1], *div = rd[0]->op == "Pow" ? rd[1] : rd[0];
    const Data *two = pow->op == "Pow" ? constant(t, *pow, 1) : nullptr;
    if (!two || two->size() != 1 || two->f[0] != 2.0f || div->op != "Div") bad();
    const OnnxNode *m2 = t.sole_reader(pow->outputs[0], {"ReduceMean"});
    if (!m2 || !last_axis(*m2)) bad();
    const OnnxNode *add = t.sole_reader(m2->outputs[0], {"Add"});
    int k = add ? other(*add, m2->outputs[0]) : -1;
    const Data *eps = k >= 0 ? constant(t, *add, k) : nullptr;
    if (!eps || eps->size() != 1 || !(eps->f[0] > 0)) bad();
    const OnnxNode *sq = t.sole_reader(add->outputs[0], {"Sqrt"});
    if (!sq || t.sole_reader(sq->outputs[0], {"Div"}) != div || div->inputs[0] != sub->outputs[0]) bad();
    int64_t C = t.dim(m1, x, rank - 1);
    std::vector<const OnnxNode *> absorbed = {sub, pow, m2, add, sq, div};
    std::string value = div->outputs[0];
    const Data *gamma = nullptr, *beta = nullptr;
    if (const OnnxNode *mul = t.sole_reader(value, {"Mul"})) {
        int j = other(*mul, value);
        gamma = j >= 0 ? constant(t, *mul, j) : nullptr;
        if (gamma && gamma->size() == C) {
            absorbed.push_back(mul);
            value = mul->outputs[0];
        } else {
            gamma = nullptr;
        }
    }
    if (const OnnxNode *ab = t.sole_reader(value, {"Add"})) {
        int j = other(*ab, value);
        beta = j >= 0 ? constant(t, *ab, j) : nullptr;
        if (beta && beta->size() == C) {
            absorbed.push_back(ab);
            value = ab->outputs[0];
        } else {
            beta = nullptr;
        }
    }
    for (auto *node : absorbed) t.absorb(*node);
    std::string scope = t.scope_of(*div);
    std::string args = "layer_norm(" + x.var + ", epsilon = " + Translator::number(eps->f[0]);
    if (!beta) args += ", center = false";
    if (!gamma) args += ", scale = false";
    t.emit(scope, args + ")", scope);
    if (beta) t.weight(scope, "beta", {C}, beta->f);
    if (gamma) t.weight(scope, "gamma", {C}, gamma->f);
    define_tensor(t, value, scope, x.dims, {}, x.channels_last);
    return true;
}

// LayerNormalization (opset 17) over the last axis of a channels-last
// image or an [N, C] matrix.
bool layer_normalization(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty()) return false;
    int64_t rank = static_cast<int64_t>(x.dims.size()), axis = attr_int(n, "axis", -1);
    if (!(x.channels_last || rank == 2) || (axis != -1 && axis != rank - 1))
        t.fail(n, "only a LayerNormalization over the channels of a channels-last image or an [N, C] matrix is supported");
    if (n.outputs.size() > 1) t.fail(n, "the mean and inverse deviation outputs are not supported");
    if (attr_int(n, "stash_type", 1) != 1) t.fail(n, "stash_type other than float is not supported");
    int64_t C = t.dim(n, x, rank - 1);
    const Data *gamma = constant(t, n, 1), *beta = constant(t, n, 2);
    if (!gamma || gamma->size() != C || (t.has_input(n, 2) && (!beta || beta->size() != C)))
        t.fail(n, "its scale and bias must be constants of the channel count");
    Tail tail = fuse_tail(t, n, false);
    std::string scope = t.scope_of(n);
    std::string args = "layer_norm(" + x.var + ", epsilon = " + Translator::number(attr_float(n, "epsilon", 1e-5));
    if (!beta) args += ", center = false";
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    if (beta) t.weight(scope, "beta", {C}, beta->f);
    t.weight(scope, "gamma", {C}, gamma->f);
    define_tensor(t, tail.value, scope, x.dims, {}, x.channels_last);
    return true;
}

// x [N, H, W, C] (channels last) times B [C, K] (+ bias): a 1x1 convolution.
bool pointwise_matmul(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty() || !x.channels_last) return false;
    const Data *b = constant(t, n, 1);
    int64_t C = t.dim(n, x, 3);
    if (!b || b->dims.size() != 2 || b->dims[0] != C) t.fail(n, "only products with a constant [C, K] matrix are supported");
    int64_t K = b->dims[1];
    std::vector<float> w = b->f, bias;
    const OnnxNode *last = &n;
    if (const OnnxNode *add = t.sole_reader(n.outputs[0], {"Add"}))
        if (int j = other(*add, n.outputs[0]); j >= 0)
            if (const Data *c = constant(t, *add, j); c && c->size() == K) {
                bias = c->f;
                t.absorb(*add);
                last = add;
            }
    Tail tail = fuse_tail(t, *last, false);
    // The layer scale: Transpose back to NCHW, then a product by [K, 1, 1].
    std::string value = tail.value;
    bool folded = false;
    if (tail.activation.empty())
        if (const OnnxNode *tr = t.sole_reader(value, {"Transpose"}))
            if (attr_ints(*tr, "perm", {}) == std::vector<int64_t>{0, 3, 1, 2})
                if (const OnnxNode *m = t.sole_reader(tr->outputs[0], {"Mul"}))
                    if (int j = other(*m, tr->outputs[0]); j >= 0)
                        if (const Data *s = constant(t, *m, j); s && s->size() == K &&
                                                                (s->dims.size() == 1 || s->dims.size() == 3)) {
                            for (int64_t r = 0; r < C; r++)
                                for (int64_t o = 0; o < K; o++) w[r * K + o] *= s->f[o];
                            for (int64_t o = 0; o < static_cast<int64_t>(bias.size()); o++) bias[o] *= s->f[o];
                            t.absorb(*tr);
                            t.absorb(*m);
                            value = m->outputs[0];
                            folded = true;
                        }
    std::string scope = t.scope_of(n);
    std::string args = "conv2d(" + x.var + ", " + std::to_string(K) + ", 1";
    if (bias.empty()) args += ", biases = false";
    if (!tail.activation.empty()) args += ", activation = " + tail.activation;
    t.emit(scope, args + ")", scope);
    t.weight(scope, "weights", {1, 1, C, K}, std::move(w));
    if (!bias.empty()) t.weight(scope, "biases", {K}, std::move(bias));
    if (folded) define_tensor(t, value, scope, {x.dims[0], K, x.dims[1], x.dims[2]});
    else define_tensor(t, value, scope, {x.dims[0], x.dims[1], x.dims[2], K}, {}, true);
    return true;
}

}  // namespace

bool translate_channels_last_op(Translator &t, const OnnxNode &n) {
    if (n.op == "Transpose") return transpose(t, n);
    if (n.op == "ReduceMean") return layer_norm(t, n);
    if (n.op == "MatMul") return pointwise_matmul(t, n);
    if (n.op == "LayerNormalization") return layer_normalization(t, n);
    return false;
}

}  // namespace netc::import
