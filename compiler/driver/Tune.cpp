// The driver's measuring commands: `netc tune` (schedules by measurement,
// into the tuning table) and `netc profile` (where a network's time goes).
#include "Driver.h"
#include "Execute.h"

#include "JitNetwork.h"
#include "Plan.h"
#include "Peak.h"
#include "Tuner.h"

#include <iomanip>
#include <sstream>

namespace netc {

namespace {

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

}  // namespace

int Driver::tune_command(int m) {
    auto g = inference_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, true);
    Halide::Target t = target();
    int threads = exec::run_threads(opt_.threads);
    setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
    jit::CodeLoader::instance().set_num_threads(threads);
    std::string path = opt_.tuning.empty() ? tune::TuningTable::default_path(t) : opt_.tuning;
    if (path.empty()) throw rt::IOError("no cache directory for the tuning table (NETC_CACHE_DIR=off?): give --tuning FILE");
    tune::TuningTable table = tune::TuningTable::read(path);
    std::string header = "netc " + std::string(NETC_VERSION) + " tuning table\nCPU: " +
                         tune::TuningTable::cpu_description() + "\ntarget: " + t.without_feature(Halide::Target::JIT).to_string() +
                         "\nthreads: " + std::to_string(threads);
    stage("plan");
    lower::Plan plan = lower::build_plan(*g);
    tune::TuneOptions o;
    o.batch = static_cast<int>(opt_.batch > 0 ? opt_.batch : 1);
    o.retune = opt_.retune;
    o.progress = [&](int done, int total, const std::string &name) {
        err_ << "netc tune: [" << done + 1 << "/" << total << "] " << name << "\n";
        if (done > 0) table.write(path, header);  // what is tuned survives an interrupt
    };
    if (opt_.verbose)
        o.measured = [&](const std::string &s, double us) { err_ << "netc tune:   " << std::setw(28) << std::left << s << fixed(us, 1) << " us\n"; };
    if (double busy = tune::busy_share(0.5); busy > 0.15)
        err_ << "netc tune: warning: other processes use " << static_cast<int>(busy * 100)
             << "% of the CPUs; measurements taken now may pick the wrong schedules\n";
    stage("tune");
    auto results = tune::tune_network(plan, w, t, table, o);
    table.write(path, header);

    out_ << "tuned " << g->name << " at batch " << o.batch << " on " << threads << " thread"
         << (threads == 1 ? "" : "s") << " (" << tune::TuningTable::cpu_description() << ")\n";
    out_ << std::left << std::setw(10) << "model us" << std::setw(10) << "best us" << std::setw(9) << "speedup"
         << std::setw(9) << "GFLOP/s" << std::setw(30) << "best schedule" << "kernel (steps)\n";
    double model_total = 0, best_total = 0;
    for (auto &r : results) {
        double gf = r.best_us > 0 ? r.flops / (r.best_us * 1e3) : 0;
        if (!r.skipped) {
            model_total += r.model_us * r.steps;
            best_total += r.best_us * r.steps;
        }
        out_ << std::left << std::setw(10) << (r.skipped ? "kept" : fixed(r.model_us, 1)) << std::setw(10)
             << fixed(r.best_us, 1) << std::setw(9) << (r.skipped ? "-" : fixed(r.model_us / r.best_us, 2) + "x")
             << std::setw(9) << fixed(gf, 1) << std::setw(30) << r.best << r.name << " (" << r.steps << ")\n";
    }
    if (best_total > 0)
        out_ << "convolutions: " << fixed(model_total / 1e3, 2) << " ms with the model's schedules, "
             << fixed(best_total / 1e3, 2) << " ms tuned (" << fixed(model_total / best_total, 2) << "x)\n";
    out_ << "tuning table: " << path << " (" << table.entries().size() << " entries)\n";
    return kExitOk;
}

int Driver::profile_command(int m) {
    auto g = inference_graph(m);
    if (!g) return fail();
    auto w = network_weights(*g, true);
    int threads = exec::run_threads(opt_.threads);
    auto net = compile(*g, w);
    stage("profile");
    int batch = static_cast<int>(opt_.batch > 0 ? opt_.batch : 1);
    exec::profile_report(*net, batch, opt_.steps > 0 ? opt_.steps : 20, threads, out_);
    return kExitOk;
}

}  // namespace netc
