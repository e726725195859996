// A network compiled in-process: every plan step's kernel compiled to
// machine code (identical kernels once; from the on-disk kernel cache when
// an earlier run compiled them), its constants packed, and an activation
// arena planned from buffer lifetimes so a run allocates nothing. A run
// calls each kernel's entry point directly on halide_buffer_t views built
// once here.
#pragma once

#include "CodeLoader.h"
#include "KernelArgs.h"
#include "Kernel.h"
#include "Memory.h"
#include "Plan.h"
#include "Weights.h"

#include <Halide.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace netc::jit {

struct CompileStats {
    int steps = 0, kernels = 0;  // kernels: distinct compiled pipelines
    int compiled = 0, from_disk = 0, loaded = 0;  // where each kernel's code came from
    double lower_ms = 0, compile_ms = 0;
};

// Thrown at the next safe point after the interrupt callback asked to stop.
struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

class JitNetwork {
public:
    // progress(kernel, kernels, name) is called as each kernel that is not
    // cached starts compiling (kernels: how many need compiling).
    using Progress = std::function<void(int, int, const std::string &)>;
    // Polled between kernel lowerings and compiles and between the steps of
    // a run (a kernel itself cannot be stopped); true makes them throw
    // Interrupted. The REPL's Ctrl-C.
    using Interrupt = std::function<bool()>;
    // Kernels take the schedules `tuning` holds for them, else the cost model's.
    JitNetwork(lower::Plan plan, const weights::WeightMap &w, const Halide::Target &target,
               const Progress &progress = nullptr, Interrupt interrupt = nullptr,
               const tune::TuningTable *tuning = nullptr);

    // inputs: one NHWC [batch, H, W, C] (or [batch, K]) float32 array per
    // network input, in the signature's order; outputs: one per output, in
    // the return's order. An interrupted run leaves outputs partly written;
    // the next run is whole.
    void run(const std::vector<const float *> &inputs, const std::vector<float *> &outputs, int batch);
    // A network of one input and one output.
    void run(const float *input, float *output, int batch) { run(std::vector<const float *>{input}, {output}, batch); }

    const lower::Plan &plan() const { return plan_; }
    int inputs() const { return static_cast<int>(plan_.inputs.size()); }
    int outputs() const { return static_cast<int>(plan_.outputs.size()); }
    // Shapes with the batch filled in, and element counts; input or output k.
    std::vector<int64_t> input_shape(int k, int batch) const;
    std::vector<int64_t> output_shape(int k, int batch) const;
    int64_t input_size(int k, int batch) const;
    int64_t output_size(int k, int batch) const;
    const Halide::Target &target() const { return target_; }
    const lower::MemoryLayout &memory() const { return memory_; }
    // Input 0 and output 0.
    std::vector<int64_t> input_shape(int batch) const { return input_shape(0, batch); }
    std::vector<int64_t> output_shape(int batch) const { return output_shape(0, batch); }
    int64_t input_size(int batch) const { return input_size(0, batch); }
    int64_t output_size(int batch) const { return output_size(0, batch); }
    const CompileStats &stats() const { return stats_; }
    // Lowered Halide statements of each distinct kernel (--emit=stmt), and
    // each kernel's Halide definition summary (--emit=halide).
    void print_stmt(std::ostream &os) const;
    void print_halide(std::ostream &os) const;
    // Each distinct kernel's assembly for the target (the REPL's `:emit asm`).
    void print_asm(std::ostream &os) const;
    // Per-step wall time, accumulated over the runs since enable_profile
    // (netc profile, :profile).
    void enable_profile();
    const std::vector<double> &step_ms() const { return profile_; }
    // The kernel step i runs (its schedule, signature and FLOPs).
    const lower::Kernel &step_kernel(int i) const { return codes_[steps_[i].code].kernel; }

private:
    struct Code {
        lower::Kernel kernel;           // the first step that needed this code
        std::vector<int> steps;         // every step that runs it
        KernelFn fn = nullptr;
    };
    // A kernel call: the constants' arguments bound once, the activations'
    // pointed into the arena per run.
    struct StepRun {
        int code = -1;
        std::vector<lower::Operand> operands;
        KernelArgs args;
    };
    void resolve_code(const Progress &progress);
    // One run of a step range: its images, and where the tail arena's
    // buffers are for them.
    struct Phase {
        int batch = 1;                        // images this range runs on
        std::vector<const float *> inputs;    // the caller's, at this range's first image
        std::vector<float *> outputs;
        int64_t tail_at = 0;           // the tail arena's start in the arena
        int tail_batch = 1;            // images of the tail pass under way
        int tail_image = 0;            // this range's first image within it
    };
    void plan_memory(int batch);
    float *storage(int buffer, const Phase &p) const;
    void zero_border(int buffer, const Phase &p);
    void run_steps(int first, int last, const Phase &p);
    void copy_in(int buffer, const Phase &p);
    void copy_out(int buffer, float *to, const Phase &p);

    using KernelWriter = std::function<void(Halide::Func &, const std::string &, const std::vector<Halide::Argument> &)>;
    void print_kernels(std::ostream &os, const char *suffix, const KernelWriter &write) const;
    void check_interrupt() const {
        if (interrupt_ && interrupt_()) throw Interrupted();
    }

    lower::Plan plan_;
    Halide::Target target_;
    Interrupt interrupt_;
    std::vector<Code> codes_;
    std::vector<StepRun> steps_;
    std::vector<std::vector<float>> constant_data_;
    CompileStats stats_;
    std::vector<double> profile_;
    // Activation arena: the head's then the tail's, sized for the largest call.
    int64_t arena_capacity_ = 0;
    std::unique_ptr<float, void (*)(void *)> arena_{nullptr, free};
    lower::MemoryLayout memory_;
};

}  // namespace netc::jit
