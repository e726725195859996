#include "TrainLoop.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <random>
#include <sstream>

namespace netc::train {

namespace {

std::string clock_str(double s) {
    int t = int(s + 0.5);
    char b[32];
    std::snprintf(b, sizeof b, "%d:%02d", t / 60, t % 60);
    return b;
}

std::string signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal " + std::to_string(sig);
}

// Accuracy in inference mode (moving statistics, no dropout), in batches.
double evaluate(grad::TrainStep &step, const Dataset &d, int batch) {
    int64_t right = 0;
    for (int64_t at = 0; at < d.count; at += batch) {
        int n = int(std::min<int64_t>(batch, d.count - at));
        step.forward(d.images.data() + at * d.per_example, d.labels.data() + at, n, false, 0);
        right += step.correct();
    }
    return double(right) / double(d.count);
}

// Batch norm in training mode needs two values per channel: a batch of n
// examples gives it n * H * W.
bool batch_norm_starved(const ir::Graph &g, int64_t n) {
    for (const ir::Node &node : g.nodes) {
        if (!node.norm || !node.norm->training) continue;
        int64_t values = n;
        for (int i = 1; i + 1 < node.shape.rank(); i++) values *= node.shape[i];
        if (values < 2) return true;
    }
    return false;
}

class Loop {
public:
    Loop(grad::TrainStep &step, const TrainOptions &o, const StopRequest &stop, std::ostream &out, std::ostream &err)
        : step_(step), o_(o), stop_(stop), out_(out), err_(err), tty_(o.step_lines && isatty(2)) {}

    TrainResult run(const rt::NamedArrays &init, const std::string &init_file);

private:
    grad::TrainStep &step_;
    const TrainOptions &o_;
    const StopRequest &stop_;
    std::ostream &out_, &err_;
    bool tty_;
    Dataset train_, val_;
    std::unique_ptr<grad::OptimizerState> opt_;
    int batch_ = 0;
    int64_t per_epoch_ = 0, total_ = 0;
    Progress at_;             // where training is
    int64_t run_steps_ = 0;   // steps taken by this run
    std::string checkpoint_;  // what the last checkpoint holds, for messages
    std::chrono::steady_clock::time_point t0_;
    std::ofstream log_;       // --log-steps

    void start(const rt::NamedArrays &init, const std::string &init_file);
    rt::NamedArrays state() const;
    void save();
    double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }
    TrainResult stopped(int sig);
    std::string flag(const std::string &name) const { return o_.option_equals ? name + "=" : "--" + name; }
};

