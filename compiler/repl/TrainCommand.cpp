// :train, the REPL's `netc train`: the same training loop (compiler/train)
// on the session's weights, which then become the trained ones.
#include "Repl.h"

#include "Interrupt.h"
#include "TrainLoop.h"

#include <csignal>
#include <cstdlib>

namespace netc::repl {

bool Repl::train(const Invocation &inv) {
    if (inv.args.empty()) return usage(inv);
    std::map<std::string, Word> opts;
    if (!options(inv, 1,
                 {"data", "validation", "epochs", "batch", "steps", "lr", "optimizer", "momentum", "seed", "resume", "-o"},
                 opts))
        return false;
    if (!opts.count("data"))
        return error(inv, inv.args[0],
                     ":train needs data=TRAIN (an .npz of images and labels, MNIST's idx files or CIFAR-10's batches)");
    train::TrainOptions o;
    if (!int_option(inv, opts, "epochs", 1, o.epochs) || !int_option(inv, opts, "batch", 1, o.batch) ||
        !int_option(inv, opts, "steps", 1, o.steps) || !int_option(inv, opts, "seed", 0, o.seed))
        return false;
    for (const char *name : {"lr", "momentum"}) {
        auto it = opts.find(name);
        if (it == opts.end()) continue;
        const std::string &s = it->second.text;
        char *end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        bool lr = name == std::string("lr");
        if (*end || !(d >= 0) || d > 1e6 || (!lr && d >= 1))
            return error(inv, it->second, std::string(name) + " needs a number " + (lr ? "of at least 0" : "in [0, 1)"));
        (lr ? o.lr : o.momentum) = d;
    }
    if (opts.count("optimizer")) {
        o.optimizer = opts["optimizer"].text;
        if (o.optimizer != "adam" && o.optimizer != "momentum" && o.optimizer != "sgd")
            return error(inv, opts["optimizer"], "optimizer is adam, momentum or sgd");
    }
    o.data = opts["data"].text;
    if (opts.count("validation")) o.validation = opts["validation"].text;
    if (opts.count("resume")) o.resume = opts["resume"].text;
    if (opts.count("-o")) o.output = opts["-o"].text;
    o.option_equals = true;
    o.step_lines = interactive_;
    if (!o.output.empty()) {
        // The line again, continuing from the checkpoint.
        o.resume_hint = inv.line.substr(0, inv.rest);
        for (const Word &w : inv.args)
            if (w.text.rfind("resume=", 0) != 0) o.resume_hint += (o.resume_hint.back() == ' ' ? "" : " ") + w.text;
        o.resume_hint += " resume=" + o.output;
    }

    NetworkRef ref;
    std::unique_ptr<ir::Graph> g;
    if (!network(inv, inv.args[0], ref, g)) return false;
    std::unique_ptr<grad::TrainStep> step;
    try {
        step = std::make_unique<grad::TrainStep>(*g);
    } catch (const grad::Unsupported &e) {
        session_.diag().error(e.loc, e.what());
        return false;
    }
    // The session's weights, or a checkpoint's to resume; an optimizer's
    // slots among them carry on.
    rt::NamedArrays init;
    std::string from;
    try {
        if (!o.resume.empty()) {
            init = rt::read_npz(o.resume);
            from = o.resume;
            step->load(weights::bind_weights(*g, init, from));
        } else {
            step->load(session_.weights_for(*g));
            if (const rt::NamedArrays *a = session_.weights_arrays()) init = *a, from = session_.weights_file();
        }
    } catch (const rt::IOError &e) {
        return error(inv, o.resume.empty() ? inv.args[0] : opts["resume"], e.what());
    }

    auto stop = [](int64_t) { return InterruptHandler::pending() ? SIGINT : 0; };
    train::TrainResult r;
    try {
        r = train::train_network(*step, init, from, o, stop, out_, err_);
    } catch (const rt::IOError &e) {
        // Under the word that names the file the message is about.
        std::string msg = e.what();
        const Word *w = &opts["data"];
        for (const char *k : {"validation", "resume", "-o"})
            if (opts.count(k) && msg.rfind(opts[k].text + ":", 0) == 0) w = &opts[k];
        return error(inv, *w, msg);
    }
    if (r.ending == train::Ending::Diverged) return false;
    std::string what =
        o.output.empty() ? ":train " + ref.key + "'s weights after step " + std::to_string(r.steps) : o.output;
    session_.set_trained_weights(what, std::move(r.state));
    if (r.ending == train::Ending::Stopped) {
        err_ << "the session's weights are those after step " << r.steps << "\n";
        throw jit::Interrupted();
    }
    out_ << ref.key << ": " << r.steps << " steps; the session's weights are the trained ones"
         << (o.output.empty() ? "" : " (checkpoint " + o.output + ")") << "\n";
    return true;
}

}  // namespace netc::repl
