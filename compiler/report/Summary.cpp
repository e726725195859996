#include "Summary.h"

#include <algorithm>
#include <iomanip>

namespace netc {

std::string with_commas(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); i++) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return (n < 0 ? "-" : "") + out;
}

namespace {

// A standalone activation shows as what it computes ("softmax").
const char *op_label(const ir::Node &n) {
    return n.op == ir::OpKind::Activation ? ir::activation_name(n.activation) : ir::op_name(n.op);
}

}  // namespace

void print_summary(std::ostream &out, const ir::Graph &g, int64_t batch) {
    std::string symbol = batch > 0 ? std::to_string(batch) : g.batch_symbol;
    size_t name_w = std::string("Layer (scope)").size(), op_w = 8, shape_w = 12;
    for (auto &n : g.nodes) {
        name_w = std::max(name_w, n.name.size());
        op_w = std::max(op_w, std::string(op_label(n)).size());
        shape_w = std::max(shape_w, n.shape.str(symbol).size());
    }
    size_t width = 1 + name_w + 2 + op_w + 2 + shape_w + 2 + 12;
    std::string rule(width, '_'), double_rule(width, '=');
    out << "Model: \"" << g.name << "\"\n" << rule << "\n";
    auto row = [&](const std::string &a, const std::string &b, const std::string &c, const std::string &d) {
        out << " " << std::left << std::setw(static_cast<int>(name_w)) << a << "  " << std::setw(static_cast<int>(op_w))
            << b << "  " << std::setw(static_cast<int>(shape_w)) << c << "  " << std::right << std::setw(12) << d
            << "\n";
    };
    row("Layer (scope)", "Op", "Output Shape", "Param #");
    out << double_rule << "\n";
    for (auto &n : g.nodes) {
        int64_t count = 0;
        for (auto &p : n.params) count += p.count();
        row(n.name, op_label(n), n.shape.str(symbol), with_commas(count));
    }
    out << double_rule << "\n";
    int64_t total = g.total_params(), trainable = g.trainable_params();
    out << "Total params: " << with_commas(total) << "\n";
    out << "Trainable params: " << with_commas(trainable) << "\n";
    out << "Non-trainable params: " << with_commas(total - trainable) << "\n";
    out << "FLOPs per image: " << with_commas(g.flops()) << " (" << std::fixed << std::setprecision(2)
        << g.flops() / 1e9 << " G; 2 per multiply-add of convolutions and fully connected layers)\n";
    out << rule << "\n";
}

}  // namespace netc