void Loop::start(const rt::NamedArrays &init, const std::string &init_file) {
    const ir::Node &input = step_.images_input();
    train_ = load_dataset(o_.data, Split::Training, input, step_.classes());
    if (!o_.validation.empty()) val_ = load_dataset(o_.validation, Split::Validation, input, step_.classes());

    grad::OptimizerOptions oo;
    oo.kind = o_.optimizer == "adam" ? "adam" : "momentum";
    oo.lr = o_.lr;
    oo.momentum = o_.optimizer == "sgd" ? 0 : o_.momentum;
    opt_ = std::make_unique<grad::OptimizerState>(oo, step_.variables());
    batch_ = int(std::min<int64_t>(o_.batch, train_.count));
    at_.batch = batch_;
    at_.examples = train_.count;
    at_.seed = o_.seed;
    if (!o_.resume.empty()) {
        Progress p = read_progress(init, o_.resume);
        auto differs = [&](const char *what, int64_t theirs, int64_t ours, const std::string &option) {
            if (theirs != ours)
                throw rt::IOError(o_.resume + ": was trained with " + what + " " + std::to_string(theirs) +
                                  " but this run has " + std::to_string(ours) + "; " + flag("resume") +
                                  " continues the same run, so give the same " + option);
        };
        differs("batch", p.batch, batch_, flag("batch"));
        differs("a data set of", p.examples, train_.count, flag("data"));
        differs("seed", p.seed, o_.seed, flag("seed"));
        if (!opt_->restore(init))
            throw rt::IOError(o_.resume + ": holds no " + (oo.kind == "adam" ? "Adam" : "Momentum") +
                              " slots for these variables; was it trained with another " + flag("optimizer") + "?");
        if (oo.kind == "adam" && p.has_beta_powers) opt_->set_beta_powers(p.beta_powers);
        at_ = p;
        if (o_.output == o_.resume) checkpoint_ = "at step " + std::to_string(p.global_step);
    } else if (!init.empty() && opt_->restore(init)) {
        err_ << "netc train: resuming the optimizer's state from " << init_file << "\n";
    }
    if (!o_.log_steps.empty()) {
        // A resumed run adds its steps to the log the interrupted one began.
        bool append = !o_.resume.empty();
        log_.open(o_.log_steps, append ? std::ios::app : std::ios::trunc);
        if (!log_) throw rt::IOError(o_.log_steps + ": cannot write: " + std::strerror(errno));
        if (!append) log_ << "step,epoch,loss\n";
        log_ << std::setprecision(17);
    }
    per_epoch_ = (train_.count + batch_ - 1) / batch_;
    int64_t last = train_.count - (per_epoch_ - 1) * batch_;
    if (last < batch_ && batch_norm_starved(step_.graph(), last)) {
        per_epoch_--;
        err_ << "netc train: the last batch of each epoch (one example) is left out: batch norm in training mode "
                "needs two values per channel\n";
    }
    total_ = per_epoch_ * o_.epochs;
    if (o_.steps > 0) total_ = std::min(total_, o_.steps);
    if (!o_.resume.empty()) {
        if (at_.step_in_epoch > per_epoch_ || at_.global_step != (at_.epoch - 1) * per_epoch_ + at_.step_in_epoch)
            throw rt::IOError(o_.resume + ": its progress (step " + std::to_string(at_.global_step) + ", epoch " +
                              std::to_string(at_.epoch) + " step " + std::to_string(at_.step_in_epoch) +
                              ") does not fit " + std::to_string(per_epoch_) + " batches per epoch");
        err_ << "netc train: resuming " << o_.resume << " after step " << at_.global_step << " (epoch " << at_.epoch
             << ", batch " << at_.step_in_epoch << "/" << per_epoch_ << ")\n";
        if (at_.step_in_epoch == per_epoch_) at_.epoch++, at_.step_in_epoch = 0;
    }
}

rt::NamedArrays Loop::state() const {
    Progress p = at_;
    if (opt_->options().kind == "adam") p.has_beta_powers = true, p.beta_powers = opt_->beta_powers();
    return checkpoint_arrays(step_, *opt_, p);
}

void Loop::save() {
    if (o_.output.empty()) return;
    const Progress &p = at_;
    write_checkpoint(o_.output, state());
    checkpoint_ = p.step_in_epoch == per_epoch_ ? "of epoch " + std::to_string(p.epoch)
                                                : "at step " + std::to_string(p.global_step);
}

TrainResult Loop::stopped(int sig) {
    if (tty_) err_ << "\n";
    err_ << "netc train: stopped by " << signal_name(sig) << " after step " << at_.global_step << " (epoch "
         << at_.epoch << ", batch " << at_.step_in_epoch << "/" << per_epoch_ << ")";
    if (o_.output.empty()) {
        err_ << "\n";
    } else {
        save();
        err_ << "; checkpoint -> " << o_.output << "\n";
        if (!o_.resume_hint.empty()) err_ << "to resume: " << o_.resume_hint << "\n";
    }
    return {Ending::Stopped, at_.global_step, sig, state()};
}

