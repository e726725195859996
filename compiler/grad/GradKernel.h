// The building blocks of a training step's kernels. Unlike the inference
// kernels (compiler/lower), whose geometry is baked in per step, a training
// kernel keeps its extents free and bakes in only what changes its code
// (kernel size, stride, dilation, padding, which terms exist), so one
// compiled 3x3 convolution serves every 3x3 layer of a network, at every
// batch size (training batches, the last short one, validation batches).
//
// Tensors are Halide buffers in NHWC order, innermost first: (c, x, y, n); a
// rank-2 [N, K] tensor is (k, 1, 1, n), a per-channel vector (c), labels (n).
// Weights keep TF's layouts, so [KH, KW, Cin, Cout] is (cout, cin, kx, ky).
#pragma once

#include <Halide.h>

#include <functional>
#include <string>
#include <vector>

namespace netc::grad {

using Buf = Halide::Buffer<float>;

// One compiled pipeline. Inputs are bound per call, so a kernel can be
// shared by every layer with the same key. Its code comes from the on-disk
// kernel cache (compiler/jit/KernelCache) when an earlier run of this netc
// build compiled the same kernel for the same target, so the key must name
// everything its build function bakes in (the in-process registry relies on
// that too); the cache's digest adds the pipeline's signature.
class Kernel {
public:
    explicit Kernel(std::string name, std::string key = "")
        : name_(std::move(name)), key_(key.empty() ? name_ : std::move(key)) {}
    Halide::ImageParam input(int dims, const std::string &role);
    Halide::Param<float> scalar(const std::string &role);
    void set_outputs(std::vector<Halide::Func> outputs) { outputs_ = std::move(outputs); }
    // Realizes the outputs into `outs` (their shapes are the region computed).
    void run(const std::vector<const Buf *> &ins, const std::vector<float> &scalars, const std::vector<Buf *> &outs);
    const std::string &name() const { return name_; }
    // The pipeline's parts, for compiling it ahead of time (compiler/aot).
    const std::vector<Halide::ImageParam> &inputs() const { return inputs_; }
    const std::vector<Halide::Param<float>> &scalars() const { return scalars_; }
    const std::vector<Halide::Func> &outputs() const { return outputs_; }

private:
    std::string name_, key_;
    std::vector<Halide::ImageParam> inputs_;
    std::vector<Halide::Param<float>> scalars_;
    std::vector<Halide::Func> outputs_;
    int (*code_)(void **args) = nullptr;  // the pipeline's argv entry, once linked

    // What the cache digest covers besides target and build: the key and
    // the arguments' and outputs' names, types and dimensions.
    std::string signature() const;
    void link();
};

// The process's kernel for `key`, built by `build` on first use.
Kernel &kernel(const std::string &key, const std::function<void(Kernel &)> &build);
// While a Recording is alive, Kernel::run hands each call to its recorder
// instead of compiling and running the kernel: the AOT training step
// (compiler/aot) records the calls a TrainStep makes and replays them from
// compiled code. Recordings do not nest.
using Recorder = std::function<void(Kernel &, const std::vector<const Buf *> &ins, const std::vector<float> &scalars,
                                    const std::vector<Buf *> &outs)>;
class Recording {
public:
    explicit Recording(Recorder r);
    ~Recording();
    Recording(const Recording &) = delete;
    Recording &operator=(const Recording &) = delete;
};

// Kernels compiled so far, those linked from the on-disk cache, and the
// milliseconds both took (for -v and bench --backward).
int kernels_compiled();
int kernels_from_cache();
double compile_ms();

// The usual schedule of a Func over (c, x, y, n) with an update reducing
// into it: channels vectorised, rows and images split across threads.
void schedule_image(Halide::Func f, bool has_update);
// A per-channel Func (c) with an update: channels vectorised.
void schedule_channels(Halide::Func f, bool has_update);

// A transposition f(a, b, ...) = x(b, a, ...) computed at root in 16x16
// blocks: a vector store per row of a block, from one strided read per lane
// that the block's other rows reuse from cache (a plain vectorised copy
// gathers and runs 4x slower).
void transpose_schedule(Halide::Func f);

// The per-channel sum over (x, y, n) of value(c, x, y, n) for a tensor
// shaped like `like`: rows split into chunks summed in parallel, then the
// chunks' sums added (a serial reduction over the whole tensor would leave
// all but one core idle).
Halide::Func channel_total(const std::string &name, const Halide::ImageParam &like,
                           const std::function<Halide::Expr(Halide::Var c, Halide::Expr x, Halide::Expr y,
                                                            Halide::Expr n)> &value);

// Several such sums in one pass: a Func with a Tuple of them.
Halide::Func channel_totals(const std::string &name, const Halide::ImageParam &like,
                            const std::function<std::vector<Halide::Expr>(Halide::Var c, Halide::Expr x,
                                                                          Halide::Expr y, Halide::Expr n)> &values);

// x read with zeros outside its spatial extent (the channel and batch
// dimensions are never read outside).
Halide::Func zero_padded(Halide::ImageParam x);

}  // namespace netc::grad
