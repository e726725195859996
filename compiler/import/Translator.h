// The importer's state while it walks an ONNX graph: what each ONNX value
// is on the netc side (a tensor variable in NHWC, or constant data known
// at import time), the statements written so far, and the weights they
// need. The per-op translations (ImportOps.cpp) extend it.
#pragma once

#include "Importer.h"

#include <optional>
#include <set>

namespace netc::import {

struct Val {
    std::string var;                  // the .net variable holding it at run time, or ""
    std::vector<int64_t> dims;        // ONNX dims (NCHW for images), -1 unknown
    std::optional<Data> data;         // its value, when known at import time
    std::vector<int64_t> nchw;        // [C, H, W]: var is the NHWC flatten of an NCHW tensor
    // dims are [N, H, W, C]: the model transposed its NCHW image to channels
    // last (ConvNeXt's blocks), which is var's layout as it always is.
    bool channels_last = false;
};

class Translator {
public:
    Translator(const OnnxModel &m, const ImportOptions &o);
    ImportResult run();

    // ---- for the op translations ----
    [[noreturn]] void fail(const OnnxNode &n, const std::string &msg) const;
    const Val &in(const OnnxNode &n, size_t k) const;  // a present input
    bool has_input(const OnnxNode &n, size_t k) const { return k < n.inputs.size() && !n.inputs[k].empty(); }
    const Data &constant_input(const OnnxNode &n, size_t k, const char *what) const;
    const Val &tensor_input(const OnnxNode &n, size_t k) const;  // a run-time tensor
    void define(const std::string &value, Val v) { vals_[value] = std::move(v); }
    // The node that alone reads `value` (not a graph output), if its op is one of `ops`.
    const OnnxNode *sole_reader(const std::string &value, std::initializer_list<const char *> ops) const;
    // The nodes reading `value` (none for a graph output: its value must stay).
    std::vector<const OnnxNode *> readers(const std::string &value) const;
    void absorb(const OnnxNode &n) { done_[&n - &m_.nodes[0]] = true; }
    // A fresh @ scope name for n's op, from its ONNX name; the statement's
    // variable takes the same name.
    std::string scope_of(const OnnxNode &n);
    std::string fresh_variable(const std::string &base);
    // Writes `var = expr @ scope` (no scope: plain assignment).
    void emit(const std::string &var, const std::string &expr, const std::string &scope = "");
    // A variable the network will have: NET/scope/leaf.
    void weight(const std::string &scope, const std::string &leaf, std::vector<int64_t> shape, std::vector<float> data);
    int64_t dim(const OnnxNode &n, const Val &v, size_t k) const;  // a known dim, else fail
    static std::string number(double v);
    double epsilon_default() const { return epsilon_; }

    const OnnxModel &model() const { return m_; }

private:
    void translate(const OnnxNode &n);
    void choose_epsilon();

    const OnnxModel &m_;
    const ImportOptions &o_;
    std::map<std::string, Val> vals_;
    std::map<std::string, std::vector<int>> readers_;
    std::set<std::string> graph_outputs_;
    std::vector<bool> done_;
    std::vector<std::string> lines_;
    std::set<std::string> taken_;
    ImportResult result_;
    double epsilon_ = 1e-5;
};

// The op translations (ImportOps.cpp): false when `n.op` is not one.
bool translate_op(Translator &t, const OnnxNode &n);

}  // namespace netc::import
