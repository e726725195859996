// Activations: the one-node ones a producer absorbs (Relu, Clip as relu or
// relu6, Sigmoid, Tanh, HardSigmoid with PyTorch's constants, HardSwish)
// and the multi-node forms exporters write for SiLU, Hardswish (opset < 14)
// and GELU, recognised whole so the .net program says swish(x), not
// x * sigmoid(x), and the plan fuses them like any activation.
#include "ImportCommon.h"

#include <cmath>
#include <limits>

namespace netc::import {

namespace {

// A constant scalar input's value, or NaN.
double scalar(Translator &t, const OnnxNode &n, size_t k) {
    if (!t.has_input(n, k)) return NAN;
    const Val &v = t.in(n, k);
    if (!v.data || v.data->size() != 1) return NAN;
    return v.data->integer ? double(v.data->i[0]) : double(v.data->f[0]);
}

// HardSigmoid as PyTorch exports Hardsigmoid (and Hardswish before opset 14):
// alpha 1/6 (as a float32), beta 1/2 — netc's hard_sigmoid activation.
bool torch_hard_sigmoid(const OnnxNode &n) {
    return n.op == "HardSigmoid" && std::abs(attr_float(n, "alpha", 0.2) - 1.0 / 6) < 1e-7 &&
           attr_float(n, "beta", 0.5) == 0.5;
}

// The input of the binary node n that is not `value` ("" if both or neither are).
std::string other_input(const OnnxNode &n, const std::string &value) {
    if (n.inputs.size() != 2) return "";
    if (n.inputs[0] == value && n.inputs[1] != value) return n.inputs[1];
    if (n.inputs[1] == value && n.inputs[0] != value) return n.inputs[0];
    return "";
}

// The index of the input of n that is not `value`.
size_t other_index(const OnnxNode &n, const std::string &value) { return n.inputs[0] == value ? 1 : 0; }

}  // namespace

std::string activation_of(Translator &t, const OnnxNode &a) {
    if (a.op == "Relu") return "relu";
    if (a.op == "Sigmoid") return "sigmoid";
    if (a.op == "Tanh") return "tanh";
    if (a.op == "HardSwish") return "hard_swish";
    if (torch_hard_sigmoid(a)) return "hard_sigmoid";
    if (a.op == "Clip") {
        double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
        if (t.model().opset < 11) {
            lo = attr_float(a, "min", lo), hi = attr_float(a, "max", hi);
        } else {
            auto bound = [&](size_t k, double &v) {
                if (!t.has_input(a, k)) return true;
                v = scalar(t, a, k);
                return !std::isnan(v);
            };
            if (!bound(1, lo) || !bound(2, hi)) return "";
        }
        if (lo == 0 && hi == 6) return "relu6";
        if (lo == 0 && std::isinf(hi)) return "relu";
    }
    return "";
}

Pattern activation_pattern(Translator &t, const std::string &value) {
    Pattern p;
    auto rs = t.readers(value);
    if (rs.size() != 2) return p;
    // x * Sigmoid(x) and x * HardSigmoid(x): the gate is read by the product alone.
    for (int k = 0; k < 2; k++) {
        const OnnxNode *s = rs[k], *m = rs[1 - k];
        if (!(s->op == "Sigmoid" || torch_hard_sigmoid(*s)) || s->inputs[0] != value || m->op != "Mul") continue;
        if (other_input(*m, value) != s->outputs[0] || t.readers(s->outputs[0]).size() != 1) continue;
        p.activation = s->op == "Sigmoid" ? "swish" : "hard_swish";
        p.value = m->outputs[0];
        p.nodes = {s, m};
        return p;
    }
    // GELU as torch exports it: Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5).
    for (int k = 0; k < 2; k++) {
        const OnnxNode *d = rs[k], *m1 = rs[1 - k];
        if (d->op != "Div" || d->inputs[0] != value || m1->op != "Mul") continue;
        if (std::abs(scalar(t, *d, 1) - std::sqrt(2.0)) > 1e-6) continue;
        const OnnxNode *e = t.sole_reader(d->outputs[0], {"Erf"});
        const OnnxNode *a = e ? t.sole_reader(e->outputs[0], {"Add"}) : nullptr;
        if (!a || other_input(*a, e->outputs[0]).empty() || scalar(t, *a, other_index(*a, e->outputs[0])) != 1.0) continue;
        if (other_input(*m1, value) != a->outputs[0] || t.readers(a->outputs[0]).size() != 1) continue;
        const OnnxNode *m2 = t.sole_reader(m1->outputs[0], {"Mul"});
        if (!m2 || other_input(*m2, m1->outputs[0]).empty() || scalar(t, *m2, other_index(*m2, m1->outputs[0])) != 0.5)
            continue;
        p.activation = "gelu";
        p.value = m2->outputs[0];
        p.nodes = {d, e, a, m1, m2};
        return p;
    }
    return p;
}

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
    if (const OnnxNode *a = t.sole_reader(tail.value, {"Relu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"})) {
        std::string act = activation_of(t, *a);
        if (!act.empty()) {
            tail.activation = act;
            tail.value = a->outputs[0];
            t.absorb(*a);
        }
        return tail;
    }
    Pattern p = activation_pattern(t, tail.value);
    if (!p.activation.empty()) {
        tail.activation = p.activation;
        tail.value = p.value;
        for (auto *node : p.nodes) t.absorb(*node);
    }
    return tail;
}

// A lone activation node (its producer could not take it), or the first
// node of a multi-node one.
bool activation(Translator &t, const OnnxNode &n) {
    const Val &x = t.in(n, 0);
    if (x.var.empty()) return false;  // constants: folded elsewhere
    std::string expr;
    std::string value = n.outputs[0];
    Pattern p = activation_pattern(t, n.inputs[0]);
    if (!p.activation.empty() && p.nodes[0] == &n) {
        expr = p.activation + "(" + x.var + ")";
        value = p.value;
        for (auto *node : p.nodes) t.absorb(*node);
    } else if (n.op == "HardSigmoid") {
        expr = "hard_sigmoid(" + x.var + ", alpha = " + Translator::number(attr_float(n, "alpha", 0.2)) +
               ", beta = " + Translator::number(attr_float(n, "beta", 0.5)) + ")";
    } else if (n.op == "Div") {
        return false;  // an ordinary division: not an activation
    } else {
        std::string act = activation_of(t, n);
        if (act.empty() && n.op == "Clip")
            t.fail(n, "only a Clip to [0, 6] or [0, inf) (relu6, relu) with constant bounds can be expressed in netc");
        if (act.empty()) return false;
        expr = act + "(" + x.var + ")";
    }
    std::string scope = t.scope_of(n);
    t.emit(scope, expr, scope);
    define_tensor(t, value, scope, x.dims, x.nchw, x.channels_last);
    return true;
}

}  // namespace netc::import
