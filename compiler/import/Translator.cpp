#include "Translator.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

namespace netc::import {

namespace {

// Words a variable or scope must not be: the language's keywords and the
// names of its built-ins (a variable would shadow them).
const std::set<std::string> kReserved = {
    "network", "unit", "arg_scope", "const", "import", "return", "if", "else", "for", "in", "with", "scope",
    "then", "and", "or", "not", "true", "false", "none", "N", "SAME", "VALID",
    "conv2d", "depthwise_conv2d", "separable_conv2d", "batch_norm", "fully_connected", "max_pool2d",
    "avg_pool2d", "reduce_mean", "global_avg_pool", "pad", "concat", "add", "flatten", "squeeze", "dropout",
    "relu", "relu6", "sigmoid", "tanh", "softmax", "identity", "len", "range", "sum", "channels", "block",
    "conv2d_transpose", "multiply", "layer_norm", "lrn", "resize", "channel_shuffle", "split", "slice",
    "reduce_max", "hard_sigmoid", "hard_swish", "swish", "gelu",
};

std::string identifier(std::string s) {
    for (char &c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    std::string out;
    for (char c : s)  // squeeze runs of '_'
        if (!(c == '_' && !out.empty() && out.back() == '_')) out += c;
    while (!out.empty() && out.back() == '_') out.pop_back();
    while (!out.empty() && out.front() == '_') out.erase(out.begin());
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "n_" + out;
    return out;
}

}  // namespace

Translator::Translator(const OnnxModel &m, const ImportOptions &o) : m_(m), o_(o), done_(m.nodes.size(), false) {
    for (size_t i = 0; i < m.nodes.size(); i++)
        for (auto &in : m.nodes[i].inputs)
            if (!in.empty()) readers_[in].push_back(static_cast<int>(i));
    graph_outputs_.insert(m.outputs.begin(), m.outputs.end());
    for (auto &kv : m.initializers) {
        Val v;
        v.dims = kv.second.dims;
        v.data = kv.second;
        vals_[kv.first] = std::move(v);
    }
}

void Translator::fail(const OnnxNode &n, const std::string &msg) const {
    throw rt::IOError(o_.source + ": node '" + n.name + "' (" + n.op + "): " + msg);
}

const Val &Translator::in(const OnnxNode &n, size_t k) const {
    if (!has_input(n, k)) fail(n, "input " + std::to_string(k) + " is missing");
    auto it = vals_.find(n.inputs[k]);
    if (it == vals_.end()) fail(n, "input '" + n.inputs[k] + "' is not produced by an earlier node");
    return it->second;
}

const Data &Translator::constant_input(const OnnxNode &n, size_t k, const char *what) const {
    const Val &v = in(n, k);
    if (!v.data) fail(n, std::string(what) + " (input '" + n.inputs[k] + "') must be a constant for netc");
    return *v.data;
}

const Val &Translator::tensor_input(const OnnxNode &n, size_t k) const {
    const Val &v = in(n, k);
    if (v.var.empty()) fail(n, "input '" + n.inputs[k] + "' is a constant where netc needs a tensor computed at run time");
    if (v.channels_last) fail(n, "input '" + n.inputs[k] + "' is transposed to channels last, which this op cannot take");
    return v;
}

int64_t Translator::dim(const OnnxNode &n, const Val &v, size_t k) const {
    if (k >= v.dims.size() || v.dims[k] < 0)
        fail(n, "dimension " + std::to_string(k) + " of its input is unknown (give --input-shape NAME=1x3xHxW)");
    return v.dims[k];
}

const OnnxNode *Translator::sole_reader(const std::string &value, std::initializer_list<const char *> ops) const {
    auto it = readers_.find(value);
    if (it == readers_.end() || it->second.size() != 1 || graph_outputs_.count(value)) return nullptr;
    const OnnxNode &r = m_.nodes[it->second[0]];
    for (const char *op : ops)
        if (r.op == op) return &r;
    return nullptr;
}

std::vector<const OnnxNode *> Translator::readers(const std::string &value) const {
    std::vector<const OnnxNode *> out;
    auto it = readers_.find(value);
    if (it == readers_.end() || graph_outputs_.count(value)) return out;
    for (int i : it->second)
        if (std::find(out.begin(), out.end(), &m_.nodes[i]) == out.end()) out.push_back(&m_.nodes[i]);
    return out;
}

std::string Translator::scope_of(const OnnxNode &n) {
    // torch names nodes by module path, "/layer1/layer1.0/conv1/Conv": drop
    // the op's own segment and parents the next segment repeats.
    std::vector<std::string> parts;
    std::string seg;
    std::istringstream in(n.name);
    while (std::getline(in, seg, '/'))
        if (!seg.empty()) parts.push_back(seg);
    if (!parts.empty() && parts.back().rfind(n.op, 0) == 0) parts.pop_back();
    std::string path;
    for (size_t i = 0; i < parts.size(); i++) {
        if (i + 1 < parts.size() && parts[i + 1].rfind(parts[i], 0) == 0) continue;
        path += (path.empty() ? "" : "_") + parts[i];
    }
    std::string base = identifier(path.empty() ? n.op : path);
    if (path.empty())
        std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string name = base;
    for (int k = 1; taken_.count(name) || kReserved.count(name); k++) name = base + "_" + std::to_string(k);
    taken_.insert(name);
    return name;
}

std::string Translator::fresh_variable(const std::string &base) {
    std::string b = identifier(base), name = b;
    for (int k = 1; taken_.count(name) || kReserved.count(name); k++) name = b + "_" + std::to_string(k);
    taken_.insert(name);
    return name;
}

void Translator::emit(const std::string &var, const std::string &expr, const std::string &scope) {
    lines_.push_back("  " + var + " = " + expr + (scope.empty() ? "" : " @ " + scope));
    result_.statements++;
}

void Translator::weight(const std::string &scope, const std::string &leaf, std::vector<int64_t> shape,
                        std::vector<float> data) {
    rt::Array a;
    a.shape = std::move(shape);
    a.data = std::move(data);
    result_.weights.emplace_back(result_.network + "/" + scope + "/" + leaf, std::move(a));
}

std::string Translator::number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    std::string s = buf;
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

// The epsilon most batch norms use goes into the arg_scope; a batch norm
// with another one stays a batch_norm of its own.
void Translator::choose_epsilon() {
    std::map<double, int> count;
    for (auto &n : m_.nodes)
        if (n.op == "BatchNormalization") count[n.attr("epsilon") ? n.attr("epsilon")->f : 1e-5]++;
    int best = 0;
    for (auto &kv : count)
        if (kv.second > best) best = kv.second, epsilon_ = kv.first;
}

void Translator::translate(const OnnxNode &n) {
    if (!n.domain.empty() && n.domain != "ai.onnx") fail(n, "ops of domain '" + n.domain + "' are not supported");
    if (!translate_op(*this, n))
        fail(n, "op type " + n.op + " is not supported by netc yet");
}

ImportResult Translator::run() {
    std::string name = o_.network.empty() ? m_.name : o_.network;
    if (name.empty() || name == "torch_jit" || name == "main_graph") {
        std::string stem = o_.source.substr(o_.source.rfind('/') == std::string::npos ? 0 : o_.source.rfind('/') + 1);
        name = stem.substr(0, stem.find('.'));
    }
    result_.network = identifier(name);
    choose_epsilon();
    // Inputs: NCHW images become NHWC; [N, K] stays.
    std::vector<std::string> signature;
    for (auto &input : m_.inputs) {
        const OnnxValue &ov = m_.values.at(input);
        if (ov.elem_type != 1)
            throw rt::IOError(o_.source + ": input '" + input + "' is not float32, the only element type netc runs");
        if (ov.dims.size() != 4 && ov.dims.size() != 2)
            throw rt::IOError(o_.source + ": input '" + input + "' has rank " + std::to_string(ov.dims.size()) +
                              "; netc takes NCHW images or [N, K] vectors");
        for (size_t d = 1; d < ov.dims.size(); d++)
            if (ov.dims[d] < 1)
                throw rt::IOError(o_.source + ": input '" + input + "' has an unknown size in dimension " +
                                  std::to_string(d) + ": give --input-shape " + input + "=1x3x224x224");
        std::string var = identifier(input);
        for (int k = 1; taken_.count(var) || kReserved.count(var); k++) var = identifier(input) + "_" + std::to_string(k);
        taken_.insert(var);
        const auto &d = ov.dims;
        signature.push_back(var + ": f32[N, " +
                            (d.size() == 4 ? std::to_string(d[2]) + ", " + std::to_string(d[3]) + ", " + std::to_string(d[1])
                                           : std::to_string(d[1])) +
                            "]");
        Val v;
        v.var = var;
        v.dims = d;
        vals_[input] = v;
    }
    // Constants first: a node may fuse a later activation whose bounds come
    // from Constant nodes placed between them.
    for (size_t i = 0; i < m_.nodes.size(); i++)
        if (m_.nodes[i].op == "Constant") {
            done_[i] = true;
            translate(m_.nodes[i]);
        }
    for (size_t i = 0; i < m_.nodes.size(); i++) {
        if (done_[i]) continue;
        done_[i] = true;
        translate(m_.nodes[i]);
    }
    result_.nodes = static_cast<int>(m_.nodes.size());
    std::vector<std::string> outs;
    for (auto &o : m_.outputs) {
        auto it = vals_.find(o);
        if (it == vals_.end() || it->second.var.empty())
            throw rt::IOError(o_.source + ": output '" + o + "' is not a tensor netc computes");
        if (!it->second.nchw.empty() && it->second.dims.size() == 2 && it->second.nchw[1] * it->second.nchw[2] > 1)
            throw rt::IOError(o_.source + ": output '" + o + "' flattens an NCHW tensor; netc's flatten is NHWC");
        outs.push_back(it->second.var);
    }

    std::ostringstream p;
    p << "// " << result_.network << ": imported by netc from " << o_.source << " (ONNX opset " << m_.opset << ", "
      << m_.nodes.size() << " nodes).\n"
      << "// Images are NHWC here: the model's NCHW input [N, C, H, W] is [N, H, W, C]; weights are in\n"
      << "// TF layouts in the .npz written beside this file. Edit freely: every statement is one\n"
      << "// ONNX node (or a convolution with its batch norm and activation).\n\n"
      << "arg_scope onnx_defaults() {\n"
      << "  conv2d, depthwise_conv2d, conv2d_transpose, fully_connected: activation = none, normalizer = none\n"
      << "  batch_norm: center = true, scale = true, epsilon = " << number(epsilon_) << "\n"
      << "}\n\n"
      << "network " << result_.network << "(";
    for (size_t i = 0; i < signature.size(); i++) p << (i ? ", " : "") << signature[i];
    p << ") with onnx_defaults() {\n";
    for (auto &l : lines_) p << l << "\n";
    p << "  return ";
    for (size_t i = 0; i < outs.size(); i++) p << (i ? ", " : "") << outs[i];
    p << "\n}\n";
    result_.program = p.str();
    return result_;
}

ImportResult import_model(const OnnxModel &model, const ImportOptions &options) {
    return Translator(model, options).run();
}

}  // namespace netc::import
