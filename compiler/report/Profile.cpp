#include "Profile.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

namespace netc {

std::string kernel_class(const lower::Plan &plan, int step) {
    const ir::Node &n = plan.graph.nodes[plan.steps[step].anchor];
    if (!plan.steps[step].prologue.empty()) return "inverted residual";
    std::ostringstream s;
    switch (n.op) {
    case ir::OpKind::Conv2D:
    case ir::OpKind::DepthwiseConv2D:
        s << (n.op == ir::OpKind::Conv2D ? "conv " : "depthwise ") << n.kernel_h << "x" << n.kernel_w << " s"
          << n.stride_h;
        if (n.rate_h > 1) s << " d" << n.rate_h;
        if (n.groups > 1) s << " g" << n.groups;
        return s.str();
    case ir::OpKind::Activation: return n.activation == ir::Activation::Softmax ? "softmax" : "activation";
    default: return ir::op_name(n.op);
    }
}

namespace {

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

}  // namespace

void print_profile(std::ostream &os, const jit::JitNetwork &net, int runs, int batch, const tune::Peak &peak) {
    const lower::Plan &plan = net.plan();
    const std::vector<double> &ms = net.step_ms();
    double total = 0;
    for (double t : ms) total += t / runs;
    int64_t flops = 0;
    for (size_t i = 0; i < ms.size(); i++) flops += net.step_kernel(static_cast<int>(i)).flops * batch;
    auto gflops = [&](int64_t f, double t_ms) { return t_ms > 0 ? f / (t_ms * 1e6) : 0.0; };
    auto of_peak = [&](double g) { return peak.gflops > 0 ? 100.0 * g / peak.gflops : 0.0; };

    os << "profile of " << plan.graph.name << ", batch " << batch << ", " << runs << " runs: " << fixed(total, 3)
       << " ms per run, " << fixed(gflops(flops, total), 1) << " GFLOP/s (" << fixed(of_peak(gflops(flops, total)), 0)
       << "% of the " << peak.isa << " FMA peak, " << fixed(peak.gflops, 1) << " GFLOP/s on " << peak.threads
       << " thread" << (peak.threads == 1 ? "" : "s") << ")\n";

    std::vector<int> order(ms.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return ms[a] > ms[b]; });
    size_t name_w = 4;
    for (int i : order) name_w = std::max(name_w, plan.steps[i].name.size());
    name_w = std::min<size_t>(name_w, 64);
    os << std::left << std::setw(10) << "ms" << std::setw(7) << "share" << std::setw(9) << "GFLOP/s" << std::setw(7)
       << "peak" << std::setw(static_cast<int>(name_w) + 2) << "step" << std::setw(22) << "class" << "schedule\n";
    std::map<std::string, std::pair<double, int64_t>> by_class;
    std::map<std::string, int> class_steps;
    for (int i : order) {
        const lower::Kernel &k = net.step_kernel(i);
        double t = ms[i] / runs;
        int64_t f = k.flops * batch;
        std::string cls = kernel_class(plan, i);
        if (k.schedule.rfind("winograd", 0) == 0) cls += " winograd";
        by_class[cls].first += t;
        by_class[cls].second += f;
        class_steps[cls]++;
        std::string name = plan.steps[i].name;
        if (name.size() > name_w) name = "..." + name.substr(name.size() - name_w + 3);
        os << std::left << std::setw(10) << fixed(t, 4) << std::setw(7) << (fixed(100 * t / total, 1) + "%")
           << std::setw(9) << (f ? fixed(gflops(f, t), 1) : "-") << std::setw(7)
           << (f ? fixed(of_peak(gflops(f, t)), 0) + "%" : "-") << std::setw(static_cast<int>(name_w) + 2) << name
           << std::setw(22) << cls << (k.schedule.empty() ? "-" : k.schedule) << "\n";
    }
    os << "\nby class (multiply-add classes count their direct-convolution FLOPs):\n";
    std::vector<std::pair<std::string, std::pair<double, int64_t>>> classes(by_class.begin(), by_class.end());
    std::stable_sort(classes.begin(), classes.end(),
                     [](auto &a, auto &b) { return a.second.first > b.second.first; });
    for (auto &c : classes) {
        double t = c.second.first;
        int64_t f = c.second.second;
        os << std::left << std::setw(10) << fixed(t, 4) << std::setw(7) << (fixed(100 * t / total, 1) + "%")
           << std::setw(9) << (f ? fixed(gflops(f, t), 1) : "-") << std::setw(7)
           << (f ? fixed(of_peak(gflops(f, t)), 0) + "%" : "-") << c.first << " (" << class_steps[c.first]
           << " step" << (class_steps[c.first] == 1 ? "" : "s") << ")\n";
    }
}

}  // namespace netc
