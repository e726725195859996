// `netc train`: the front end, the network's training step (compiler/grad)
// and its initial weights, then the training loop (compiler/train) with
// Ctrl-C and SIGTERM turned into a checkpoint that --resume continues.
#include "Driver.h"

#include "StopSignals.h"
#include "TrainLoop.h"

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iomanip>

namespace netc {

namespace {

std::string shell_quote(const std::string &s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%") ==
                          std::string::npos)
        return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// The command line again, its weights replaced by --resume CHECKPOINT.
std::string resume_command(const std::vector<std::string> &args, const std::string &checkpoint) {
    std::string cmd = "netc";
    for (size_t i = 0; i < args.size(); i++) {
        const std::string &a = args[i];
        bool takes_value = a == "--weights" || a == "--random-weights" || a == "--resume";
        if (takes_value || a.rfind("--weights=", 0) == 0 || a.rfind("--random-weights=", 0) == 0 ||
            a.rfind("--resume=", 0) == 0) {
            if (takes_value) i++;
            continue;
        }
        cmd += " " + shell_quote(a);
    }
    return cmd + " --resume " + shell_quote(checkpoint);
}

// NETC_TRAIN_SIGNAL_AT_STEP=K sends netc SIGINT once step K is done, so that
// tests can interrupt a run at a known step through the real signal path.
int64_t test_signal_step() {
    const char *v = std::getenv("NETC_TRAIN_SIGNAL_AT_STEP");
    return v ? std::atoll(v) : -1;
}

}  // namespace

std::unique_ptr<grad::TrainStep> Driver::train_step(const ir::Graph &g, grad::Objective objective) {
    try {
        return std::make_unique<grad::TrainStep>(g, objective);
    } catch (const grad::Unsupported &e) {
        // The stages' refusals name netc train; bench --backward refuses the
        // same ops for the same reasons.
        std::string msg = e.what();
        const std::string train = "'netc train'";
        if (objective == grad::Objective::Benchmark && msg.rfind(train, 0) == 0)
            msg = "'netc bench --backward'" + msg.substr(train.size());
        diag_.error(e.loc, msg);
        return nullptr;
    }
}

int Driver::train_command(int m) {
    auto g = entry_graph(m);
    if (!g) return fail();
    std::unique_ptr<grad::TrainStep> step = train_step(*g, grad::Objective::Loss);
    if (!step) return fail();
    // The weights: a checkpoint to resume, a weight file, or random.
    const std::string &from = opt_.resume.empty() ? opt_.weights : opt_.resume;
    rt::NamedArrays init;
    weights::WeightMap w;
    if (!from.empty()) {
        init = rt::read_npz(from);
        w = weights::bind_weights(*g, init, from);
    } else {
        w = weights::random_weights(*g, uint64_t(opt_.random_seed));
    }
    step->load(w);

    train::TrainOptions o;
    o.data = opt_.data;
    o.validation = opt_.validation;
    o.optimizer = opt_.optimizer;
    o.lr = opt_.lr;
    o.momentum = opt_.momentum;
    o.batch = opt_.batch > 0 ? opt_.batch : 32;
    o.epochs = opt_.epochs;
    o.steps = opt_.steps;
    o.seed = opt_.seed;
    o.output = opt_.output;
    o.gradients = opt_.gradients;
    o.resume = opt_.resume;
    o.log_steps = opt_.log_steps;
    o.shuffle = !opt_.no_shuffle;
    o.resume_hint = resume_command(opt_.args, opt_.output);

    if (!opt_.gradients.empty() && opt_.output.empty()) {
        // The loss and gradients of the first `batch` examples, as they are.
        train::Dataset d = train::load_dataset(opt_.data, train::Split::Training, step->images_input(), step->classes());
        int n = int(std::min<int64_t>(o.batch, d.count));
        double loss = step->forward(d.images.data(), d.labels.data(), n, true, int(opt_.seed));
        if (!std::isfinite(loss)) throw rt::IOError(opt_.data + ": the loss of the first batch is not finite");
        step->backward();
        train::write_gradients(opt_.gradients, loss, *step);
        out_ << g->name << ": loss " << std::setprecision(6) << loss << " on " << n << " examples; gradients -> "
             << opt_.gradients << "\n";
        return kExitOk;
    }

    train::StopSignals signals;
    int64_t signal_at = test_signal_step();
    auto stop = [&](int64_t steps) {
        if (steps == signal_at) std::raise(SIGINT);
        return train::StopSignals::pending();
    };
    train::TrainResult r = train::train_network(*step, init, from, o, stop, out_, err_);
    if (opt_.verbose)
        err_ << "netc train: " << grad::kernels_compiled() << " kernels compiled, " << grad::kernels_from_cache()
             << " from the kernel cache, in " << std::fixed << std::setprecision(0) << grad::compile_ms() << " ms\n";
    if (r.ending == train::Ending::Diverged) return kExitUserError;
    if (r.ending == train::Ending::Stopped) return 128 + r.signal;
    out_ << g->name << ": " << r.steps << " steps; weights -> " << opt_.output << "\n";
    return kExitOk;
}

}  // namespace netc
