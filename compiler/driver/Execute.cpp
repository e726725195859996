// The driver's code-generating commands: weights, run, bench, and the
// --emit=plan|halide|stmt dumps. Each runs the front end, then
// build_plan -> lower_step (per step) -> JIT, in that order.
#include "Driver.h"

#include "JitNetwork.h"
#include "Npy.h"
#include "Plan.h"
#include "Weights.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <numeric>
#include <random>

namespace netc {

namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A fixed pseudo-random standard-normal image batch (no --input, and bench).
std::vector<float> random_input(int64_t size) {
    std::vector<float> x(size);
    std::mt19937 gen(1);
    std::normal_distribution<float> dist;
    for (float &v : x) v = dist(gen);
    return x;
}

}  // namespace

Halide::Target Driver::target() const {
    if (opt_.target == "host") return Halide::get_jit_target_from_environment();
    if (!Halide::Target::validate_target_string(opt_.target))
        throw rt::IOError("--target: '" + opt_.target + "' is not a Halide target string");
    return Halide::Target(opt_.target);
}

weights::WeightMap Driver::network_weights(const ir::Graph &g, bool random_default) {
    if (!opt_.weights.empty() && opt_.random_seed >= 0)
        throw rt::IOError("give either --weights or --random-weights, not both");
    if (!opt_.weights.empty()) {
        stage("read weights");
        return weights::bind_weights(g, rt::read_npz(opt_.weights), opt_.weights);
    }
    if (opt_.random_seed < 0 && !random_default)
        throw rt::IOError("'" + opt_.command + "' needs weights: --weights W.npz or --random-weights SEED");
    stage("random weights");
    return weights::random_weights(g, static_cast<uint64_t>(std::max<int64_t>(0, opt_.random_seed)));
}

std::unique_ptr<jit::JitNetwork> Driver::compile(const ir::Graph &g, const weights::WeightMap &w) {
    if (opt_.threads > 0) setenv("HL_NUM_THREADS", std::to_string(opt_.threads).c_str(), 1);
    stage("plan");
    lower::Plan plan = lower::build_plan(g);
    stage("lower and JIT-compile");
    double t0 = now_ms();
    auto progress = [&](int kernel, int total, const std::string &name) {
        if (opt_.verbose) err_ << "netc:   compiling kernel " << kernel + 1 << "/" << total << " " << name << "\n";
    };
    auto net = std::make_unique<jit::JitNetwork>(std::move(plan), w, target(), progress);
    compile_ms_ = now_ms() - t0;
    if (opt_.verbose)
        err_ << "netc: compiled " << net->stats().steps << " steps into " << net->stats().kernels
             << " kernels in " << std::fixed << std::setprecision(0) << compile_ms_ << " ms\n";
    return net;
}

int Driver::weights_command(int m) {
    if (opt_.output.empty() || opt_.random_seed < 0) {
        err_ << "netc: error: 'weights' needs " << (opt_.output.empty() ? "-o W.npz" : "--random-weights SEED") << "\n";
        return kExitUsage;
    }
    auto g = entry_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, false);
    stage("write weights");
    rt::write_npz(opt_.output, weights::in_graph_order(*g, w));
    out_ << opt_.output << ": " << w.size() << " tensors, " << g->total_params() << " values\n";
    return kExitOk;
}