TrainResult Loop::run(const rt::NamedArrays &init, const std::string &init_file) {
    start(init, init_file);
    if (int sig = stop_(at_.global_step)) return stopped(sig);
    std::mt19937_64 rng(uint64_t(o_.seed));
    std::vector<int64_t> order(size_t(train_.count));
    // Each epoch's order follows from the seed and the epochs before it.
    for (int64_t e = 1; e < at_.epoch && o_.shuffle; e++) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
    }
    std::vector<float> xb(size_t(batch_) * size_t(train_.per_example)), yb(static_cast<size_t>(batch_));
    t0_ = std::chrono::steady_clock::now();
    int64_t timed_images = 0;
    for (; at_.global_step < total_; at_.epoch++, at_.step_in_epoch = 0) {
        std::iota(order.begin(), order.end(), 0);
        if (o_.shuffle) std::shuffle(order.begin(), order.end(), rng);
        double loss_sum = 0;
        int64_t right = 0, seen = 0, batches = 0;
        for (int64_t &b = at_.step_in_epoch; b < per_epoch_ && at_.global_step < total_;) {
            int n = int(std::min<int64_t>(batch_, train_.count - b * batch_));
            for (int i = 0; i < n; i++) {
                int64_t e = order[size_t(b * batch_ + i)];
                std::copy_n(train_.images.data() + e * train_.per_example, train_.per_example,
                            xb.data() + int64_t(i) * train_.per_example);
                yb[size_t(i)] = train_.labels[size_t(e)];
            }
            double loss = step_.forward(xb.data(), yb.data(), n, true, int(at_.global_step + 1 + o_.seed * 7919));
            if (!std::isfinite(loss)) {
                err_ << (tty_ ? "\n" : "") << "netc: error: step " << at_.global_step + 1 << " (epoch " << at_.epoch
                     << "): the loss is not finite (" << loss << "); try a smaller " << flag("lr")
                     << (checkpoint_.empty() || o_.output.empty()
                             ? std::string()
                             : "; the checkpoint " + o_.output + " " + checkpoint_ + " is intact")
                     << "\n";
                return {Ending::Diverged, at_.global_step, 0, {}};
            }
            step_.backward();
            if (at_.global_step == 0 && !o_.gradients.empty()) write_gradients(o_.gradients, loss, step_);
            opt_->step();
            at_.global_step++, b++, run_steps_++, batches++;
            if (log_.is_open()) log_ << at_.global_step << "," << at_.epoch << "," << loss << "\n" << std::flush;
            // The first step compiles the kernels: rates and ETA count from its end.
            if (run_steps_ == 1) t0_ = std::chrono::steady_clock::now();
            else timed_images += n;
            loss_sum += loss;
            right += step_.correct();
            seen += n;
            if (o_.step_lines &&
                (tty_ || at_.global_step == total_ || b % std::max<int64_t>(1, per_epoch_ / 4) == 0)) {
                double s = seconds();
                err_ << (tty_ ? "\r" : "") << "epoch " << at_.epoch << " step " << b << "/" << per_epoch_
                     << "  loss " << std::fixed << std::setprecision(4) << loss_sum / double(batches)
                     << "  accuracy " << std::setprecision(1) << 100.0 * double(right) / double(seen) << "%  "
                     << std::setprecision(0) << double(timed_images) / std::max(s, 1e-9) << " images/s  ETA "
                     << clock_str(run_steps_ > 1 ? s / double(run_steps_ - 1) * double(total_ - at_.global_step) : 0)
                     << (tty_ ? "   " : "\n") << std::defaultfloat << std::flush;
            }
            if (int sig = stop_(at_.global_step)) return stopped(sig);
        }
        if (tty_) err_ << "\n";
        std::ostringstream line;
        line << "epoch " << at_.epoch << ": loss " << std::fixed << std::setprecision(4)
             << loss_sum / double(std::max<int64_t>(1, batches)) << ", training accuracy " << std::setprecision(2)
             << 100.0 * double(right) / double(std::max<int64_t>(seen, 1)) << "%";
        if (!val_.images.empty()) line << ", validation accuracy " << 100.0 * evaluate(step_, val_, batch_) << "%";
        line << " (" << std::setprecision(1) << seconds() << " s after the first step)";
        out_ << line.str() << "\n" << std::flush;
        save();
        if (at_.global_step >= total_) break;  // the checkpoint says where in the epoch
    }
    if (run_steps_ == 0) {
        err_ << "netc train: " << o_.resume << " is already at step " << at_.global_step << " of " << total_
             << "; nothing to train (raise " << flag("epochs") << " or " << flag("steps") << ")\n";
        save();
    }
    return {Ending::Finished, at_.global_step, 0, state()};
}

}  // namespace

void write_gradients(const std::string &file, double loss, grad::TrainStep &step) {
    rt::NamedArrays out;
    out.emplace_back("loss", rt::Array{{}, {float(loss)}});
    for (auto &v : step.variables())
        if (v.trainable)
            out.emplace_back(v.name, rt::Array{v.shape, std::vector<float>(v.grad.data(), v.grad.data() +
                                                                               v.grad.number_of_elements())});
    rt::write_npz(file, out);
}

TrainResult train_network(grad::TrainStep &step, const rt::NamedArrays &init, const std::string &init_file,
                          const TrainOptions &o, const StopRequest &stop, std::ostream &out, std::ostream &err) {
    Loop loop(step, o, stop, out, err);
    return loop.run(init, init_file);
}

}  // namespace netc::train
