// The driver's code-generating commands: weights, run, bench, and the
// --emit=plan|halide|stmt dumps. Each runs the front end, then
// build_plan -> lower_step (per step) -> JIT, in that order. What happens
// after the compile (exec::) is shared with the REPL.
#include "Driver.h"
#include "Execute.h"

#include "JitNetwork.h"
#include "Npy.h"
#include "Peak.h"
#include "Profile.h"
#include "Plan.h"
#include "Weights.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <random>
#include <thread>

namespace netc {

namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

namespace exec {

Halide::Target parse_target(const std::string &spec, const std::string &what) {
    if (spec == "host") return Halide::get_jit_target_from_environment();
    if (!Halide::Target::validate_target_string(spec))
        throw rt::IOError(what + ": '" + spec + "' is not a Halide target string");
    return Halide::Target(spec);
}

std::vector<float> random_input(int64_t size) {
    std::vector<float> x(size);
    std::mt19937 gen(1);
    std::normal_distribution<float> dist;
    for (float &v : x) v = dist(gen);
    return x;
}

void run_report(jit::JitNetwork &net, const ir::Graph &g, const std::vector<rt::Array> &inputs,
                const std::vector<std::string> &outputs, const Compiled &compiled, std::ostream &out) {
    std::ios::fmtflags flags = out.flags();
    std::streamsize precision = out.precision();
    int batch = static_cast<int>(inputs.at(0).shape[0]);
    std::vector<rt::Array> ys(net.outputs());
    std::vector<const float *> in;
    std::vector<float *> outp;
    for (auto &x : inputs) in.push_back(x.data.data());
    for (int k = 0; k < net.outputs(); k++) {
        ys[k].shape = net.output_shape(k, batch);
        ys[k].data.resize(ys[k].size());
        outp.push_back(ys[k].data.data());
    }
    double t0 = now_ms();
    net.run(in, outp, batch);
    double run_ms = now_ms() - t0;
    for (int k = 0; k < net.outputs(); k++) {
        const rt::Array &y = ys[k];
        if (!outputs[k].empty()) rt::write_npy(outputs[k], y);
        out << g.name << ": output " << (net.outputs() > 1 ? g.output_names[k] + " " : "") << y.shape_str();
        if (!outputs[k].empty()) out << " -> " << outputs[k];
        out << "\n";
        if (y.shape.size() == 2 && y.shape[1] >= 5) {
            int64_t n = y.shape[1];
            for (int b = 0; b < batch && b < 8; b++) {
                std::vector<int64_t> idx(n);
                std::iota(idx.begin(), idx.end(), 0);
                const float *row = y.data.data() + b * n;
                std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(),
                                  [&](int64_t a, int64_t c) { return row[a] > row[c]; });
                out << "  image " << b << " top-5:";
                for (int i = 0; i < 5; i++) out << " " << idx[i] << " (" << std::setprecision(4) << row[idx[i]] << ")";
                out << "\n";
            }
        }
    }
    out << std::fixed << std::setprecision(1) << "  JIT compile ";
    if (compiled.cached) out << "cached";
    else out << compiled.ms << " ms";
    out << " (" << net.stats().kernels << " kernels for " << net.stats().steps << " steps); forward " << run_ms
        << " ms for batch " << batch << (compiled.cached ? "" : " (first run)") << "\n";
    out.flags(flags);
    out.precision(precision);
}

Timing time_steps(const BenchOptions &o, const std::function<void()> &step) {
    for (int64_t i = 0; i < o.burn_in; i++) step();
    std::vector<double> secs;
    for (int64_t i = 0; i < o.steps; i++) {
        double t0 = now_ms();
        step();
        secs.push_back((now_ms() - t0) / 1000.0);
    }
    double mean = std::accumulate(secs.begin(), secs.end(), 0.0) / secs.size(), var = 0;
    for (double s : secs) var += (s - mean) * (s - mean);
    return {mean, std::sqrt(var / secs.size())};
}

void print_timing(std::ostream &out, const char *what, int64_t steps, const Timing &t) {
    out << what << " across " << steps << " steps, " << std::fixed << std::setprecision(3) << t.mean << " +/- "
        << t.sd << " sec / batch\n";
}

void warn_if_busy(std::ostream &err) {
    if (double busy = tune::busy_share(0.3); busy > 0.15)
        err << "netc bench: warning: other processes use " << static_cast<int>(busy * 100)
            << "% of the CPUs; these timings are unreliable\n";
}

void bench_report(jit::JitNetwork &net, const std::string &name, const BenchOptions &o, const Compiled &compiled,
                  std::ostream &out, std::ostream &err) {
    std::ios::fmtflags flags = out.flags();
    std::streamsize precision = out.precision();
    warn_if_busy(err);
    auto xs = random_inputs(net, o.batch);
    std::vector<std::vector<float>> ys;
    for (int k = 0; k < net.outputs(); k++) ys.emplace_back(net.output_size(k, o.batch));
    std::vector<const float *> in;
    std::vector<float *> outp;
    for (auto &x : xs) in.push_back(x.data());
    for (auto &y : ys) outp.push_back(y.data());
    Timing t = time_steps(o, [&] { net.run(in, outp, o.batch); });
    for (auto &y : ys)
        for (float v : y)
            if (!std::isfinite(v)) throw rt::IOError("the network produced a non-finite value");
    out << name << " batch " << o.batch << ": JIT compile ";
    if (compiled.cached) out << "cached\n";
    else out << std::fixed << std::setprecision(2) << compiled.ms / 1000.0 << " s\n";
    print_timing(out, "Forward", o.steps, t);
    out << std::setprecision(1) << o.batch / t.mean << " images/s\n";
    out.flags(flags);
    out.precision(precision);
}

void profile_report(jit::JitNetwork &net, int batch, int64_t steps, int threads, std::ostream &out) {
    double busy = tune::busy_share(0.5);
    if (busy > 0.15)
        out << "warning: other processes use " << static_cast<int>(busy * 100)
            << "% of the CPUs; these timings are unreliable\n";
    auto xs = random_inputs(net, batch);
    std::vector<std::vector<float>> ys;
    for (int k = 0; k < net.outputs(); k++) ys.emplace_back(net.output_size(k, batch));
    std::vector<const float *> in;
    std::vector<float *> outp;
    for (auto &x : xs) in.push_back(x.data());
    for (auto &y : ys) outp.push_back(y.data());
    for (int i = 0; i < 3; i++) net.run(in, outp, batch);
    net.enable_profile();
    for (int64_t i = 0; i < steps; i++) net.run(in, outp, batch);
    tune::Peak peak = tune::measure_fma_peak(net.target(), threads);
    print_profile(out, net, static_cast<int>(steps), batch, peak);
}

int run_threads(int64_t requested) {
    if (requested > 0) return static_cast<int>(requested);
    if (const char *e = getenv("HL_NUM_THREADS"); e && atoi(e) > 0) return atoi(e);
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace exec

Halide::Target Driver::target() const { return exec::parse_target(opt_.target, "--target"); }

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

void Driver::set_threads() {
    if (opt_.threads > 0) {
        setenv("HL_NUM_THREADS", std::to_string(opt_.threads).c_str(), 1);
        jit::CodeLoader::instance().set_num_threads(static_cast<int>(opt_.threads));
    }
}

std::unique_ptr<jit::JitNetwork> Driver::compile(const ir::Graph &g, const weights::WeightMap &w) {
    set_threads();
    stage("plan");
    lower::Plan plan = lower::build_plan(g);
    stage("lower and JIT-compile");
    double t0 = now_ms();
    auto progress = [&](int kernel, int total, const std::string &name) {
        if (opt_.verbose) err_ << "netc:   compiling kernel " << kernel + 1 << "/" << total << " " << name << "\n";
    };
    Halide::Target t = target();
    tuning_ = tune::load_tuning(opt_.tuning, t);
    if (opt_.verbose)
        err_ << "netc: tuning table " << (opt_.tuning.empty() ? tune::TuningTable::default_path(t) : opt_.tuning)
             << ": " << tuning_.entries().size() << " entries\n";
    auto net = std::make_unique<jit::JitNetwork>(std::move(plan), w, t, progress, nullptr, &tuning_);
    compile_ms_ = now_ms() - t0;
    if (opt_.verbose) {
        const auto &s = net->stats();
        err_ << "netc: " << s.steps << " steps run " << s.kernels << " kernels (" << s.compiled << " compiled, "
             << s.from_disk << " from the kernel cache, " << s.loaded << " already loaded) in " << std::fixed
             << std::setprecision(0) << compile_ms_ << " ms\n";
        const lower::MemoryLayout &m = net->memory();
        err_ << "netc: passes of " << m.head_pass << " image" << (m.head_pass == 1 ? "" : "s");
        if (m.split < s.steps)
            err_ << " for steps 1-" << m.split << ", " << m.tail_pass << " for steps " << m.split + 1 << "-" << s.steps
                 << " (from " << net->plan().steps[m.split].name << ")";
        err_ << "; activations " << (m.arena + m.tail_arena) * 4 / 1024 << " KiB per image\n";
    }
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
    auto g = inference_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, false);
    // Inputs and output names are checked before the (seconds-long) compile.
    stage("read inputs");
    std::vector<exec::NamedFile> in, out;
    for (auto &spec : opt_.inputs) in.push_back(exec::named_file(spec));
    for (auto &spec : opt_.outputs) out.push_back(exec::named_file(spec));
    auto xs = exec::read_inputs(*g, in, opt_.batch, "--image-size H,W", err_);
    auto files = exec::output_files(*g, out);
    auto net = compile(*g, w);
    stage("run");
    exec::run_report(*net, *g, xs, files, {compile_ms_, false}, out_);
    return kExitOk;
}

int Driver::bench_command(int m) {
    if (opt_.backward) return bench_backward_command(m);
    auto g = inference_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, true);
    auto net = compile(*g, w);
    stage("benchmark");
    exec::BenchOptions o;
    o.batch = static_cast<int>(opt_.batch > 0 ? opt_.batch : 1);
    o.steps = opt_.steps > 0 ? opt_.steps : 100;
    o.burn_in = opt_.burn_in;
    exec::bench_report(*net, g->name, o, {compile_ms_, false}, out_, err_);
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