int Driver::run_command(int m) {
    auto g = entry_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, false);
    // The input is checked before the (seconds-long) compile.
    const ir::Shape &want = g->node(g->inputs[0]).shape;
    rt::Array x;
    if (!opt_.input.empty()) {
        stage("read input");
        x = rt::read_npy(opt_.input);
        if (x.shape.size() != want.dims.size() || x.shape[0] < 1 ||
            !std::equal(want.dims.begin() + 1, want.dims.end(), x.shape.begin() + 1))
            throw rt::IOError(opt_.input + ": input has shape " + x.shape_str() + "; network '" + g->name +
                              "' expects " + want.str(g->batch_symbol) +
                              (want.rank() == 4 ? " (--image-size H,W runs it at another size)" : ""));
        if (x.shape[0] > (1 << 20))
            throw rt::IOError(opt_.input + ": batch of " + std::to_string(x.shape[0]) + " is too large");
    } else {
        // No input given: a fixed pseudo-random image, so a run shows the pipeline works.
        x.shape = want.dims;
        x.shape[0] = std::max<int64_t>(1, opt_.batch);
        x.data = random_input(x.size());
        err_ << "netc: no --input given; using a pseudo-random " << x.shape_str() << " image\n";
    }
    auto net = compile(*g, w);
    int batch = static_cast<int>(x.shape[0]);
    rt::Array y;
    y.shape = net->output_shape(batch);
    y.data.resize(y.size());
    stage("run");
    double t0 = now_ms();
    net->run(x.data.data(), y.data.data(), batch);
    double run_ms = now_ms() - t0;
    if (!opt_.output.empty()) {
        stage("write output");
        rt::write_npy(opt_.output, y);
    }
    out_ << g->name << ": output " << y.shape_str();
    if (!opt_.output.empty()) out_ << " -> " << opt_.output;
    out_ << "\n";
    if (y.shape.size() == 2 && y.shape[1] >= 5) {
        int64_t k = y.shape[1];
        for (int n = 0; n < batch && n < 8; n++) {
            std::vector<int64_t> idx(k);
            std::iota(idx.begin(), idx.end(), 0);
            const float *row = y.data.data() + n * k;
            std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
            out_ << "  image " << n << " top-5:";
            for (int i = 0; i < 5; i++) out_ << " " << idx[i] << " (" << std::setprecision(4) << row[idx[i]] << ")";
            out_ << "\n";
        }
    }
    out_ << std::fixed << std::setprecision(1) << "  JIT compile " << compile_ms_ << " ms (" << net->stats().kernels
         << " kernels for " << net->stats().steps << " steps); forward " << run_ms << " ms for batch " << batch
         << " (first run)\n";
    return kExitOk;
}

int Driver::bench_command(int m) {
    auto g = entry_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, true);
    auto net = compile(*g, w);
    int batch = static_cast<int>(opt_.batch > 0 ? opt_.batch : 1);
    std::vector<float> x = random_input(net->input_size(batch)), y(net->output_size(batch));
    stage("benchmark");
    for (int64_t i = 0; i < opt_.burn_in; i++) net->run(x.data(), y.data(), batch);
    if (getenv("NETC_PROFILE")) net->enable_profile();
    std::vector<double> secs;
    for (int64_t i = 0; i < opt_.steps; i++) {
        double t0 = now_ms();
        net->run(x.data(), y.data(), batch);
        secs.push_back((now_ms() - t0) / 1000.0);
    }
    double mean = std::accumulate(secs.begin(), secs.end(), 0.0) / secs.size(), var = 0;
    for (double s : secs) var += (s - mean) * (s - mean);
    double sd = std::sqrt(var / secs.size());
    for (float v : y)
        if (!std::isfinite(v)) throw rt::IOError("the network produced a non-finite value");
    out_ << g->name << " batch " << batch << ": JIT compile " << std::fixed << std::setprecision(2)
         << compile_ms_ / 1000.0 << " s\n";
    out_ << "Forward across " << opt_.steps << " steps, " << std::setprecision(3) << mean << " +/- " << sd
         << " sec / batch\n";
    out_ << std::setprecision(1) << batch / mean << " images/s\n";
    if (getenv("NETC_PROFILE")) net->print_profile(err_, static_cast<int>(opt_.steps));
    return kExitOk;
}

int Driver::emit_codegen(const ir::Graph &g, const std::string &kind, std::ostream &os) {
    if (kind == "plan") {
        lower::print_plan(os, lower::build_plan(g));
        return kExitOk;
    }
    auto w = network_weights(g, true);
    auto net = compile(g, w);
    if (kind == "halide") net->print_halide(os);
    else net->print_stmt(os);
    return kExitOk;
}

}  // namespace netc
