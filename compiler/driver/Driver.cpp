#include "Driver.h"

#include "ASTPrinter.h"
#include "Dot.h"
#include "IRPrinter.h"
#include "JitNetwork.h"
#include "Npy.h"
#include "Repl.h"
#include "Resolve.h"
#include "Summary.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>

namespace netc {

Driver::Driver(const Options &options, std::ostream &out, std::ostream &err)
    : opt_(options), out_(out), err_(err), diag_(sources_, err), program_(sources_, diag_, default_search_path()),
      start_(std::chrono::steady_clock::now()) {}

void Driver::stage(const char *name) {
    if (!opt_.verbose) return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    err_ << "netc: [" << std::fixed << std::setprecision(1) << std::setw(8) << ms << " ms] " << name << "\n";
}

int Driver::fail() const {
    const_cast<Diagnostics &>(diag_).summarize();
    return kExitUserError;
}

int Driver::load() {
    stage("parse");
    return program_.load_file(opt_.file);
}

bool Driver::resolve() {
    stage("resolve names");
    // Imports are checked too: an error in the stdlib is still an error.
    bool ok = true;
    for (int i = 0; i < program_.module_count(); i++) ok = resolve_module(program_, i) && ok;
    return ok;
}

const ast::Decl *Driver::pick_entry(int m) {
    auto nets = program_.networks(m);
    if (!opt_.entry.empty()) {
        for (auto *n : nets)
            if (n->name == opt_.entry) return n;
        if (const ast::Decl *d = program_.lookup(m, opt_.entry); d && d->kind == ast::DeclKind::Network) return d;
        std::string names;
        for (auto *n : nets) names += (names.empty() ? "" : ", ") + n->name;
        diag_.error(opt_.file, "no network named '" + opt_.entry + "'" +
                                   (names.empty() ? "" : " (it defines: " + names + ")"));
        return nullptr;
    }
    if (nets.size() == 1) return nets[0];
    if (nets.empty()) {
        diag_.error(opt_.file, "defines no network");
        return nullptr;
    }
    std::string names;
    for (auto *n : nets) names += (names.empty() ? "" : ", ") + n->name;
    diag_.error(opt_.file, "defines " + std::to_string(nets.size()) + " networks (" + names +
                               "); choose one with --entry");
    return nullptr;
}

bool Driver::overrides(int m, ElaborateOptions &out) {
    for (auto &kv : opt_.defines) {
        int dm = program_.load_text("-D " + kv.first, "const value = " + kv.second + "\n", ".");
        if (dm < 0) return false;
        Value v;
        if (!evaluate_constant(program_, dm, *program_.module(dm).decls[0]->value, v)) return false;
        out.overrides[kv.first] = v;
    }
    (void)m;
    return true;
}

std::unique_ptr<ir::Graph> Driver::elaborate(const ast::Decl &net, int m) {
    ElaborateOptions eo;
    eo.image_size = opt_.image_size;
    if (!overrides(m, eo)) return nullptr;
    stage("elaborate");
    return elaborate_network(program_, net, eo);
}

std::unique_ptr<ir::Graph> Driver::entry_graph(int m) {
    const ast::Decl *net = pick_entry(m);
    return net ? elaborate(*net, m) : nullptr;
}

std::unique_ptr<ir::Graph> Driver::inference_graph(int m) {
    auto g = entry_graph(m);
    if (!g) return g;
    int t = ir::first_training_node(*g);
    if (t < 0) return g;
    diag_.error(g->node(t).loc, ir::training_only_reason(*g, t));
    return nullptr;
}

int Driver::check(int m) {
    auto nets = program_.networks(m);
    int ok = 0;
    for (auto *n : nets)
        if (elaborate(*n, m)) ok++;
    if (diag_.has_errors()) return fail();
    out_ << opt_.file << ": ok (" << ok << " network" << (ok == 1 ? "" : "s") << ")\n";
    return kExitOk;
}

int Driver::summary(int m) {
    auto g = entry_graph(m);
    if (!g) return fail();
    print_summary(out_, *g, opt_.batch);
    return kExitOk;
}

int Driver::emit(int m) {
    std::ofstream file;
    std::ostream *os = &out_;
    if (!opt_.output.empty()) {
        file.open(opt_.output);
        if (!file) {
            diag_.error(opt_.output, "cannot write output file");
            return fail();
        }
        os = &file;
    }
    std::unique_ptr<ir::Graph> g;
    for (auto &kind : opt_.emit) {
        if (kind == "ast") {
            print_ast(*os, program_.module(m));
            continue;
        }
        bool codegen = kind == "plan" || kind == "halide" || kind == "stmt";
        if (kind != "ir" && kind != "dot" && !codegen) {
            err_ << "netc: error: --emit=" << kind << " is an artifact of ahead-of-time compilation: "
                 << "give -o NAME.o\n";
            return kExitUsage;
        }
        if (!g && !(g = entry_graph(m))) return fail();
        if (codegen) {
            if (int t = ir::first_training_node(*g); t >= 0) {
                diag_.error(g->node(t).loc, ir::training_only_reason(*g, t));
                return fail();
            }
            int rc = emit_codegen(*g, kind, *os);
            if (rc != kExitOk) return rc;
        } else if (kind == "ir") {
            print_ir(*os, *g);
        } else {
            print_dot(*os, *g);
        }
    }
    return kExitOk;
}

// An object is wanted when -o names one, or --emit asks for an artifact only
// ahead-of-time compilation makes; stage dumps alone go to stdout or -o FILE.
bool Driver::aot_requested() const {
    const std::string &o = opt_.output;
    if (o.size() > 2 && o.compare(o.size() - 2, 2, ".o") == 0) return true;
    if (opt_.emit.empty()) return true;
    for (auto &k : opt_.emit)
        if (k == "obj" || k == "h" || k == "lib" || k == "ll" || k == "bc" || k == "asm" || k == "html") return true;
    return false;
}

int Driver::run() {
    if (opt_.help) {
        out_ << help_text(opt_.command);
        return kExitOk;
    }
    if (opt_.command == "version") {
        out_ << "netc " << NETC_VERSION << "\n";
        return kExitOk;
    }
    if (opt_.command == "repl") return repl::run_repl(out_, err_);
    if (opt_.command == "import") {
        try {
            return import_command();
        } catch (const rt::IOError &e) {
            err_ << "netc: error: " << e.what() << "\n";
            return kExitUserError;
        }
    }
    bool aot = opt_.command == "compile" && aot_requested();
    if (opt_.train && (!aot || opt_.output.empty())) {
        err_ << "netc: error: --train writes a training step as an object: give -o STEP.o\n";
        return kExitUsage;
    }
    if (aot && opt_.output.empty()) {
        err_ << "netc: error: compiling ahead of time needs -o NAME.o\n";
        return kExitUsage;
    }
    int m = load();
    if (m < 0) return fail();
    // The AST is dumped as parsed, before any name is checked.
    bool ast_only = opt_.command == "compile" &&
                    std::all_of(opt_.emit.begin(), opt_.emit.end(), [](const std::string &k) { return k == "ast"; });
    if (!ast_only && !resolve()) return fail();
    if (opt_.command == "check") return check(m);
    if (opt_.command == "summary") return summary(m);
    try {
        if (opt_.command == "weights") return weights_command(m);
        if (opt_.command == "run") return run_command(m);
        if (opt_.command == "train") return train_command(m);
        if (opt_.command == "bench") return bench_command(m);
        if (opt_.command == "profile") return profile_command(m);
        if (opt_.command == "tune") return tune_command(m);
        if (aot) return opt_.train ? train_compile_command(m) : compile_command(m);
        return emit(m);
    } catch (const rt::IOError &e) {
        err_ << "netc: error: " << e.what() << "\n";
        return kExitUserError;
    } catch (const Halide::CompileError &e) {
        throw InternalError(std::string("Halide rejected a kernel: ") + e.what());
    } catch (const Halide::RuntimeError &e) {
        throw InternalError(std::string("a kernel failed: ") + e.what());
    } catch (const Halide::InternalError &e) {
        throw InternalError(std::string("Halide: ") + e.what());
    }
}

int run_netc(int argc, char **argv, std::ostream &out, std::ostream &err) {
    Options opt;
    std::string error;
    if (!parse_options(argc, argv, opt, error)) {
        err << "netc: error: " << error << "\n" << "Try 'netc --help'.\n";
        return kExitUsage;
    }
    Driver d(opt, out, err);
    return d.run();
}

}  // namespace netc
