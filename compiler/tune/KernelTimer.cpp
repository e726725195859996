#include "KernelTimer.h"

#include "KernelArgs.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace netc::tune {

namespace {

double now_us() {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Bytes that outgrow the last-level cache: 1.25 times its size as sysfs
// gives it (at least 32 MiB, at most 256 MiB).
int64_t cold_bytes() {
    static const int64_t bytes = [] {
        int64_t best = 0;
        for (int index = 0; index < 8; index++) {
            std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
            std::string s;
            if (!(f >> s)) continue;
            int64_t v = std::atoll(s.c_str());
            if (!s.empty() && (s.back() == 'K' || s.back() == 'k')) v <<= 10;
            if (!s.empty() && (s.back() == 'M' || s.back() == 'm')) v <<= 20;
            best = std::max(best, v);
        }
        return std::clamp<int64_t>(best + best / 4, int64_t(32) << 20, int64_t(256) << 20);
    }();
    return bytes;
}

}  // namespace

Timing time_kernel(const lower::Plan &plan, const lower::Kernel &kernel, jit::KernelFn fn, int batch,
                   double budget_ms) {
    jit::KernelArgs args(plan, kernel.operands);
    std::vector<std::vector<float>> memory;
    std::mt19937 gen(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    // In a network a kernel's weights were last read a whole forward pass
    // ago (ResNet-50 reads 100 MB of them), so they come from memory, not
    // cache; its input was just written. Calls here rotate over copies of
    // the constants that together outgrow the last-level cache, so each
    // call streams cold weights as it would in the network, and a
    // candidate whose weights are larger (Winograd's) pays for it.
    int64_t constant_bytes = 0;
    for (auto &o : kernel.operands)
        if (o.buffer < 0) constant_bytes += static_cast<int64_t>(o.constant.data.size()) * 4;
    const int copies = static_cast<int>(
        std::clamp<int64_t>((cold_bytes() + constant_bytes - 1) / std::max<int64_t>(1, constant_bytes), 1, 256));
    std::vector<std::vector<std::vector<float>>> constants(copies);
    for (int c = 0; c < copies; c++)
        for (auto &o : kernel.operands)
            if (o.buffer < 0) constants[c].push_back(o.constant.data);
    for (size_t k = 0; k < kernel.operands.size(); k++) {
        const lower::Operand &o = kernel.operands[k];
        if (!args.is_activation(k)) continue;
        // Each operand gets its own copy of its plan buffer (an input and an
        // output never alias here; in a network they never do either).
        memory.emplace_back(static_cast<size_t>(lower::geometry(plan.buffers[o.buffer]).image * batch));
        for (float &v : memory.back()) v = dist(gen);
        args.bind_activation(k, memory.back().data(), batch);
    }
    int next_copy = 0;
    auto call = [&] {
        std::vector<std::vector<float>> &copy = constants[next_copy++ % copies];
        for (size_t k = 0, c = 0; k < kernel.operands.size(); k++)
            if (!args.is_activation(k)) args.bind_constant(k, copy[c++].data());
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
