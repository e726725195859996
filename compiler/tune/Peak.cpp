#include "Peak.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace netc::tune {

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Enough independent chains to cover FMA latency on two ports (4 x 2 = 8
// needed; more is harmless while they fit the register file), unrolled so
// they live in registers. The result is summed after the loop so no store
// sits in it.
#define NETC_FMA_CHAINS(V, N, SET1, FMA, LANE_FLOPS)                                   \
    V a[N];                                                                           \
    for (int i = 0; i < N; i++) a[i] = SET1(1.0f + i);                                \
    V b = SET1(1.0000001f), c = SET1(1e-7f);                                          \
    double t0 = now_s();                                                              \
    for (long k = 0; k < iters; k++) {                                                \
        _Pragma("GCC unroll 32") for (int i = 0; i < N; i++) a[i] = FMA(a[i], b, c);  \
    }                                                                                 \
    double t = now_s() - t0;                                                          \
    volatile float sink = 0;                                                          \
    for (int i = 0; i < N; i++) sink = sink + reinterpret_cast<float *>(&a[i])[0];    \
    return double(iters) * N * (LANE_FLOPS) / t / 1e9;

__attribute__((target("avx512f"))) double fma512(long iters) {
    NETC_FMA_CHAINS(__m512, 24, _mm512_set1_ps, _mm512_fmadd_ps, 32)
}

__attribute__((target("avx2,fma"))) double fma256(long iters) {
    NETC_FMA_CHAINS(__m256, 12, _mm256_set1_ps, _mm256_fmadd_ps, 16)
}

// Without FMA: a multiply and an add per lane and step.
inline __m128 mul_add(__m128 a, __m128 b, __m128 c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
double sse(long iters) { NETC_FMA_CHAINS(__m128, 12, _mm_set1_ps, mul_add, 8) }

#undef NETC_FMA_CHAINS

}  // namespace

double busy_share(double seconds) {
    auto read = [](uint64_t &busy, uint64_t &total) {
        std::ifstream f("/proc/stat");
        std::string cpu;
        uint64_t v[8] = {};
        if (!(f >> cpu) || cpu != "cpu") return false;
        for (auto &x : v) f >> x;
        busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        total = busy + v[3] + v[4];
        return bool(f);
    };
    uint64_t b0, t0, b1, t1;
    if (!read(b0, t0)) return -1;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    if (!read(b1, t1) || t1 <= t0) return -1;
    return double(b1 - b0) / double(t1 - t0);
}

Peak measure_fma_peak(const Halide::Target &t, int threads) {
    Peak p;
    p.threads = std::max(1, threads);
    double (*kernel)(long) = sse;
    p.isa = "SSE";
    if (t.has_feature(Halide::Target::AVX512) && __builtin_cpu_supports("avx512f")) {
        kernel = fma512;
        p.isa = "AVX-512";
    } else if (t.has_feature(Halide::Target::FMA) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        kernel = fma256;
        p.isa = "AVX2";
    }
    // Slots of ~20 ms; every thread runs its slot at the same time.
    long iters = 1 << 16;
    while (iters < (1L << 30)) {
        double t0 = now_s();
        kernel(iters);
        if (now_s() - t0 > 0.02) break;
        iters *= 2;
    }
    for (int slot = 0; slot < 5; slot++) {
        std::vector<double> rate(p.threads);
        std::vector<std::thread> pool;
        for (int i = 1; i < p.threads; i++) pool.emplace_back([&, i] { rate[i] = kernel(iters); });
        rate[0] = kernel(iters);
        for (auto &th : pool) th.join();
        double total = 0;
        for (double r : rate) total += r;
        p.gflops = std::max(p.gflops, total);
    }
    return p;
}

}  // namespace netc::tune
