// The compiler driver: runs the stages in order (parse -> resolve ->
// elaborate -> report/emit) and dumps any of them on request.
#pragma once

#include "Elaborate.h"
#include "TuningTable.h"
#include "Weights.h"

#include <Halide.h>
#include "Options.h"
#include "Program.h"

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <vector>

namespace netc::jit {
class JitNetwork;
}
namespace netc::grad {
class TrainStep;
enum class Objective;
}
namespace netc::aot {
using Outputs = std::map<std::string, std::string>;
}

namespace netc {

class Driver {
public:
    Driver(const Options &options, std::ostream &out, std::ostream &err);
    int run();  // the process exit code

private:
    const Options &opt_;
    std::ostream &out_, &err_;
    SourceManager sources_;
    Diagnostics diag_;
    Program program_;
    std::chrono::steady_clock::time_point start_;

    void stage(const char *name);
    int load();      // main module index, or -1
    bool resolve();  // every loaded module
    const ast::Decl *pick_entry(int m);
    bool overrides(int m, ElaborateOptions &out);
    std::unique_ptr<ir::Graph> elaborate(const ast::Decl &net, int m);
    // The --entry network of module m, elaborated; null after reporting errors.
    std::unique_ptr<ir::Graph> entry_graph(int m);
    // g's training step (netc train, --train -o; bench --backward's
    // objective); null after reporting an op it cannot differentiate.
    std::unique_ptr<grad::TrainStep> train_step(const ir::Graph &g, grad::Objective objective);
    int fail() const;  // exit code after errors

    int check(int m);
    int summary(int m);
    int emit(int m);

    // Code generation (Execute.cpp).
    Halide::Target target() const;
    weights::WeightMap network_weights(const ir::Graph &g, bool random_default);
    std::unique_ptr<jit::JitNetwork> compile(const ir::Graph &g, const weights::WeightMap &w);
    int weights_command(int m);
    int run_command(int m);
    int bench_command(int m);
    int bench_backward_command(int m);  // BenchBackward.cpp
    void set_threads();
    int emit_codegen(const ir::Graph &g, const std::string &kind, std::ostream &os);

    // Training (Train.cpp).
    int train_command(int m);
    // The entry network, refused with a located error if only `netc train`
    // can compute it (a loss, dropout or batch norm in training mode).
    std::unique_ptr<ir::Graph> inference_graph(int m);

    // Model import (Import.cpp).
    int import_command();

    // Measurement (Tune.cpp).
    int tune_command(int m);
    int profile_command(int m);
    tune::TuningTable tuning_;  // the table the last compile used

    // Ahead-of-time compilation (Compile.cpp).
    std::vector<Halide::Target> aot_targets() const;
    int compile_command(int m);
    int train_compile_command(int m);  // --train (TrainCompile.cpp)
    aot::Outputs aot_outputs(bool train);
    bool aot_requested() const;
    double compile_ms_ = 0;
};

// Whether s can name a C symbol (an AOT object's entry).
bool is_c_identifier(const std::string &s);

// main() minus the process concerns; exceptions are the caller's.
int run_netc(int argc, char **argv, std::ostream &out, std::ostream &err);

}  // namespace netc
