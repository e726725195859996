#include "JitNetwork.h"

#include "Diagnostics.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace netc::jit {

using namespace Halide;
using lower::Buffer;
using lower::Operand;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Padded NHWC geometry of a plan buffer.
struct Geometry {
    int64_t c, w, h, wp, hp, image;  // image: floats per batch element
};

Geometry geometry(const Buffer &b) {
    Geometry g;
    const auto &d = b.shape.dims;
    if (d.size() == 4) {
        g.c = d[3], g.w = d[2], g.h = d[1];
        g.wp = g.w + b.border_left + b.border_right;
        g.hp = g.h + b.border_top + b.border_bottom;
    } else {  // [N, C] or [N, W, C]: never padded
        g.c = d.back(), g.h = g.hp = 1;
        g.w = g.wp = d.size() == 3 ? d[1] : 1;
    }
    g.image = g.c * g.wp * g.hp;
    return g;
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
    // Kernels are independent: compile them on every core (Halide compiles
    // separate pipelines thread-safely; LLVM gets one context per module).
    auto t0 = std::chrono::steady_clock::now();
    std::atomic<int> next{0};
    std::mutex lock;
    std::exception_ptr failure;
    auto worker = [&] {
        for (int c; (c = next++) < static_cast<int>(codes_.size());) {
            try {
                check_interrupt();
                {
                    std::lock_guard<std::mutex> g(lock);
                    if (failure) return;
                    if (progress) progress(c, static_cast<int>(codes_.size()), codes_[c].kernel.name);
                }
                codes_[c].kernel.output.compile_jit(target_);
            } catch (...) {
                std::lock_guard<std::mutex> g(lock);
                if (!failure) failure = std::current_exception();
            }
        }
    };
    unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    if (const char *e = getenv("HL_NUM_THREADS")) threads = std::max(1, std::min(4, atoi(e)));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; t++) pool.emplace_back(worker);
    worker();
    for (auto &t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
    stats_.compile_ms = ms_since(t0);
    stats_.kernels = static_cast<int>(codes_.size());
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

// First-fit placement of each buffer in one arena, by lifetime: a buffer is
// live from the step that writes it to the last step that reads it.
void JitNetwork::plan_memory(int batch) {
    size_t nb = plan_.buffers.size();
    offset_.assign(nb, -1);
    struct Block {
        int64_t offset, size;
        int first, last;
    };
    std::vector<Block> placed;
    int64_t total = 0;
    for (size_t b = 0; b < nb; b++) {
        const Buffer &buf = plan_.buffers[b];
        if (buf.network_output && !buf.has_border()) continue;       // written straight to the caller's output
        if (buf.network_input && !buf.has_border()) continue;        // read straight from the caller's input
        int64_t size = (geometry(buf).image * batch + 15) / 16 * 16;  // 64-byte aligned starts
        int first = buf.producer, last = std::max(buf.last_use, buf.producer);
        int64_t at = 0;
        for (bool moved = true; moved;) {
            moved = false;
            for (auto &p : placed)
                if (!(p.last < first || last < p.first) && at < p.offset + p.size && p.offset < at + size) {
                    at = p.offset + p.size;
                    moved = true;
                }
        }
        placed.push_back({at, size, first, last});
        offset_[b] = at;
        total = std::max(total, at + size);
    }
    arena_.reset(static_cast<float *>(aligned_alloc(64, std::max<int64_t>(64, total * 4))));
    if (!arena_) throw std::bad_alloc();
    arena_batch_ = batch;
}

float *JitNetwork::storage(int b, const float *input, float *output) const {
    if (offset_[b] >= 0) return arena_.get() + offset_[b];
    return plan_.buffers[b].network_input ? const_cast<float *>(input) : output;
}

Halide::Buffer<float> JitNetwork::view(const Operand &o, bool interior, int batch, const float *input,
                                       float *output) const {
    const Buffer &buf = plan_.buffers[o.buffer];
    Geometry g = geometry(buf);
    float *base = storage(o.buffer, input, output);
    std::vector<halide_dimension_t> dims;
    bool image = buf.shape.rank() == 4 || o.as_image;
    bool row = buf.shape.rank() == 3;
    if (o.block) {
        dims.push_back({0, o.block, 1, 0});
        dims.push_back({0, static_cast<int32_t>(g.c / o.block), o.block, 0});
    } else {
        dims.push_back({0, static_cast<int32_t>(g.c), 1, 0});
    }
    if (image) {
        int32_t x0 = interior ? 0 : -static_cast<int32_t>(buf.border_left);
        int32_t y0 = interior ? 0 : -static_cast<int32_t>(buf.border_top);
        int32_t w = interior ? g.w : g.wp, h = interior ? g.h : g.hp;
        dims.push_back({x0, w, static_cast<int32_t>(g.c), 0});
        dims.push_back({y0, h, static_cast<int32_t>(g.c * g.wp), 0});
        if (interior) base += (buf.border_top * g.wp + buf.border_left) * g.c;
    } else if (row) {
        dims.push_back({0, static_cast<int32_t>(g.w), static_cast<int32_t>(g.c), 0});
    }
    dims.push_back({0, batch, static_cast<int32_t>(g.image), 0});
    return Halide::Buffer<float>(base, static_cast<int>(dims.size()), dims.data());
}

// Arena memory is reused, so a padded buffer's border is zeroed before its
// producer writes the interior.
void JitNetwork::zero_border(int b, int batch) {
    const Buffer &buf = plan_.buffers[b];
    if (!buf.has_border()) return;
    Geometry g = geometry(buf);
    float *base = arena_.get() + offset_[b];
    for (int64_t n = 0; n < batch; n++)
        for (int64_t y = 0; y < g.hp; y++) {
            float *row = base + n * g.image + y * g.wp * g.c;
            if (y < buf.border_top || y >= buf.border_top + g.h) {
                std::memset(row, 0, g.wp * g.c * sizeof(float));
                continue;
            }
            std::memset(row, 0, buf.border_left * g.c * sizeof(float));
            std::memset(row + (buf.border_left + g.w) * g.c, 0, buf.border_right * g.c * sizeof(float));
        }
}

void JitNetwork::run(const float *input, float *output, int batch) {
    if (batch != arena_batch_) plan_memory(batch);
    const Buffer &in = plan_.buffers[plan_.input];
    if (offset_[plan_.input] >= 0) {  // the input needs a border: copy it in
        zero_border(plan_.input, batch);
        Operand o;
        o.buffer = plan_.input;
        Halide::Buffer<float> dst = view(o, true, batch, input, output);
        Geometry g = geometry(in);
        for (int n = 0; n < batch; n++)
            for (int64_t y = 0; y < g.h; y++)
                std::memcpy(&dst(0, 0, static_cast<int>(y), n), input + ((n * g.h + y) * g.w) * g.c,
                            g.w * g.c * sizeof(float));
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
        if (offset_[out] >= 0) zero_border(out, batch);
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
    // The JIT target minus `jit`: the same code, as an object file would hold it.
    Target t = target_.without_feature(Target::JIT);
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
