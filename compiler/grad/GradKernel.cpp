#include "GradKernel.h"

#include "Diagnostics.h"

#include <chrono>
#include <map>
#include <memory>

namespace netc::grad {

using namespace Halide;

namespace {

struct Registry {
    std::map<std::string, std::unique_ptr<Kernel>> kernels;
    int compiled = 0;
    double ms = 0;
    Recorder recorder;
};

Registry &registry() {
    static Registry r;
    return r;
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
    if (!pipeline_) {
        auto t0 = std::chrono::steady_clock::now();
        pipeline_ = std::make_unique<Pipeline>(outputs_);
        pipeline_->compile_jit(jit_target());
        registry().compiled++;
        registry().ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    for (size_t i = 0; i < ins.size(); i++) inputs_[i].set(*ins[i]);
    for (size_t i = 0; i < scalars.size(); i++) scalars_[i].set(scalars[i]);
    std::vector<Buffer<void>> bufs;
    for (Buf *b : outs) bufs.emplace_back(*b);
    Realization r(bufs);
    pipeline_->realize(r, jit_target());
}

Kernel &kernel(const std::string &key, const std::function<void(Kernel &)> &build) {
    auto &slot = registry().kernels[key];
    if (!slot) {
        auto k = std::make_unique<Kernel>(key.substr(0, key.find(' ')));
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

Func zero_padded(ImageParam x) {
    Region bounds = {Range(), Range(x.dim(1).min(), x.dim(1).extent()), Range(x.dim(2).min(), x.dim(2).extent()),
                     Range()};
    return BoundaryConditions::constant_exterior(x, 0.0f, bounds);
}

}  // namespace netc::grad
