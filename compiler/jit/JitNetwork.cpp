#include "JitNetwork.h"

#include "Diagnostics.h"
#include "KernelObject.h"
#include "Parallel.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <map>
#include <stdexcept>
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
                       Interrupt interrupt, const tune::TuningTable *tuning)
    : plan_(std::move(plan)), target_(target), interrupt_(std::move(interrupt)) {
    std::map<std::string, int> by_key;
    stats_.steps = static_cast<int>(plan_.steps.size());
    // Steps lower independently (packing their weights is most of it), so
    // on every core; a warm start is mostly this.
    std::vector<lower::Kernel> kernels(plan_.steps.size());
    auto t0 = std::chrono::steady_clock::now();
    lower::for_each_parallel(
        stats_.steps, [&](int) { check_interrupt(); },
        [&](int i) { kernels[i] = lower::lower_step(plan_, i, w, target_, tuning); });
    stats_.lower_ms = ms_since(t0);
    for (size_t i = 0; i < plan_.steps.size(); i++) {
        lower::Kernel k = std::move(kernels[i]);
        StepRun run;
        run.operands = std::move(k.operands);
        for (auto &o : run.operands)
            if (o.buffer < 0) constant_data_.push_back(std::move(o.constant.data));
        auto it = by_key.find(k.key);
        if (it == by_key.end()) {
            it = by_key.emplace(k.key, static_cast<int>(codes_.size())).first;
            codes_.push_back({std::move(k), {}, nullptr});
        }
        run.code = it->second;
        codes_[run.code].steps.push_back(static_cast<int>(i));
        steps_.push_back(std::move(run));
    }
    // Constants were moved out in order; bind them in the same order.
    size_t next_constant = 0;
    for (auto &run : steps_) {
        run.args = KernelArgs(plan_, run.operands);
        for (size_t k = 0; k < run.operands.size(); k++)
            if (!run.args.is_activation(k)) run.args.bind_constant(k, constant_data_[next_constant++].data());
    }
    t0 = std::chrono::steady_clock::now();
    resolve_code(progress);
    stats_.compile_ms = ms_since(t0);
    stats_.kernels = static_cast<int>(codes_.size());
    memory_ = lower::plan_memory(plan_);
}

// Each distinct kernel's code: already loaded, from the disk cache, or
// compiled now on every core.
void JitNetwork::resolve_code(const Progress &progress) {
    std::vector<int> missing;
    for (size_t c = 0; c < codes_.size(); c++) {
        jit::CodeSource source;
        codes_[c].fn = find_kernel(codes_[c].kernel, target_, source);
        if (!codes_[c].fn) missing.push_back(static_cast<int>(c));
        else if (source == CodeSource::Loaded) stats_.loaded++;
        else stats_.from_disk++;
    }
    int count = static_cast<int>(missing.size());
    lower::for_each_parallel(
        count,
        [&](int i) {
            check_interrupt();
            if (progress) progress(i, count, codes_[missing[i]].kernel.name);
        },
        [&](int i) { codes_[missing[i]].fn = compile_kernel(codes_[missing[i]].kernel, target_); });
    stats_.compiled = count;
}

std::vector<int64_t> JitNetwork::input_shape(int k, int batch) const {
    auto d = plan_.buffers[plan_.inputs.at(k)].shape.dims;
    d[0] = batch;
    return d;
}

std::vector<int64_t> JitNetwork::output_shape(int k, int batch) const {
    auto d = plan_.buffers[plan_.outputs.at(k)].shape.dims;
    d[0] = batch;
    return d;
}

int64_t JitNetwork::input_size(int k, int batch) const {
    int64_t n = 1;
    for (auto d : input_shape(k, batch)) n *= d;
    return n;
}

int64_t JitNetwork::output_size(int k, int batch) const {
    int64_t n = 1;
    for (auto d : output_shape(k, batch)) n *= d;
    return n;
}

// The arena grows to the largest call seen: the head's passes, then the tail's.
void JitNetwork::plan_memory(int batch) {
    int64_t need = std::max<int64_t>(16, memory_.floats(batch));
    if (need > arena_capacity_) {
        arena_.reset(static_cast<float *>(aligned_alloc(64, need * 4)));
        if (!arena_) throw std::bad_alloc();
        arena_capacity_ = need;
    }
}

// Where buffer b starts for the phase running: head buffers scale with the
// head pass, tail-arena buffers with the tail pass, and a head pass writes
// the tail's at its first image's place.
float *JitNetwork::storage(int b, const Phase &p) const {
    if (memory_.offset[b] < 0) {
        if (plan_.buffers[b].network_input) return const_cast<float *>(p.inputs[plan_.buffers[b].input_index]);
        // The first output it is; others get a copy at the end.
        auto it = std::find(plan_.outputs.begin(), plan_.outputs.end(), b);
        return p.outputs[it - plan_.outputs.begin()];
    }
    if (!memory_.in_tail[b]) return arena_.get() + memory_.offset[b] * p.batch;
    return arena_.get() + p.tail_at + memory_.offset[b] * p.tail_batch +
           p.tail_image * lower::geometry(plan_.buffers[b]).image;
}

// Arena memory is reused, so a padded buffer's border is zeroed before its
// producer writes the interior.
void JitNetwork::zero_border(int b, const Phase &p) {
    lower::ZeroSpans z = lower::border_spans(plan_.buffers[b]);
    int64_t image = lower::geometry(plan_.buffers[b]).image;
    float *base = storage(b, p);
    for (int64_t n = 0; n < p.batch; n++) {
        float *q = base + n * image;
        std::fill_n(q + z.first_at, z.first_len, 0.0f);
        for (int64_t i = 0; i < z.count; i++) std::fill_n(q + z.loop_at + i * z.stride, z.span, 0.0f);
        std::fill_n(q + z.last_at, z.last_len, 0.0f);
    }
}

