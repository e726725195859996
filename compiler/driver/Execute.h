// What `netc run` and `netc bench` do once a network is compiled, shared by
// the driver and the REPL so that both print the same lines.
#pragma once

#include "IR.h"
#include "Npy.h"

#include <Halide.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace netc::jit {
class JitNetwork;
}

namespace netc::exec {

// "host" or a Halide target string; rt::IOError naming `what` for a bad one.
Halide::Target parse_target(const std::string &spec, const std::string &what);

// A fixed pseudo-random standard-normal image batch (no --input, and bench).
std::vector<float> random_input(int64_t size);

// rt::IOError unless x (read from `file`) fits g's input at some batch size;
// for an image of another size the message adds `resize`, the way to ask
// for that size.
void check_input(const ir::Graph &g, const rt::Array &x, const std::string &file, const std::string &resize);

// Reads `file` as g's input and checks it; a file netc cannot use (another
// dtype, column-major, truncated) names what the network takes.
rt::Array read_input(const ir::Graph &g, const std::string &file, const std::string &resize);

// How the network's pipeline came to be, for the report lines.
struct Compiled {
    double ms = 0;
    bool cached = false;  // the REPL reused an earlier compile
};

// `netc run`: runs x through net, writes the output to `output` unless it is
// empty, and prints the output's shape, each image's top-5 (for [N, K]
// outputs) and the times.
void run_report(jit::JitNetwork &net, const std::string &name, const rt::Array &x, const std::string &output,
                const Compiled &compiled, std::ostream &out);

struct BenchOptions {
    int batch = 1;
    int64_t steps = 100, burn_in = 10;
};

// `netc bench`: burn-in, then timed steps on a fixed random batch; prints
// "Forward across S steps, M +/- D sec / batch" and images/s.
void bench_report(jit::JitNetwork &net, const std::string &name, const BenchOptions &options,
                  const Compiled &compiled, std::ostream &out, std::ostream &err);

// `netc profile`: 3 burn-in runs, then `steps` profiled runs of a random
// batch, the FMA peak measured on `threads` threads, and the profile table.
void profile_report(jit::JitNetwork &net, int batch, int64_t steps, int threads, std::ostream &out);

// Threads a run uses: --threads (or :threads) if set, else HL_NUM_THREADS, else every core.
int run_threads(int64_t requested);

}  // namespace netc::exec
