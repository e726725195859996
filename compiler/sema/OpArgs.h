// Typed access to a built-in op's bound arguments, with messages that name
// the op and the parameter. Shared by the op builders.
#pragma once

#include "Elaborator.h"

#include <initializer_list>

namespace netc {

class OpArgs {
public:
    using K = Value::Kind;
    using Node = ir::Node;

    OpArgs(Elaborator &el, BuiltinOp op, const BoundArgs &b) : el_(el), info_(op_info(op)), b_(b) {}

    const Value &value(const char *name) const { return b_.values[index(name)]; }
    const Loc &loc(const char *name) const { return b_.locs[index(name)]; }
    const Loc &call() const { return b_.call; }
    const std::string &op() const { return info_.name; }

    [[noreturn]] void bad(const char *name, const std::string &want) const {
        el_.fail(loc(name), "'" + info_.name + "': '" + name + "' must be " + want + ", got " +
                                el_.describe(value(name)));
    }

    const Node &tensor(const char *name, int rank = 4) const {
        const Value &v = value(name);
        if (!v.is(K::Tensor)) bad(name, "a tensor");
        const Node &n = el_.tensor_node(v);
        if (n.dtype != ir::DType::F32)
            el_.fail(loc(name), "'" + info_.name + "' cannot take " + el_.describe(v) +
                                    ": it holds integer class ids, which only softmax_cross_entropy reads");
        if (n.shape.rank() == 0)
            el_.fail(loc(name), "'" + info_.name + "' cannot take " + el_.describe(v) +
                                    ": a loss is a scalar, which a network can only return");
        if (rank > 0 && n.shape.rank() != rank)
            el_.fail(loc(name), "'" + info_.name + "' expects a rank-" + std::to_string(rank) + " tensor, got " +
                                    el_.describe(v));
        return n;
    }

    int64_t positive(const char *name, int64_t limit = int64_t(1) << 24) const {
        const Value &v = value(name);
        if (!v.is(K::Int) || v.i < 1) bad(name, "a positive int");
        if (v.i > limit) el_.fail(loc(name), "'" + info_.name + "': '" + name + "' of " + std::to_string(v.i) +
                                                 " is larger than netc supports (" + std::to_string(limit) + ")");
        return v.i;
    }

    // An int, or a pair (h, w) of ints: kernel sizes, strides, rates.
    std::pair<int64_t, int64_t> pair(const char *name) const {
        const Value &v = value(name);
        auto ok = [](const Value &x) { return x.is(K::Int) && x.i >= 1 && x.i <= 65536; };
        if (ok(v)) return {v.i, v.i};
        if (v.is_sequence() && v.elements().size() == 2 && ok(v.elements()[0]) && ok(v.elements()[1]))
            return {v.elements()[0].i, v.elements()[1].i};
        bad(name, "a positive int or a pair of them");
    }

    // A string among `choices` (listed in the message when it is not).
    std::string choice(const char *name, std::initializer_list<const char *> choices) const {
        const Value &v = value(name);
        std::string list;
        for (const char *c : choices) {
            if (v.is(K::String) && v.str() == c) return c;
            list += (list.empty() ? "" : ", ") + std::string("\"") + c + "\"";
        }
        bad(name, "one of " + list);
    }

    bool flag(const char *name) const {
        const Value &v = value(name);
        if (!v.is(K::Bool)) bad(name, "a bool");
        return v.i != 0;
    }

    double number(const char *name) const {
        const Value &v = value(name);
        if (!v.is_number()) bad(name, "a number");
        return v.as_double();
    }

    ir::Activation activation(const char *name) const {
        const Value &v = value(name);
        if (v.is(K::None)) return ir::Activation::None;
        if (v.is(K::Callable) && v.fn->kind == Callable::Op) {
            switch (v.fn->op) {
            case BuiltinOp::Relu: return ir::Activation::Relu;
            case BuiltinOp::Relu6: return ir::Activation::Relu6;
            case BuiltinOp::Sigmoid: return ir::Activation::Sigmoid;
            case BuiltinOp::Tanh: return ir::Activation::Tanh;
            case BuiltinOp::Softmax: return ir::Activation::Softmax;
            case BuiltinOp::Identity: return ir::Activation::None;
            case BuiltinOp::HardSigmoid: return ir::Activation::HardSigmoid;  // PyTorch's alpha and beta
            case BuiltinOp::HardSwish: return ir::Activation::HardSwish;
            case BuiltinOp::Swish: return ir::Activation::Swish;
            case BuiltinOp::Gelu: return ir::Activation::Gelu;
            default: break;
            }
        }
        bad(name, "relu, relu6, sigmoid, tanh, softmax, hard_sigmoid, hard_swish, swish, gelu, identity or none");
    }

    bool normalizer(const char *name) const {
        const Value &v = value(name);
        if (v.is(K::None)) return false;
        if (v.is(K::Callable) && v.fn->kind == Callable::Op && v.fn->op == BuiltinOp::BatchNorm) return true;
        bad(name, "batch_norm or none");
    }

    // weights_regularizer: l2_regularizer(scale) gives scale, none 0.
    double regularizer(const char *name) const {
        const Value &v = value(name);
        if (v.is(K::None)) return 0;
        if (v.is(K::Record) && v.record->type == "l2_regularizer") return v.record->fields.at(0).second.as_double();
        bad(name, "l2_regularizer(scale) or none");
    }

    // SAME / VALID, or explicit amounts: p, (ph, pw) or ((t, b), (l, r)).
    ir::Padding padding(const char *name) const {
        const Value &v = value(name);
        ir::Padding p;
        if (v.is(K::String) && (v.str() == "SAME" || v.str() == "VALID")) {
            p.mode = v.str();
            return p;
        }
        auto amount = [](const Value &x) { return x.is(K::Int) && x.i >= 0 && x.i <= 65536; };
        p.mode = "EXPLICIT";
        if (amount(v)) {
            p.top = p.bottom = p.left = p.right = v.i;
            return p;
        }
        if (v.is_sequence() && v.elements().size() == 2) {
            auto &h = v.elements()[0];
            auto &w = v.elements()[1];
            if (amount(h) && amount(w)) {
                p.top = p.bottom = h.i;
                p.left = p.right = w.i;
                return p;
            }
            auto two = [&](const Value &x) {
                return x.is_sequence() && x.elements().size() == 2 && amount(x.elements()[0]) &&
                       amount(x.elements()[1]);
            };
            if (two(h) && two(w)) {
                p.top = h.elements()[0].i;
                p.bottom = h.elements()[1].i;
                p.left = w.elements()[0].i;
                p.right = w.elements()[1].i;
                return p;
            }
        }
        bad(name, "SAME, VALID, or non-negative amounts p, (ph, pw) or ((top, bottom), (left, right))");
    }

private:
    int index(const char *name) const {
        int i = param_index(info_, name);
        if (i < 0) throw InternalError(std::string("op parameter '") + name + "' missing from the table");
        return i;
    }
    Elaborator &el_;
    const OpInfo &info_;
    const BoundArgs &b_;
};

// A conv's or fully connected op's batch norm (as_normalizer: b holds
// batch_norm's defaults for `normalizer = batch_norm`, called at b.call),
// and its variables in TF-slim's order under `scope`.
ir::BatchNormAttrs bn_attrs(Elaborator &el, const BoundArgs &b);
void add_bn_params(ir::Node &n, const std::string &scope, int64_t channels);
void add_normalizer_or_biases(Elaborator &el, const OpArgs &a, const BoundArgs &b, ir::Node &n, int64_t channels);

}  // namespace netc