void JitNetwork::run(const std::vector<const float *> &inputs, const std::vector<float *> &outputs, int batch) {
    if (inputs.size() != plan_.inputs.size() || outputs.size() != plan_.outputs.size())
        throw std::invalid_argument("network '" + plan_.graph.name + "' takes " + std::to_string(plan_.inputs.size()) +
                                    " inputs and gives " + std::to_string(plan_.outputs.size()) + " outputs");
    plan_memory(batch);
    const lower::MemoryLayout &m = memory_;
    int steps = static_cast<int>(steps_.size());
    auto at_image = [&](Phase &p, int first) {
        p.inputs.resize(inputs.size());
        p.outputs.resize(outputs.size());
        for (size_t k = 0; k < inputs.size(); k++) p.inputs[k] = inputs[k] + first * input_size(static_cast<int>(k), 1);
        for (size_t k = 0; k < outputs.size(); k++)
            p.outputs[k] = outputs[k] + first * output_size(static_cast<int>(k), 1);
    };
    for (int t0 = 0; t0 < batch; t0 += m.tail_pass) {
        int bt = std::min(m.tail_pass, batch - t0);
        Phase p;
        p.tail_at = m.tail_at(batch);
        p.tail_batch = bt;
        for (int h0 = 0; h0 < bt; h0 += m.head_pass) {
            p.batch = std::min(m.head_pass, bt - h0);
            p.tail_image = h0;
            at_image(p, t0 + h0);
            run_steps(0, m.split, p);
        }
        p.batch = bt;
        p.tail_image = 0;
        at_image(p, t0);
        run_steps(m.split, steps, p);
    }
    // Outputs that are an input, or a buffer another output already holds.
    for (size_t k = 0; k < outputs.size(); k++) {
        int b = plan_.outputs[k];
        const float *from = nullptr;
        if (plan_.buffers[b].network_input) from = inputs[plan_.buffers[b].input_index];
        else if (memory_.offset[b] < 0 && std::find(plan_.outputs.begin(), plan_.outputs.end(), b) != plan_.outputs.begin() + k)
            from = outputs[std::find(plan_.outputs.begin(), plan_.outputs.end(), b) - plan_.outputs.begin()];
        if (from) std::memcpy(outputs[k], from, output_size(static_cast<int>(k), batch) * sizeof(float));
    }
}

// A network input with a border is copied into its padded arena buffer.
void JitNetwork::copy_in(int b, const Phase &p) {
    const Buffer &in = plan_.buffers[b];
    zero_border(b, p);
    lower::InteriorRows r = lower::interior_rows(in);
    float *dst = storage(b, p);
    const float *src = p.inputs[in.input_index];
    int64_t image = lower::geometry(in).image;
    for (int64_t n = 0; n < p.batch; n++)
        for (int64_t y = 0; y < r.rows; y++)
            std::memcpy(dst + n * image + r.at + y * r.stride, src + (n * r.rows + y) * r.row, r.row * sizeof(float));
}

// An output a padded convolution also reads lives in the arena: its
// interior goes to the caller once it is computed.
void JitNetwork::copy_out(int b, float *to, const Phase &p) {
    const Buffer &out = plan_.buffers[b];
    lower::InteriorRows r = lower::interior_rows(out);
    const float *src = storage(b, p);
    int64_t image = lower::geometry(out).image;
    for (int64_t n = 0; n < p.batch; n++)
        for (int64_t y = 0; y < r.rows; y++)
            std::memcpy(to + (n * r.rows + y) * r.row, src + n * image + r.at + y * r.stride, r.row * sizeof(float));
}

void JitNetwork::run_steps(int first, int last, const Phase &p) {
    if (first >= last) return;
    if (first == 0)
        for (int b : plan_.inputs)
            if (memory_.offset[b] >= 0) copy_in(b, p);
    for (int i = first; i < last; i++) {
        check_interrupt();
        StepRun &s = steps_[i];
        for (size_t k = 0; k < s.operands.size(); k++)
            if (s.args.is_activation(k)) s.args.bind_activation(k, storage(s.operands[k].buffer, p), p.batch);
        int out = plan_.steps[i].output, owner = plan_.buffers[out].owner(out);
        // An alias's parent (a concat written in place) is zeroed by its first writer.
        if (memory_.offset[out] >= 0 && plan_.buffers[owner].producer == i) zero_border(owner, p);
        auto t0 = std::chrono::steady_clock::now();
        int rc = codes_[s.code].fn(s.args.argv());
        if (!profile_.empty()) profile_[i] += ms_since(t0);
        if (rc != 0) {
            std::string why = CodeLoader::instance().take_error();
            throw Halide::RuntimeError("kernel " + plan_.steps[i].name + " failed (code " + std::to_string(rc) +
                                       ")" + (why.empty() ? "" : ": " + why));
        }
        if (memory_.offset[out] >= 0)
            for (size_t k = 0; k < plan_.outputs.size(); k++)
                if (plan_.outputs[k] == out) copy_out(out, p.outputs[k], p);
    }
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

void JitNetwork::print_halide(std::ostream &os) const {
    for (auto &c : codes_) {
        os << "kernel \"" << c.kernel.name << "\": " << c.kernel.key << "\n  runs:";
        for (int s : c.steps) os << " " << plan_.steps[s].name;
        os << "\n";
    }
}

}  // namespace netc::jit
