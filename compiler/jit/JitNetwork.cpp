#include "JitNetwork.h"

#include "Diagnostics.h"
#include "Parallel.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <map>
#include <unistd.h>

namespace netc::jit {

using namespace Halide;
using lower::Buffer;
using lower::Operand;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

JitNetwork::JitNetwork(lower::Plan plan, const weights::WeightMap &w, const Target &target, const Progress &progress,
                       Interrupt interrupt)
    : plan_(std::move(plan)), target_(target), interrupt_(std::move(interrupt)) {
    std::map<std::string, int> by_key;
    stats_.steps = static_cast<int>(plan_.steps.size());
    for (size_t i = 0; i < plan_.steps.size(); i++) {
        check_interrupt();
        auto t0 = std::chrono::steady_clock::now();
        lower::Kernel k = lower::lower_step(plan_, static_cast<int>(i), w, target_);
        stats_.lower_ms += ms_since(t0);
        StepRun run;
        run.operands = std::move(k.operands);
        for (auto &o : run.operands) {
            if (o.buffer >= 0) {
                run.constants.emplace_back();
                continue;
            }
            // Halide's dimensions are the array's, innermost first.
            std::vector<int> sizes(o.constant.shape.rbegin(), o.constant.shape.rend());
            constant_data_.push_back(std::move(o.constant.data));
            run.constants.emplace_back(constant_data_.back().data(), sizes);
        }
        auto it = by_key.find(k.key);
        if (it == by_key.end()) {
            it = by_key.emplace(k.key, static_cast<int>(codes_.size())).first;
            codes_.push_back({std::move(k), {}});
        }
        run.code = it->second;
        codes_[run.code].steps.push_back(static_cast<int>(i));
        steps_.push_back(std::move(run));
    }
    auto t0 = std::chrono::steady_clock::now();
    int count = static_cast<int>(codes_.size());
    lower::for_each_parallel(
        count,
        [&](int c) {
            check_interrupt();
            if (progress) progress(c, count, codes_[c].kernel.name);
        },
        [&](int c) { codes_[c].kernel.output.compile_jit(target_); });
    stats_.compile_ms = ms_since(t0);
    stats_.kernels = static_cast<int>(codes_.size());
    memory_ = lower::plan_memory(plan_);
}

std::vector<int64_t> JitNetwork::input_shape(int batch) const {
    auto d = plan_.buffers[plan_.input].shape.dims;
    d[0] = batch;
    return d;
}

std::vector<int64_t> JitNetwork::output_shape(int batch) const {
    auto d = plan_.buffers[plan_.output].shape.dims;
    d[0] = batch;
    return d;
}

int64_t JitNetwork::input_size(int batch) const {
    int64_t n = 1;
    for (auto d : input_shape(batch)) n *= d;
    return n;
}

int64_t JitNetwork::output_size(int batch) const {
    int64_t n = 1;
    for (auto d : output_shape(batch)) n *= d;
    return n;
}

// The arena grows to the largest pass seen; its layout scales with each
// pass's batch.
void JitNetwork::plan_memory(int batch) {
    if (batch > arena_capacity_) {
        arena_.reset(static_cast<float *>(aligned_alloc(64, std::max<int64_t>(64, memory_.arena * batch * 4))));
        if (!arena_) throw std::bad_alloc();
        arena_capacity_ = batch;
    }
    arena_batch_ = batch;
}

float *JitNetwork::storage(int b, const float *input, float *output) const {
    if (memory_.offset[b] >= 0) return arena_.get() + memory_.offset[b] * arena_batch_;
    return plan_.buffers[b].network_input ? const_cast<float *>(input) : output;
}

Halide::Buffer<float> JitNetwork::view(const Operand &o, bool interior, int batch, const float *input,
                                       float *output) const {
    lower::View v = lower::operand_view(plan_, o.buffer, o.block, o.as_image, interior);
    std::vector<halide_dimension_t> dims;
    for (auto &d : v.dims) dims.push_back({d.min, d.extent, d.stride, 0});
    dims.push_back({0, batch, static_cast<int32_t>(v.image), 0});
    return Halide::Buffer<float>(storage(o.buffer, input, output) + v.offset, static_cast<int>(dims.size()), dims.data());
}

// Arena memory is reused, so a padded buffer's border is zeroed before its
// producer writes the interior.
void JitNetwork::zero_border(int b, int batch) {
    lower::ZeroSpans z = lower::border_spans(plan_.buffers[b]);
    int64_t image = lower::geometry(plan_.buffers[b]).image;
    float *base = arena_.get() + memory_.offset[b] * batch;
    for (int64_t n = 0; n < batch; n++) {
        float *p = base + n * image;
        std::fill_n(p + z.first_at, z.first_len, 0.0f);
        for (int64_t i = 0; i < z.count; i++) std::fill_n(p + z.loop_at + i * z.stride, z.span, 0.0f);
        std::fill_n(p + z.last_at, z.last_len, 0.0f);
    }
}

void JitNetwork::run(const float *input, float *output, int batch) {
    int pass = lower::images_per_pass(plan_, memory_);
    if (batch > pass) {
        for (int i = 0; i < batch; i += pass)
            run(input + i * input_size(1), output + i * output_size(1), std::min(pass, batch - i));
        return;
    }
    plan_memory(batch);
    const Buffer &in = plan_.buffers[plan_.input];
    if (memory_.offset[plan_.input] >= 0) {  // the input needs a border: copy it in
        zero_border(plan_.input, batch);
        lower::InteriorRows r = lower::interior_rows(in);
        float *dst = storage(plan_.input, input, output);
        int64_t image = lower::geometry(in).image;
        for (int64_t n = 0; n < batch; n++)
            for (int64_t y = 0; y < r.rows; y++)
                std::memcpy(dst + n * image + r.at + y * r.stride, input + (n * r.rows + y) * r.row, r.row * sizeof(float));
    }
    for (size_t i = 0; i < steps_.size(); i++) {
        check_interrupt();
        const StepRun &s = steps_[i];
        const Code &code = codes_[s.code];
        ParamMap params;
        std::vector<Halide::Buffer<float>> views;
        views.reserve(s.operands.size());
        for (size_t k = 0; k + 1 < s.operands.size(); k++) {
            const Operand &o = s.operands[k];
            if (o.buffer < 0) {
                params.set(code.kernel.params[k], s.constants[k]);
            } else {
                views.push_back(view(o, false, batch, input, output));
                params.set(code.kernel.params[k], views.back());
            }
        }
        int out = plan_.steps[i].output;
        if (memory_.offset[out] >= 0) zero_border(out, batch);
        Halide::Buffer<float> dst = view(s.operands.back(), true, batch, input, output);
        Func f = code.kernel.output;  // a handle; realize is not const
        auto t0 = std::chrono::steady_clock::now();
        f.realize(dst, target_, params);
        if (!profile_.empty()) profile_[i] += ms_since(t0);
    }
    if (plan_.output == plan_.input)  // the network returns its input
        std::memcpy(output, input, input_size(batch) * sizeof(float));
}

// Halide writes these dumps only to files: each kernel goes through a
// temporary file into os.
void JitNetwork::print_kernels(std::ostream &os, const char *suffix, const KernelWriter &write) const {
    for (auto &c : codes_) {
        os << "// kernel " << c.kernel.name << " (" << c.steps.size() << " step" << (c.steps.size() == 1 ? "" : "s")
           << "): " << c.kernel.key << "\n";
        std::string path = std::string("/tmp/netc_kernel_") + std::to_string(getpid()) + suffix;
        std::vector<Argument> args;
        for (auto &p : c.kernel.params) args.push_back(p);
        Func f = c.kernel.output;
        write(f, path, args);
        FILE *fp = fopen(path.c_str(), "r");
        if (fp) {
            char buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, fp)) > 0) os.write(buf, n);
            fclose(fp);
            remove(path.c_str());
        }
    }
}

