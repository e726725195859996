// What `netc run` and `netc bench` do once a network is compiled, shared by
// the driver and the REPL so that both print the same lines.
#pragma once

#include "IR.h"
#include "Npy.h"

#include <Halide.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace netc::jit {
class JitNetwork;
}
namespace netc::grad {
class TrainStep;
}

namespace netc::exec {

// "host" or a Halide target string; rt::IOError naming `what` for a bad one.
Halide::Target parse_target(const std::string &spec, const std::string &what);

// A fixed pseudo-random standard-normal image batch (no --input, and bench).
std::vector<float> random_input(int64_t size);

// rt::IOError unless x (read from `file`) fits g's input k at some batch
// size; for an image of another size the message adds `resize`, the way to
// ask for that size.
void check_input(const ir::Graph &g, int k, const rt::Array &x, const std::string &file, const std::string &resize);
// Reads `file` as g's input k, or throws rt::IOError naming the file and the
// shape the network takes.
rt::Array read_input(const ir::Graph &g, int k, const std::string &file, const std::string &resize);

// `--input NAME=FILE` or `--input FILE` (and -o alike): FILE alone names the
// network's only input (or output).
struct NamedFile {
    std::string name, file;
    std::string spec;  // as given, for messages
};
NamedFile named_file(const std::string &spec);

// One array per network input, in order, from the files given; with none
// given, pseudo-random ones of `batch` images (said on `note`). Every input
// must be named once (a network of one takes an unnamed file) and all must
// hold the same batch. rt::IOError otherwise, naming the file or the input.
std::vector<rt::Array> read_inputs(const ir::Graph &g, const std::vector<NamedFile> &files, int64_t batch,
                                   const std::string &resize, std::ostream &note);
// The file each output is written to ("" for none), from -o specs.
std::vector<std::string> output_files(const ir::Graph &g, const std::vector<NamedFile> &specs);

// How the network's pipeline came to be, for the report lines.
struct Compiled {
    double ms = 0;
    bool cached = false;  // the REPL reused an earlier compile
};

// `netc run`: runs the inputs through net, writes each output to its file
// (unless ""), and prints each output's shape, each image's top-5 (for
// [N, K] outputs) and the times.
void run_report(jit::JitNetwork &net, const ir::Graph &g, const std::vector<rt::Array> &inputs,
                const std::vector<std::string> &outputs, const Compiled &compiled, std::ostream &out);

// Pseudo-random inputs of `batch` images for each of net's inputs (bench, profile).
std::vector<std::vector<float>> random_inputs(const jit::JitNetwork &net, int batch);

struct BenchOptions {
    int batch = 1;
    int64_t steps = 100, burn_in = 10;
    // --backward: an .npz for the first step's objective ("loss"), its batch
    // ("images", "labels" for a loss) and every trainable variable's gradient.
    std::string gradients;
};

// The reference protocol: `burn_in` untimed calls of step, then the mean
// and standard deviation of `steps` timed ones, in seconds.
struct Timing {
    double mean = 0, sd = 0;
};
Timing time_steps(const BenchOptions &options, const std::function<void()> &step);
// The protocol's line: "WHAT across S steps, M +/- D sec / batch".
void print_timing(std::ostream &out, const char *what, int64_t steps, const Timing &t);
// A warning on err while other processes keep the CPUs busy.
void warn_if_busy(std::ostream &err);

// `netc bench`: burn-in, then timed steps on a fixed random batch; prints
// "Forward across S steps, M +/- D sec / batch" and images/s.
void bench_report(jit::JitNetwork &net, const std::string &name, const BenchOptions &options,
                  const Compiled &compiled, std::ostream &out, std::ostream &err);

// `netc bench --backward` (BenchBackward.cpp): the Forward line (net's JIT
// pipeline, as bench_report times it; or, for a network only netc train
// computes, net null, the training step's forward), then "Forward-backward
// across S steps, M +/- D sec / batch": the step's forward and the
// gradients of its objective (TrainStep's Objective::Benchmark) with respect
// to every trainable variable, on a fixed random batch (random labels for a
// loss), with no update.
void bench_backward_report(jit::JitNetwork *net, grad::TrainStep &step, const std::string &name,
                           const BenchOptions &options, const Compiled &compiled, std::ostream &out,
                           std::ostream &err);

// `netc profile`: 3 burn-in runs, then `steps` profiled runs of a random
// batch, the FMA peak measured on `threads` threads, and the profile table.
void profile_report(jit::JitNetwork &net, int batch, int64_t steps, int threads, std::ostream &out);

// Threads a run uses: --threads (or :threads) if set, else HL_NUM_THREADS, else every core.
int run_threads(int64_t requested);

}  // namespace netc::exec
