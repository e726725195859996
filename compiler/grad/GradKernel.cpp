#include "GradKernel.h"

#include "CodeLoader.h"
#include "Diagnostics.h"
#include "KernelCache.h"
#include "KernelObject.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

namespace netc::grad {

using namespace Halide;

namespace {

struct Registry {
    std::map<std::string, std::unique_ptr<Kernel>> kernels;
    int compiled = 0, from_cache = 0;
    double ms = 0;
    Recorder recorder;
};

Registry &registry() {
    static Registry r;
    return r;
}

// NETC_TRAIN_PROFILE=1: each kernel's calls and milliseconds (compiling
// excluded), printed to stderr at exit, slowest first.
struct Profile {
    struct Entry {
        int calls = 0;
        double ms = 0;
    };
    std::map<std::string, Entry> kernels;
    ~Profile() {
        std::vector<std::pair<std::string, Entry>> v(kernels.begin(), kernels.end());
        std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) { return a.second.ms > b.second.ms; });
        double total = 0;
        for (auto &e : v) total += e.second.ms;
        std::fprintf(stderr, "netc train profile: %.1f ms in kernels\n", total);
        for (auto &e : v)
            std::fprintf(stderr, "%10.1f ms %5.1f%% %6d calls  %s\n", e.second.ms, 100 * e.second.ms / total,
                         e.second.calls, e.first.c_str());
    }
};

Profile *profile() {
    static std::unique_ptr<Profile> p(std::getenv("NETC_TRAIN_PROFILE") ? new Profile : nullptr);
    return p.get();
}

Target jit_target() {
    static Target t = get_jit_target_from_environment();
    return t;
}

}  // namespace

ImageParam Kernel::input(int dims, const std::string &role) {
    inputs_.emplace_back(Float(32), dims, name_ + "/" + role);
    return inputs_.back();
}

Param<float> Kernel::scalar(const std::string &role) {
    scalars_.emplace_back(name_ + "/" + role);
    return scalars_.back();
}

