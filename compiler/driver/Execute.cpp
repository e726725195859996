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

void check_input(const ir::Graph &g, const rt::Array &x, const std::string &file, const std::string &resize) {
    const ir::Shape &want = g.node(g.inputs[0]).shape;
    if (x.shape.size() != want.dims.size() || x.shape[0] < 1 ||
        !std::equal(want.dims.begin() + 1, want.dims.end(), x.shape.begin() + 1))
        throw rt::IOError(file + ": input has shape " + x.shape_str() + "; network '" + g.name + "' expects " +
                          want.str(g.batch_symbol) +
                          (want.rank() == 4 ? " (" + resize + " runs it at another size)" : ""));
    if (x.shape[0] > (1 << 20))
        throw rt::IOError(file + ": batch of " + std::to_string(x.shape[0]) + " is too large");
}

rt::Array read_input(const ir::Graph &g, const std::string &file, const std::string &resize) {
    rt::Array x;
    try {
        x = rt::read_npy(file);
    } catch (const rt::IOError &e) {
        // A file that is not there says so; one netc cannot use says what would do.
        if (!std::ifstream(file)) throw;
        throw rt::IOError(std::string(e.what()) + " (network '" + g.name + "' takes a float32 array of shape " +
                          g.node(g.inputs[0]).shape.str(g.batch_symbol) + ")");
    }
    check_input(g, x, file, resize);
    return x;
}

void run_report(jit::JitNetwork &net, const std::string &name, const rt::Array &x, const std::string &output,
                const Compiled &compiled, std::ostream &out) {
    std::ios::fmtflags flags = out.flags();
    std::streamsize precision = out.precision();
    int batch = static_cast<int>(x.shape[0]);
    rt::Array y;
    y.shape = net.output_shape(batch);
    y.data.resize(y.size());
    double t0 = now_ms();
    net.run(x.data.data(), y.data.data(), batch);
    double run_ms = now_ms() - t0;
    if (!output.empty()) rt::write_npy(output, y);
    out << name << ": output " << y.shape_str();
    if (!output.empty()) out << " -> " << output;
    out << "\n";
    if (y.shape.size() == 2 && y.shape[1] >= 5) {
        int64_t k = y.shape[1];
        for (int n = 0; n < batch && n < 8; n++) {
            std::vector<int64_t> idx(k);
            std::iota(idx.begin(), idx.end(), 0);
            const float *row = y.data.data() + n * k;
            std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
            out << "  image " << n << " top-5:";
            for (int i = 0; i < 5; i++) out << " " << idx[i] << " (" << std::setprecision(4) << row[idx[i]] << ")";
            out << "\n";
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

void bench_report(jit::JitNetwork &net, const std::string &name, const BenchOptions &o, const Compiled &compiled,
                  std::ostream &out, std::ostream &err) {
    std::ios::fmtflags flags = out.flags();
    std::streamsize precision = out.precision();
    std::vector<float> x = random_input(net.input_size(o.batch)), y(net.output_size(o.batch));
    for (int64_t i = 0; i < o.burn_in; i++) net.run(x.data(), y.data(), o.batch);
    std::vector<double> secs;
    for (int64_t i = 0; i < o.steps; i++) {
        double t0 = now_ms();
        net.run(x.data(), y.data(), o.batch);
        secs.push_back((now_ms() - t0) / 1000.0);
    }
    double mean = std::accumulate(secs.begin(), secs.end(), 0.0) / secs.size(), var = 0;
    for (double s : secs) var += (s - mean) * (s - mean);
    double sd = std::sqrt(var / secs.size());
    for (float v : y)
        if (!std::isfinite(v)) throw rt::IOError("the network produced a non-finite value");
    out << name << " batch " << o.batch << ": JIT compile ";
    if (compiled.cached) out << "cached\n";
    else out << std::fixed << std::setprecision(2) << compiled.ms / 1000.0 << " s\n";
    out << "Forward across " << o.steps << " steps, " << std::fixed << std::setprecision(3) << mean << " +/- " << sd
        << " sec / batch\n";
    out << std::setprecision(1) << o.batch / mean << " images/s\n";
    out.flags(flags);
    out.precision(precision);
}

void profile_report(jit::JitNetwork &net, int batch, int64_t steps, int threads, std::ostream &out) {
    std::vector<float> x = random_input(net.input_size(batch)), y(net.output_size(batch));
    for (int i = 0; i < 3; i++) net.run(x.data(), y.data(), batch);
    net.enable_profile();
    for (int64_t i = 0; i < steps; i++) net.run(x.data(), y.data(), batch);
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

std::unique_ptr<jit::JitNetwork> Driver::compile(const ir::Graph &g, const weights::WeightMap &w) {
    if (opt_.threads > 0) {
        setenv("HL_NUM_THREADS", std::to_string(opt_.threads).c_str(), 1);
        jit::CodeLoader::instance().set_num_threads(static_cast<int>(opt_.threads));
    }
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
    auto g = entry_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, false);
    // The input is checked before the (seconds-long) compile.
    rt::Array x;
    if (!opt_.input.empty()) {
        stage("read input");
        x = exec::read_input(*g, opt_.input, "--image-size H,W");
    } else {
        // No input given: a fixed pseudo-random image, so a run shows the pipeline works.
        x.shape = g->node(g->inputs[0]).shape.dims;
        x.shape[0] = std::max<int64_t>(1, opt_.batch);
        x.data = exec::random_input(x.size());
        err_ << "netc: no --input given; using a pseudo-random " << x.shape_str() << " image\n";
    }
    auto net = compile(*g, w);
    stage("run");
    exec::run_report(*net, g->name, x, opt_.output, {compile_ms_, false}, out_);
    return kExitOk;
}

int Driver::bench_command(int m) {
    auto g = entry_graph(m);
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