void JitNetwork::print_stmt(std::ostream &os) const {
    print_kernels(os, ".stmt", [&](Func &f, const std::string &path, const std::vector<Argument> &args) {
        f.compile_to_lowered_stmt(path, args, Halide::Text, target_);
    });
}

void JitNetwork::print_asm(std::ostream &os) const {
    // The JIT target minus `jit`: the same code, as an object file would hold
    // it, without the Halide runtime every kernel would otherwise repeat.
    Target t = target_.without_feature(Target::JIT).with_feature(Target::NoRuntime);
    print_kernels(os, ".s", [&](Func &f, const std::string &path, const std::vector<Argument> &args) {
        f.compile_to_assembly(path, args, f.name(), t);
    });
}

void JitNetwork::enable_profile() { profile_.assign(steps_.size(), 0.0); }

void JitNetwork::print_profile(std::ostream &os, int runs) const {
    std::vector<int> order(profile_.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = static_cast<int>(i);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return profile_[a] > profile_[b]; });
    double total = 0;
    for (double t : profile_) total += t;
    os << "step profile (ms per run, " << runs << " runs; total " << total / runs << " ms):\n";
    for (int i : order) {
        const lower::Kernel &k = codes_[steps_[i].code].kernel;
        os << "  " << std::fixed << std::setprecision(3) << profile_[i] / runs << "  " << plan_.steps[i].name << "  ["
           << k.key << "]\n";
    }
}

void JitNetwork::print_halide(std::ostream &os) const {
    for (auto &c : codes_) {
        os << "kernel \"" << c.kernel.name << "\": " << c.kernel.key << "\n  runs:";
        for (int s : c.steps) os << " " << plan_.steps[s].name;
        os << "\n";
    }
}

}  // namespace netc::jit
