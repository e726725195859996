// The session's compiled side: networks named in commands, the weights, the
// target and thread count, and the cache of JIT-compiled pipelines.
#include "Session.h"

#include "IRPrinter.h"
#include "Plan.h"
#include "Resolve.h"

#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <set>
#include <sstream>

namespace netc::repl {

namespace {

std::string ir_text(const ir::Graph &g) {
    std::ostringstream os;
    print_ir(os, g);
    return os.str();
}

// A parameter a command can set: not a tensor input.
bool has_param(const ast::Decl &d, const std::string &name) {
    for (auto &p : d.params)
        if (p.name == name && !p.type) return true;
    return false;
}

// Diagnostics go nowhere while one of these lives: checks whose failure is
// only noted, not shown.
class Quiet {
public:
    explicit Quiet(std::ostream &os) : os_(os), saved_(os.rdbuf(nullptr)) {}
    ~Quiet() {
        os_.rdbuf(saved_);
        os_.clear();
    }

private:
    std::ostream &os_;
    std::streambuf *saved_;
};

}  // namespace

bool Session::network_ref(const ast::Expr &e, NetworkRef &ref) {
    const ast::Expr *name = e.kind == ast::ExprKind::Call ? e.operands[0].get() : &e;
    if (name->kind != ast::ExprKind::Name || (e.kind != ast::ExprKind::Name && e.kind != ast::ExprKind::Call) ||
        e.scope.kind != ast::ScopeName::Absent) {
        diag_.error(e.loc, "expected a network: NAME or NAME(param = value, ...)");
        return false;
    }
    const ast::Decl *d = program_->lookup(module_, name->text, name->loc, &diag_);
    if (!d || d->kind != ast::DeclKind::Network) {
        std::string hint = suggest(name->text, network_names());
        diag_.error(name->loc, d ? "'" + name->text + "' is not a network"
                                 : "no network named '" + name->text + "'" +
                                       (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        return false;
    }
    ref = NetworkRef();
    ref.name = ref.key = name->text;
    if (e.kind != ast::ExprKind::Call) return true;
    std::string args;
    for (auto &a : e.args) {
        if (a.kind != ast::Arg::Keyword) {
            diag_.error(a.loc, "give a network's parameters by name: " + ref.name + "(param = value)");
            return false;
        }
        bool image_size = a.name == "image_size" && !has_param(*d, a.name);
        if (!image_size && !has_param(*d, a.name)) {
            std::vector<std::string> names{"image_size"};
            for (auto &p : d->params)
                if (!p.type) names.push_back(p.name);
            std::string hint = suggest(a.name, names);
            diag_.error(a.loc, "network '" + ref.name + "' has no parameter '" + a.name + "' to set" +
                                   (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
            return false;
        }
        Value v;
        if (!evaluate_constant(*program_, module_, *a.value, v)) return false;
        if (image_size) {
            // A number, or (height, width).
            std::vector<Value> hw = v.is_sequence() ? v.elements() : std::vector<Value>{v, v};
            if (hw.size() != 2 || !hw[0].is(Value::Kind::Int) || !hw[1].is(Value::Kind::Int) || hw[0].i < 1 ||
                hw[1].i < 1 || hw[0].i > 1 << 16 || hw[1].i > 1 << 16) {
                diag_.error(a.value->loc, "image_size needs a positive int or (height, width), got " + to_string(v));
                return false;
            }
            ref.options.image_size = {hw[0].i, hw[1].i};
        } else {
            ref.options.overrides[a.name] = v;
        }
        args += (args.empty() ? "" : ", ") + a.name + " = " + to_string(v);
    }
    ref.key += "(" + args + ")";
    return true;
}

std::unique_ptr<ir::Graph> Session::elaborate(const NetworkRef &ref) {
    const ast::Decl *d = program_->lookup(module_, ref.name);
    if (!d || d->kind != ast::DeclKind::Network) {
        diag_.error("netc", "no network named '" + ref.name + "' any more");
        return nullptr;
    }
    return elaborate_network(*program_, *d, ref.options);
}

std::unique_ptr<ir::Graph> Session::quiet_elaborate(const NetworkRef &ref) {
    Quiet q(diag_out_);
    const ast::Decl *d = program_->lookup(module_, ref.name);
    if (!d || d->kind != ast::DeclKind::Network || !resolve_decl(*program_, d->module, *d)) return nullptr;
    return elaborate_network(*program_, *d, ref.options);
}

void Session::after_change(const std::vector<std::string> &typed) {
    std::set<std::string> fresh(typed.begin(), typed.end());
    std::vector<std::string> broken;
    {
        Quiet q(diag_out_);
        for (auto &x : program_->module(module_).decls) {
            if (fresh.count(x->name) || x->kind == ast::DeclKind::Import) continue;
            bool ok = resolve_decl(*program_, module_, *x);
            if (ok && x->kind == ast::DeclKind::Network) ok = elaborate_network(*program_, *x) != nullptr;
            if (!ok) broken.push_back(x->name);
        }
    }
    for (auto &n : broken)
        err_ << "netc: note: '" << n << "' no longer builds after this change (:check shows why)\n";
    // A pipeline whose network changed is stale; drop it now, not at its next use.
    for (auto it = pipelines_.begin(); it != pipelines_.end();) {
        auto g = quiet_elaborate(it->second.ref);
        if (g && ir_text(*g) == it->second.ir) ++it;
        else it = pipelines_.erase(it);
    }
    diag_.reset();
}

bool Session::check_all() {
    bool ok = true;
    for (auto &x : program_->module(module_).decls) {
        if (x->kind == ast::DeclKind::Import) continue;
        bool good = resolve_decl(*program_, module_, *x);
        if (good && x->kind == ast::DeclKind::Network) good = elaborate_network(*program_, *x) != nullptr;
        ok = ok && good;
    }
    return ok;
}

void Session::set_random_weights(uint64_t seed) {
    seed_ = seed;
    weights_file_.clear();
    weights_arrays_.reset();
    pipelines_.clear();
}

void Session::load_weights(const std::string &path) {
    auto arrays = std::make_shared<rt::NamedArrays>(rt::read_npz(path));
    weights_arrays_ = std::move(arrays);
    weights_file_ = path;
    weights_serial_++;
    pipelines_.clear();
}

void Session::set_trained_weights(const std::string &what, rt::NamedArrays arrays) {
    weights_arrays_ = std::make_shared<rt::NamedArrays>(std::move(arrays));
    weights_file_ = what;
    weights_serial_++;
    pipelines_.clear();
}

std::string Session::weights_description() const {
    if (weights_arrays_)
        return weights_file_ + " (" + std::to_string(weights_arrays_->size()) + " tensors)";
    return "random, seed " + std::to_string(seed_);
}

std::string Session::weights_id() const {
    if (weights_arrays_) return "file " + std::to_string(weights_serial_) + " " + weights_file_;
    return "random " + std::to_string(seed_);
}

weights::WeightMap Session::weights_for(const ir::Graph &g) const {
    if (weights_arrays_) return weights::bind_weights(g, *weights_arrays_, weights_file_);
    return weights::random_weights(g, seed_);
}

void Session::set_target(const std::string &spec) {
    target_ = exec::parse_target(spec, "target");
    tuning_ = tune::load_tuning("", target_);
    target_name_ = spec;
    pipelines_.clear();
}

void Session::set_threads(int n) {
    threads_ = n;
    // JitNetwork's compile workers read HL_NUM_THREADS, and so does a
    // Halide runtime's thread pool when it starts; running pools are resized
    // through the loaded runtimes' own halide_set_num_threads.
    if (n > 0) setenv("HL_NUM_THREADS", std::to_string(n).c_str(), 1);
    else unsetenv("HL_NUM_THREADS");
    jit::CodeLoader::instance().set_num_threads(n);
}

jit::JitNetwork &Session::pipeline(const ir::Graph &g, const NetworkRef &ref, exec::Compiled &how,
                                   const jit::JitNetwork::Progress &progress) {
    if (int t = ir::first_training_node(g); t >= 0) {
        diag_.error(g.node(t).loc, ir::training_only_reason(g, t));
        throw CompileAborted{};
    }
    std::string ir = ir_text(g), weights = weights_id();
    auto it = pipelines_.find(ref.key);
    if (it != pipelines_.end() && it->second.ir == ir && it->second.weights == weights &&
        it->second.target == target_name_) {
        how.cached = true;
        how.ms = it->second.compile_ms;
        it->second.runs++;
        return *it->second.net;
    }
    if (it != pipelines_.end()) pipelines_.erase(it);  // its memory goes before the new compile
    weights::WeightMap w = weights_for(g);
    auto t0 = std::chrono::steady_clock::now();
    auto net = std::make_unique<jit::JitNetwork>(lower::build_plan(g), w, target_, progress, interrupt_, &tuning_);
    how.cached = false;
    how.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    Pipeline &p = pipelines_[ref.key];
    p.ref = ref;
    p.ir = std::move(ir);
    p.weights = std::move(weights);
    p.target = target_name_;
    p.net = std::move(net);
    p.compile_ms = how.ms;
    p.runs = 1;
    return *p.net;
}

void Session::list_pipelines(std::ostream &os) const {
    if (pipelines_.empty()) os << "(no compiled pipelines)\n";
    for (auto &kv : pipelines_) {
        const auto &s = kv.second.net->stats();
        os << kv.first << ": " << s.kernels << " kernels for " << s.steps << " steps, target " << kv.second.target
           << ", weights " << kv.second.weights << ", used " << kv.second.runs << " time"
           << (kv.second.runs == 1 ? "" : "s") << "\n";
    }
}

}  // namespace netc::repl
