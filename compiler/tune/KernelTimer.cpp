#include "KernelTimer.h"

#include "KernelArgs.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <stdexcept>

namespace netc::tune {

namespace {

double now_us() {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Timing time_kernel(const lower::Plan &plan, const lower::Kernel &kernel, jit::KernelFn fn, int batch,
                   double budget_ms) {
    jit::KernelArgs args(plan, kernel.operands);
    std::vector<std::vector<float>> memory;
    std::mt19937 gen(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (size_t k = 0; k < kernel.operands.size(); k++) {
        const lower::Operand &o = kernel.operands[k];
        if (!args.is_activation(k)) {
            args.bind_constant(k, o.constant.data.data());
            continue;
        }
        // Each operand gets its own copy of its plan buffer (an input and an
        // output never alias here; in a network they never do either).
        memory.emplace_back(static_cast<size_t>(lower::geometry(plan.buffers[o.buffer]).image * batch));
        for (float &v : memory.back()) v = dist(gen);
        args.bind_activation(k, memory.back().data(), batch);
    }
    auto call = [&] {
        int rc = fn(args.argv());
        if (rc != 0) throw std::runtime_error("kernel " + kernel.name + " failed (code " + std::to_string(rc) + ")");
    };
    call();
    call();
    // Rounds of at least a millisecond; the best round's mean per call.
    double t0 = now_us();
    int per_round = 1;
    for (double t = 0; t < 1000 && per_round < (1 << 16); per_round *= 2) {
        double a = now_us();
        for (int i = 0; i < per_round; i++) call();
        t = now_us() - a;
        if (t >= 1000) break;
    }
    std::vector<double> rounds;
    Timing r;
    while (rounds.size() < 3 || (now_us() - t0 < budget_ms * 1000 && rounds.size() < 50)) {
        double a = now_us();
        for (int i = 0; i < per_round; i++) call();
        rounds.push_back((now_us() - a) / per_round);
        r.calls += per_round;
    }
    std::sort(rounds.begin(), rounds.end());
    r.best_us = rounds.front();
    r.median_us = rounds[rounds.size() / 2];
    return r;
}

}  // namespace netc::tune
