// The REPL's commands. Each reports its own errors (with a caret under the
// offending word) and returns false when it failed.
#include "Repl.h"

#include "Dot.h"
#include "IRPrinter.h"
#include "Parser.h"
#include "Plan.h"
#include "Resolve.h"
#include "Summary.h"
#include "TrainStep.h"

#include <filesystem>
#include <fstream>

namespace netc::repl {

const std::vector<Repl::Command> &Repl::commands() {
    static const std::vector<Command> list = {
        {":help", "[COMMAND]", "this list, or one command's help", &Repl::help},
        {":quit", "", "leave (so does Ctrl-D)", &Repl::quit},
        {":load", "FILE", "import a .net file, as `import \"FILE\"` would", &Repl::load},
        {":defs", "", "the definitions typed or loaded so far", &Repl::defs},
        {":show", "NAME", "the source of a definition", &Repl::show},
        {":check", "", "check every definition and build every network, showing all errors", &Repl::check},
        {":summary", "NET [batch=N]", "the network's ops, shapes and parameter counts", &Repl::summary},
        {":shape", "EXPR", "a network's input, output and end-point shapes, or a constant's value", &Repl::shape},
        {":emit", "NET ir|dot|plan|halide|stmt|asm [-o FILE]", "a compiler stage's output for the network",
         &Repl::emit},
        {":run", "NET [IN.npy] [-o OUT.npy] [batch=N]",
         "run the network on IN.npy (or a pseudo-random batch) and print the top-5, as netc run does", &Repl::run},
        {":bench", "NET [backward] [batch=N] [steps=S] [burn_in=B]",
         "time the network, as netc bench does (backward: and its gradients, as netc bench --backward)",
         &Repl::bench},
        {":profile", "NET [batch=N] [steps=S]", "where the network's time goes, as netc profile shows it",
         &Repl::profile},
        {":train",
         "NET data=TRAIN [validation=VAL] [epochs=E] [batch=N] [lr=X] [-o CKPT.npz] [...]",
         "train a network with a loss from the session's weights, as netc train does (the same\n"
         "      data formats; also steps=S, optimizer=adam|momentum|sgd, momentum=M, seed=S,\n"
         "      resume=CKPT.npz); the session's weights become the trained ones. -o writes a\n"
         "      checkpoint every epoch; Ctrl-C stops after the current step, keeping the weights",
         &Repl::train},
        {":weights", "[random SEED | load W.npz | save NET W.npz]",
         "the weights every network runs with (at first: random, seed 0)", &Repl::weights},
        {":target", "[T]", "the Halide target compiled for: host, or a target string", &Repl::target},
        {":threads", "[N]", "threads for compiling and running (0: every core)", &Repl::threads},
        {":cache", "", "the compiled pipelines kept for reuse", &Repl::cache},
    };
    return list;
}

const Repl::Command *Repl::find_command(const std::string &name, std::vector<std::string> &candidates) {
    static const std::map<std::string, std::string> aliases = {{":exit", ":quit"}, {":?", ":help"}, {":list", ":defs"}};
    auto a = aliases.find(name);
    const std::string &want = a == aliases.end() ? name : a->second;
    // The name itself, or a prefix of one command only (:q, :sum).
    candidates.clear();
    for (auto &c : commands()) {
        if (want == c.name) return &c;
        if (want.size() > 1 && std::string(c.name).rfind(want, 0) == 0) candidates.push_back(c.name);
    }
    if (candidates.size() != 1) return nullptr;
    for (auto &c : commands())
        if (candidates[0] == c.name) return &c;
    return nullptr;
}

bool Repl::command(const Invocation &inv) {
    std::vector<std::string> candidates;
    const Command *found = find_command(inv.name, candidates);
    Word w{inv.name, inv.line.find(':'), inv.line.find(':') + inv.name.size()};
    if (!found && candidates.size() > 1) {
        std::string list;
        for (auto &p : candidates) list += (list.empty() ? "" : ", ") + p;
        return error(inv, w, "ambiguous command '" + inv.name + "' (" + list + ")");
    }
    if (!found) {
        std::vector<std::string> names;
        for (auto &c : commands()) names.push_back(c.name);
        std::string s = suggest(inv.name, names);
        return error(inv, w, "unknown command '" + inv.name + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?") +
                                 " (:help lists them)");
    }
    Invocation resolved = inv;
    resolved.name = found->name;
    return (this->*found->run)(resolved);
}

bool Repl::usage(const Invocation &inv) {
    for (auto &c : commands())
        if (inv.name == c.name) {
            Word w{inv.name, inv.line.find(':'), inv.line.size()};
            return error(inv, w, std::string("usage: ") + c.name + " " + c.args);
        }
    return false;
}

bool Repl::help(const Invocation &inv) {
    if (inv.args.size() > 1) return usage(inv);
    std::string want = inv.args.empty() ? "" : inv.args[0].text;
    if (!want.empty() && want[0] != ':') want = ":" + want;
    bool any = false;
    for (auto &c : commands()) {
        if (!want.empty() && want != c.name) continue;
        std::string head = std::string(c.name) + (*c.args ? " " : "") + c.args;
        out_ << "  " << head << "\n      " << c.help << "\n";
        any = true;
    }
    if (!any) return error(inv, inv.args[0], "no command '" + want + "' (:help lists them)");
    if (want.empty())
        out_ << "Anything else is source text: imports, constants, arg_scopes, units and networks,\n"
                "over as many lines as it takes. A name defined again replaces the old definition.\n"
                "NET is a network's name, or NAME(param = value, ...); image_size = H or (H, W) runs\n"
                "a fully convolutional network at another size. Compiled pipelines are kept until a\n"
                "definition they use, the weights or the target change. Ctrl-C stops a compile or run.\n";
    return true;
}

bool Repl::quit(const Invocation &inv) {
    if (!inv.args.empty()) return usage(inv);
    quit_ = true;
    return true;
}

bool Repl::load(const Invocation &inv) {
    if (inv.args.size() != 1) return usage(inv);
    // Looked for where the import will look, so that the caret of a file
    // not found is under what was typed.
    namespace fs = std::filesystem;
    const std::string &path = inv.args[0].text;
    std::vector<std::string> dirs{"."};
    for (auto &d : default_search_path()) dirs.push_back(d);
    bool found = false;
    std::error_code ec;
    for (auto &d : dirs)
        found = found || fs::is_regular_file(fs::path(path).is_absolute() ? fs::path(path) : fs::path(d) / path, ec);
    if (!found)
        return error(inv, inv.args[0], "cannot find '" + path +
                                           "' (looked in the current directory, in $NETC_PATH and in the standard library)");
    return session_.load(path, session_.sources().file(inv.file).path());
}

bool Repl::defs(const Invocation &inv) {
    if (!inv.args.empty()) return usage(inv);
    session_.list_definitions(out_);
    return true;
}

bool Repl::show(const Invocation &inv) {
    if (inv.args.size() != 1) return usage(inv);
    return session_.show(inv.args[0].text, loc(inv, inv.args[0]), out_);
}

bool Repl::check(const Invocation &inv) {
    if (!inv.args.empty()) return usage(inv);
    if (!session_.check_all()) return false;
    out_ << "ok\n";
    return true;
}

bool Repl::summary(const Invocation &inv) {
    std::map<std::string, Word> opts;
    int64_t batch = -1;
    if (inv.args.empty() || !options(inv, 1, {"batch"}, opts) || !int_option(inv, opts, "batch", 1, batch))
        return inv.args.empty() ? usage(inv) : false;
    NetworkRef ref;
    std::unique_ptr<ir::Graph> g;
    if (!network(inv, inv.args[0], ref, g)) return false;
    print_summary(out_, *g, batch);
    return true;
}

bool Repl::shape(const Invocation &inv) {
    if (inv.args.empty()) return usage(inv);
    ast::ExprPtr e = parse_expression(session_.sources(), inv.file, inv.rest, inv.line.size(), session_.diag());
    if (!e || !session_.resolve_expression(e)) return false;
    const ast::Expr *name = e->kind == ast::ExprKind::Call ? e->operands[0].get() : e.get();
    const ast::Decl *d = name->kind == ast::ExprKind::Name
                             ? session_.program().lookup(session_.module(), name->text)
                             : nullptr;
    if (d && d->kind == ast::DeclKind::Network) {
        NetworkRef ref;
        if (!session_.network_ref(*e, ref)) return false;
        auto g = session_.elaborate(ref);
        if (!g) return false;
        const std::string &n = g->batch_symbol;
        out_ << ref.key << ": ";
        for (size_t i = 0; i < g->inputs.size(); i++)
            out_ << (i ? ", " : "") << g->node(g->inputs[i]).name << " " << g->node(g->inputs[i]).shape.str(n);
        out_ << " -> ";
        for (size_t i = 0; i < g->outputs.size(); i++)
            out_ << (i ? ", " : "") << (g->outputs.size() > 1 ? g->output_names[i] + " " : "")
                 << g->node(g->outputs[i]).shape.str(n);
        out_ << "\n";
        for (auto &ep : g->end_points) out_ << "  " << ep.name << ": " << g->node(ep.node).shape.str(n) << "\n";
        return true;
    }
    Value v;
    if (!evaluate_constant(session_.program(), session_.module(), *e, v)) return false;
    if (v.is(Value::Kind::Callable) && v.fn->decl) {
        std::string params;
        for (auto &p : v.fn->decl->params) params += (params.empty() ? "" : ", ") + p.name;
        out_ << (v.fn->decl->kind == ast::DeclKind::Unit ? "unit " : "arg_scope ") << v.fn->name << "(" << params
             << ")\n";
        return true;
    }
    out_ << to_string(v) << "\n";
    return true;
}

bool Repl::emit(const Invocation &inv) {
    std::map<std::string, Word> opts;
    if (inv.args.size() < 2) return usage(inv);
    if (!options(inv, 2, {"-o"}, opts)) return false;
    const std::string &kind = inv.args[1].text;
    static const std::vector<std::string> kinds = {"ir", "dot", "plan", "halide", "stmt", "asm"};
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
        return error(inv, inv.args[1], "unknown kind '" + kind + "' (ir, dot, plan, halide, stmt, asm)");
    NetworkRef ref;
    std::unique_ptr<ir::Graph> g;
    if (!network(inv, inv.args[0], ref, g)) return false;
    std::ofstream file;
    std::ostream *os = &out_;
    if (opts.count("-o")) {
        file.open(opts["-o"].text);
        if (!file) return error(inv, opts["-o"], "cannot write '" + opts["-o"].text + "'");
        os = &file;
    }
    if (kind == "ir") print_ir(*os, *g);
    else if (kind == "dot") print_dot(*os, *g);
    else if (kind == "plan") lower::print_plan(*os, lower::build_plan(*g));
    else {
        exec::Compiled how;
        jit::JitNetwork &net = compile(*g, ref, how);
        if (kind == "halide") net.print_halide(*os);
        else if (kind == "stmt") net.print_stmt(*os);
        else net.print_asm(*os);
    }
    if (file.is_open()) {
        file.close();
        if (!file) return error(inv, opts["-o"], "cannot write '" + opts["-o"].text + "'");
        out_ << ref.key << ": " << kind << " -> " << opts["-o"].text << "\n";
    }
    return true;
}

// :run NET [IN.npy | NAME=IN.npy ...] [-o OUT.npy | -o NAME=OUT.npy ...] [batch=N]
bool Repl::run(const Invocation &inv) {
    if (inv.args.empty()) return usage(inv);
    NetworkRef ref;
    std::unique_ptr<ir::Graph> g;
    if (!network(inv, inv.args[0], ref, g)) return false;
    auto is_input = [&](const std::string &name) {
        for (int in : g->inputs)
            if (g->node(in).name == name) return true;
        return false;
    };
    // Words after NET: input files (bare, or named by an input of the
    // network), -o outputs, and batch=N.
    std::vector<exec::NamedFile> inputs, outputs;
    std::vector<const Word *> input_words, output_words;
    std::map<std::string, Word> opts;
    for (size_t i = 1; i < inv.args.size(); i++) {
        const Word &w = inv.args[i];
        if (w.text == "-o") {
            if (i + 1 >= inv.args.size()) return error(inv, w, "-o needs a file name");
            outputs.push_back(exec::named_file(inv.args[++i].text));
            output_words.push_back(&inv.args[i]);
            continue;
        }
        exec::NamedFile f = exec::named_file(w.text);
        if (f.name.empty() || is_input(f.name)) {
            inputs.push_back(f);
            input_words.push_back(&w);
            continue;
        }
        if (!options(inv, i, {"batch"}, opts)) return false;
        break;
    }
    int64_t batch = 1;
    if (!int_option(inv, opts, "batch", 1, batch)) return false;
    if (!inputs.empty() && opts.count("batch"))
        return error(inv, opts["batch"], "batch= is for a random input; " + inputs[0].file + " sets the batch");
    std::vector<rt::Array> xs;
    std::vector<std::string> files;
    try {
        xs = exec::read_inputs(*g, inputs, batch, ref.name + "(image_size = (H, W))", err_);
    } catch (const rt::IOError &e) {
        return error(inv, input_words.empty() ? inv.args[0] : *input_words.front(), e.what());
    }
    try {
        files = exec::output_files(*g, outputs);
    } catch (const rt::IOError &e) {
        return error(inv, output_words.empty() ? inv.args[0] : *output_words.front(), e.what());
    }
    exec::Compiled how;
    jit::JitNetwork &net = compile(*g, ref, how);
    exec::run_report(net, *g, xs, files, how, out_);
    return true;
}

bool Repl::bench(const Invocation &typed) {
    if (typed.args.empty()) return usage(typed);
    // `backward` anywhere after NET: netc bench --backward.
    Invocation inv = typed;
    bool backward = false;
    for (size_t i = 1; i < inv.args.size(); i++)
        if (inv.args[i].text == "backward") {
            backward = true;
            inv.args.erase(inv.args.begin() + static_cast<long>(i));
            break;
        }
    std::map<std::string, Word> opts;
    int64_t batch = 1;
    exec::BenchOptions o;
    if (!options(inv, 1, {"batch", "steps", "burn_in"}, opts) || !int_option(inv, opts, "batch", 1, batch) ||
        !int_option(inv, opts, "steps", 1, o.steps) || !int_option(inv, opts, "burn_in", 0, o.burn_in))
        return false;
    o.batch = static_cast<int>(batch);
    NetworkRef ref;
    std::unique_ptr<ir::Graph> g;
    if (!network(inv, inv.args[0], ref, g)) return false;
    exec::Compiled how;
    if (!backward) {
        jit::JitNetwork &net = compile(*g, ref, how);
        exec::bench_report(net, g->name, o, how, out_, err_);
        return true;
    }
    std::unique_ptr<grad::TrainStep> step;
    try {
        step = std::make_unique<grad::TrainStep>(*g, grad::Objective::Benchmark);
    } catch (const grad::Unsupported &e) {
        std::string msg = e.what();
        if (msg.rfind("'netc train'", 0) == 0) msg = "':bench backward'" + msg.substr(12);
        session_.diag().error(e.loc, msg);
        return false;
    }
    step->load(session_.weights_for(*g));
    jit::JitNetwork *net = ir::first_training_node(*g) < 0 ? &compile(*g, ref, how) : nullptr;
    exec::bench_backward_report(net, *step, g->name, o, how, out_, err_);
    return true;
}

bool Repl::profile(const Invocation &inv) {
    if (inv.args.empty()) return usage(inv);
    std::map<std::string, Word> opts;
    int64_t batch = 1, steps = 20;
    if (!options(inv, 1, {"batch", "steps"}, opts) || !int_option(inv, opts, "batch", 1, batch) ||
        !int_option(inv, opts, "steps", 1, steps))
        return false;
    NetworkRef ref;
    std::unique_ptr<ir::Graph> g;
    if (!network(inv, inv.args[0], ref, g)) return false;
    exec::Compiled how;
    jit::JitNetwork &net = compile(*g, ref, how);
    exec::profile_report(net, static_cast<int>(batch), steps, exec::run_threads(session_.threads()), out_);
    return true;
}

bool Repl::weights(const Invocation &inv) {
    const auto &a = inv.args;
    if (a.empty()) {
        out_ << "weights: " << session_.weights_description() << "\n";
        return true;
    }
    if (a[0].text == "random" && a.size() == 2) {
        std::map<std::string, Word> opts{{"seed", a[1]}};
        int64_t seed = 0;
        if (!int_option(inv, opts, "seed", 0, seed)) return false;
        session_.set_random_weights(static_cast<uint64_t>(seed));
    } else if (a[0].text == "load" && a.size() == 2) {
        try {
            session_.load_weights(a[1].text);
        } catch (const rt::IOError &e) {
            return error(inv, a[1], e.what());
        }
    } else if (a[0].text == "save" && a.size() == 3) {
        NetworkRef ref;
        std::unique_ptr<ir::Graph> g;
        if (!network(inv, a[1], ref, g)) return false;
        weights::WeightMap w = session_.weights_for(*g);
        rt::write_npz(a[2].text, weights::in_graph_order(*g, w));
        out_ << a[2].text << ": " << w.size() << " tensors, " << g->total_params() << " values\n";
        return true;
    } else {
        return usage(inv);
    }
    out_ << "weights: " << session_.weights_description() << "\n";
    return true;
}

bool Repl::target(const Invocation &inv) {
    if (inv.args.size() > 1) return usage(inv);
    if (inv.args.size() == 1 && !Halide::Target::validate_target_string(inv.args[0].text) && inv.args[0].text != "host")
        return error(inv, inv.args[0], "'" + inv.args[0].text + "' is not a Halide target string (e.g. host, host-cuda, x86-64-linux-avx2)");
    if (inv.args.size() == 1) session_.set_target(inv.args[0].text);
    out_ << "target: " << session_.target_name() << "\n";
    return true;
}

bool Repl::threads(const Invocation &inv) {
    if (inv.args.size() > 1) return usage(inv);
    if (inv.args.size() == 1) {
        std::map<std::string, Word> opts{{"threads", inv.args[0]}};
        int64_t n = 0;
        if (!int_option(inv, opts, "threads", 0, n)) return false;
        if (n > 1024) return error(inv, inv.args[0], "at most 1024 threads");
        session_.set_threads(static_cast<int>(n));
    }
    out_ << "threads: " << (session_.threads() ? std::to_string(session_.threads()) : "every core") << "\n";
    return true;
}

bool Repl::cache(const Invocation &inv) {
    if (!inv.args.empty()) return usage(inv);
    session_.list_pipelines(out_);
    return true;
}

}  // namespace netc::repl
