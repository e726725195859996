// The machine's fp32 FMA peak, measured: independent FMA chains in the
// widest vectors the target has (AVX-512 zmm, AVX2 ymm), on each of
// `threads` threads at once; the best of several short slots. Profiles
// and the tuner report kernels as a share of it.
#pragma once

#include <Halide.h>

namespace netc::tune {

struct Peak {
    double gflops = 0;   // all threads together
    int threads = 1;
    const char *isa = "";  // "AVX-512", "AVX2" or "SSE"
};

Peak measure_fma_peak(const Halide::Target &t, int threads);

// The share of the machine's CPU time (0..1) that other processes used over
// the next `seconds`, from /proc/stat; -1 when it cannot be read. Timings
// taken while others run are unreliable (2-thread kernels wait on each other).
double busy_share(double seconds);

}  // namespace netc::tune