void Kernel::run(const std::vector<const Buf *> &ins, const std::vector<float> &scalars,
                 const std::vector<Buf *> &outs) {
    if (ins.size() != inputs_.size() || scalars.size() != scalars_.size() || outs.size() != outputs_.size())
        throw InternalError("kernel '" + name_ + "' called with the wrong number of arguments");
    if (registry().recorder) {
        registry().recorder(*this, ins, scalars, outs);
        return;
    }
    if (!code_) link();
    // The argv entry takes a buffer per input, a pointer per scalar, then a
    // buffer per output.
    std::vector<float> values(scalars);
    std::vector<void *> args;
    for (const Buf *b : ins) args.push_back(const_cast<Buf *>(b)->raw_buffer());
    for (float &v : values) args.push_back(&v);
    for (Buf *b : outs) args.push_back(b->raw_buffer());
    auto t0 = std::chrono::steady_clock::now();
    if (int rc = code_(args.data())) {
        std::string why = jit::CodeLoader::instance().take_error();
        throw RuntimeError("training kernel " + name_ + " failed (code " + std::to_string(rc) + ")" +
                           (why.empty() ? "" : ": " + why));
    }
    if (Profile *p = profile()) {
        std::string at = key_ + " ->";
        for (int i = 0; i < outs[0]->dimensions(); i++) at += " " + std::to_string(outs[0]->dim(i).extent());
        Profile::Entry &e = p->kernels[at];
        e.calls++;
        e.ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
}

namespace {

// Halide makes a repeated Func name unique ("f$2") by the order Funcs are
// made in the process; the kernel's code is the same without the suffix.
std::string base_name(const std::string &name) { return name.substr(0, name.find('$')); }

}  // namespace

std::string Kernel::signature() const {
    std::ostringstream s;
    s << key_ << "\n";
    for (const ImageParam &p : inputs_)
        s << "in " << base_name(p.name()) << " " << p.type() << " " << p.dimensions() << "\n";
    for (const Param<float> &p : scalars_) s << "scalar " << base_name(p.name()) << "\n";
    for (const Func &f : outputs_) {
        s << "out " << base_name(f.name()) << " " << f.dimensions();
        for (const Type &t : f.output_types()) s << " " << t;
        s << "\n";
    }
    return s.str();
}

// Links the kernel's code: already loaded, from the disk cache, or compiled
// now (Halide -> LLVM -> an object stored in the cache).
void Kernel::link() {
    auto t0 = std::chrono::steady_clock::now();
    jit::CodeLoader &loader = jit::CodeLoader::instance();
    Target target = jit::CodeLoader::kernel_target(jit_target());
    std::string symbol = jit::KernelCache::digest(signature(), target.to_string());
    if ((code_ = loader.find(jit_target(), symbol))) return;
    jit::KernelCache &cache = jit::KernelCache::instance();
    if (auto cached = cache.load(symbol)) {
        code_ = loader.load(jit_target(), symbol, *cached);
        registry().from_cache++;
    } else {
        std::vector<Argument> args(inputs_.begin(), inputs_.end());
        args.insert(args.end(), scalars_.begin(), scalars_.end());
        std::vector<char> object = jit::module_object(Pipeline(outputs_).compile_to_module(args, symbol, target));
        cache.store(symbol, object);
        code_ = loader.load(jit_target(), symbol, object);
        registry().compiled++;
    }
    registry().ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

Kernel &kernel(const std::string &key, const std::function<void(Kernel &)> &build) {
    auto &slot = registry().kernels[key];
    if (!slot) {
        auto k = std::make_unique<Kernel>(key.substr(0, key.find(' ')), key);
        build(*k);
        slot = std::move(k);
    }
    return *slot;
}

Recording::Recording(Recorder r) {
    if (registry().recorder) throw InternalError("kernel recordings do not nest");
    registry().recorder = std::move(r);
}

Recording::~Recording() { registry().recorder = nullptr; }

int kernels_compiled() { return registry().compiled; }
int kernels_from_cache() { return registry().from_cache; }
double compile_ms() { return registry().ms; }

void schedule_image(Func f, bool has_update) {
    Var c = f.args()[0], y = f.args()[2], n = f.args()[3], yn("yn");
    f.vectorize(c, 8, TailStrategy::GuardWithIf).fuse(y, n, yn).parallel(yn);
    if (has_update) f.update().vectorize(c, 8, TailStrategy::GuardWithIf).fuse(y, n, yn).parallel(yn);
}

void schedule_channels(Func f, bool has_update) {
    Var c = f.args()[0];
    f.vectorize(c, 8, TailStrategy::GuardWithIf);
    if (has_update) f.update().vectorize(c, 8, TailStrategy::GuardWithIf);
}

void transpose_schedule(Func f) {
    Var a = f.args()[0], b = f.args()[1], ao("ao"), bo("bo"), ai("ai"), bi("bi");
    f.compute_root()
        .tile(a, b, ao, bo, ai, bi, 16, 16, TailStrategy::GuardWithIf)
        .vectorize(ai)
        .unroll(bi)
        .parallel(bo);
}

Func channel_totals(const std::string &name, const ImageParam &like,
                    const std::function<std::vector<Expr>(Var, Expr, Expr, Expr)> &values) {
    const int chunks = 16;
    Var c("c"), k("k");
    Expr w = like.dim(1).extent(), h = like.dim(2).extent(), rows = h * like.dim(3).extent();
    Expr per = (rows + chunks - 1) / chunks;
    RDom r(0, w, 0, per, name + "_r");
    r.where(k * per + r.y < rows);
    // Clamped as well: bounds inference does not see the predicate.
    Expr row = min(k * per + r.y, rows - 1);
    std::vector<Expr> v = values(c, r.x, row % h, row / h);
    Func part(name + "_chunks"), total(name);
    RDom rk(0, chunks, name + "_k");
    if (v.size() == 1) {
        part(c, k) = 0.0f;
        part(c, k) += v[0];
        total(c) = 0.0f;
        total(c) += part(c, rk);
    } else {
        std::vector<Expr> zeros(v.size(), Expr(0.0f)), p, t;
        part(c, k) = Tuple(zeros);
        total(c) = Tuple(zeros);
        for (size_t i = 0; i < v.size(); i++) {
            p.push_back(part(c, k)[i] + v[i]);
            t.push_back(total(c)[i] + part(c, rk)[i]);
        }
        part(c, k) = Tuple(p);
        total(c) = Tuple(t);
    }
    part.compute_root().vectorize(c, 16, TailStrategy::GuardWithIf);
    part.update().reorder(c, r.x, r.y, k).vectorize(c, 16, TailStrategy::GuardWithIf).parallel(k);
    schedule_channels(total, true);
    return total;
}

Func channel_total(const std::string &name, const ImageParam &like,
                   const std::function<Expr(Var, Expr, Expr, Expr)> &value) {
    return channel_totals(name, like, [&](Var c, Expr x, Expr y, Expr n) { return std::vector<Expr>{value(c, x, y, n)}; });
}

Func zero_padded(ImageParam x) {
    Region bounds = {Range(), Range(x.dim(1).min(), x.dim(1).extent()), Range(x.dim(2).min(), x.dim(2).extent()),
                     Range()};
    return BoundaryConditions::constant_exterior(x, 0.0f, bounds);
}

}  // namespace netc::grad
