// Shape arithmetic folded at import time: exporters compute a Reshape's
// target from Shape, Gather, Unsqueeze and Concat of the very tensor they
// reshape; with every shape known here (the batch as a marker), the
// target becomes a constant and the Reshape a netc flatten.
#include "Translator.h"

namespace netc::import {

namespace {

constexpr int64_t kBatchDim = -2;  // as in ImportOps.cpp

const Attribute *attr(const OnnxNode &n, const char *name) { return n.attr(name); }

// Integer data as int64 values.
std::vector<int64_t> ints(const Data &d) {
    if (d.integer) return d.i;
    std::vector<int64_t> v;
    for (float f : d.f) v.push_back(static_cast<int64_t>(f));
    return v;
}

Data integer(std::vector<int64_t> dims, std::vector<int64_t> values) {
    Data d;
    d.dims = std::move(dims);
    d.integer = true;
    d.i = std::move(values);
    return d;
}

void define_constant(Translator &t, const std::string &value, Data d) {
    Val v;
    v.dims = d.dims;
    v.data = std::move(d);
    t.define(value, std::move(v));
}

}  // namespace

bool fold_constant(Translator &t, const OnnxNode &n) {
    const std::string &op = n.op;
    if (op == "Constant") {
        const Attribute *a = attr(n, "value");
        if (!a || a->kind != Attribute::Tensor) t.fail(n, "only tensor-valued constants are supported");
        define_constant(t, n.outputs[0], *a->tensor);
        return true;
    }
    if (op == "Shape") {
        const Val &x = t.in(n, 0);
        std::vector<int64_t> dims;
        for (size_t k = 0; k < x.dims.size(); k++) {
            if (k > 0 && x.dims[k] < 0) t.fail(n, "the shape of '" + n.inputs[0] + "' is not known at import time");
            // The batch stays a marker: the network runs any batch.
            dims.push_back(k == 0 && !x.var.empty() ? kBatchDim : x.dims[k]);
        }
        define_constant(t, n.outputs[0], integer({static_cast<int64_t>(dims.size())}, dims));
        return true;
    }
    // The rest need every input constant.
    for (size_t k = 0; k < n.inputs.size(); k++)
        if (t.has_input(n, k) && !t.in(n, k).data) return false;
    if (op == "Gather") {
        const Data &d = *t.in(n, 0).data, &idx = *t.in(n, 1).data;
        if (d.dims.size() != 1 || (attr(n, "axis") && attr(n, "axis")->i != 0))
            t.fail(n, "only gathering from a 1-D constant is supported");
        std::vector<int64_t> src = ints(d), out;
        for (int64_t i : ints(idx)) {
            if (i < 0) i += static_cast<int64_t>(src.size());
            if (i < 0 || i >= static_cast<int64_t>(src.size())) t.fail(n, "an index is out of range");
            out.push_back(src[i]);
        }
        define_constant(t, n.outputs[0], integer(idx.dims, out));
        return true;
    }
    if (op == "Unsqueeze" || op == "Squeeze" || op == "Cast" || op == "Identity" || op == "Flatten" || op == "Reshape") {
        Data d = *t.in(n, 0).data;
        if (op == "Unsqueeze" || op == "Squeeze" || op == "Flatten" || op == "Reshape") {
            // Only the element count matters for constants used as shapes.
            d.dims = {d.size()};
        }
        if (op == "Cast") {
            const Attribute *to = attr(n, "to");
            bool to_int = to && (to->i == 7 || to->i == 6);
            if (to_int && !d.integer) d = integer(d.dims, ints(d));
        }
        define_constant(t, n.outputs[0], std::move(d));
        return true;
    }
    if (op == "Concat") {
        std::vector<int64_t> out;
        for (size_t k = 0; k < n.inputs.size(); k++) {
            auto v = ints(*t.in(n, k).data);
            out.insert(out.end(), v.begin(), v.end());
        }
        define_constant(t, n.outputs[0], integer({static_cast<int64_t>(out.size())}, out));
        return true;
    }
    if ((op == "Mul" || op == "Div" || op == "Add" || op == "Sub") &&
        (!t.in(n, 0).data->integer || !t.in(n, 1).data->integer)) {
        // Float constants (a model's own arithmetic on its parameters): the
        // result keeps the larger operand's shape; other broadcasts refused.
        const Data &x = *t.in(n, 0).data, &y = *t.in(n, 1).data;
        if (x.integer != y.integer || (x.size() != y.size() && x.size() != 1 && y.size() != 1))
            t.fail(n, "only element-wise arithmetic on float constants of equal sizes or scalars is supported");
        Data d = x.size() >= y.size() ? x : y;
        for (int64_t i = 0; i < d.size(); i++) {
            float a = x.f[x.size() == 1 ? 0 : i], b = y.f[y.size() == 1 ? 0 : i];
            d.f[i] = op == "Mul" ? a * b : op == "Div" ? a / b : op == "Add" ? a + b : a - b;
        }
        define_constant(t, n.outputs[0], std::move(d));
        return true;
    }
    if (op == "Mul" || op == "Div" || op == "Add" || op == "Sub") {
        auto a = ints(*t.in(n, 0).data), b = ints(*t.in(n, 1).data);
        if (b.size() != 1 && b.size() != a.size()) t.fail(n, "only element-wise arithmetic on shapes is supported");
        for (size_t i = 0; i < a.size(); i++) {
            int64_t y = b[b.size() == 1 ? 0 : i];
            if (a[i] == kBatchDim || y == kBatchDim) t.fail(n, "arithmetic on the batch size is not supported");
            a[i] = op == "Mul" ? a[i] * y : op == "Div" ? (y ? a[i] / y : 0) : op == "Add" ? a[i] + y : a[i] - y;
        }
        define_constant(t, n.outputs[0], integer({static_cast<int64_t>(a.size())}, a));
        return true;
    }
    if (op == "Slice") {
        auto d = ints(*t.in(n, 0).data);
        int64_t start = ints(*t.in(n, 1).data).at(0), end = ints(*t.in(n, 2).data).at(0), size = d.size();
        if (start < 0) start += size;
        if (end < 0) end += size;
        end = std::min(end, size);
        std::vector<int64_t> out(d.begin() + std::max<int64_t>(0, start), d.begin() + std::max(start, end));
        define_constant(t, n.outputs[0], integer({static_cast<int64_t>(out.size())}, out));
        return true;
    }
    return false;
}

}  // namespace netc::import
