// A plan step lowered to a Halide pipeline. Lowering picks the algorithm and
// the data layout of the step's constants (weights re-blocked, batch norm
// folded in), and the schedule functions in compiler/schedule/ map its loops
// onto the machine. Steps with equal keys compile to the same code and
// differ only in the buffers bound to their parameters, so a network with
// many identical units compiles each distinct kernel once.
#pragma once

#include "ConvSchedule.h"
#include "Npy.h"
#include "Plan.h"
#include "TuningTable.h"
#include "Weights.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace netc::lower {

// One argument of a kernel: a view of a plan buffer, or a packed constant.
struct Operand {
    int buffer = -1;     // plan buffer, or -1 for a constant
    int block = 0;       // > 0: channels split as (lane < block, block index): 5-D (cl, cb, x, y, n)
    bool as_image = false;  // view an [N, C] buffer as (c, x=1, y=1, n)
    rt::Array constant;  // the constant's data; its Halide dimensions are its shape reversed
};

struct Kernel {
    std::string key;                         // equal keys: identical code
    std::string name;                        // the step's network path
    std::string signature;                   // what it computes (tuning key); empty if not tunable
    std::string schedule;                    // how: its schedule's text
    int64_t flops = 0;                       // per image
    Halide::Func output;
    std::vector<Halide::ImageParam> params;  // one per operand but the last
    std::vector<Operand> operands;           // inputs and constants, then the output
};

// Lowers plan step `step` for `target`, packing its constants from `w`, with
// the schedule `tuning` holds for it (else the cost model's).
Kernel lower_step(const Plan &plan, int step, const weights::WeightMap &w, const Halide::Target &target,
                  const tune::TuningTable *tuning = nullptr);

// The convolution a step computes, if its anchor is one (the tuner's unit).
std::optional<schedule::ConvProblem> conv_problem(const Plan &plan, int step);

// ---- shared by the per-op lowerings (LowerStep.cpp) ----

// Collects a kernel's parameters and operands as an op's lowering declares them.
class KernelBuilder {
public:
    KernelBuilder(const Plan &plan, int step, const weights::WeightMap &w, const tune::TuningTable *tuning);
    const Plan &plan() const { return plan_; }
    const tune::TuningTable *tuning() const { return tuning_; }
    int step_index() const { return step_; }
    const Step &step() const { return plan_.steps[step_]; }
    const ir::Node &anchor() const { return plan_.graph.nodes[step().anchor]; }
    // The step's output Func, named after the value it produces (the anchor's
    // own name stays with the anchor's Func).
    Halide::Func output_func() const;

    // A view of buffer b with `dims` Halide dimensions.
    Halide::ImageParam buffer(int b, const std::string &role, int block = 0, bool as_image = false);
    Halide::ImageParam constant(rt::Array a, const std::string &role);
    // Applies the step's epilogue to v at output coordinates `at` (the
    // output's dimensions: (c, ...) or, blocked, (cl, cb, ...)).
    Halide::Expr epilogue(Halide::Expr v, const std::vector<Halide::Var> &at, int block, bool as_image = false);
    Kernel finish(Halide::Func out, int block, const std::string &key, bool as_image = false);

private:
    const Plan &plan_;
    int step_;
    const weights::WeightMap &w_;
    const tune::TuningTable *tuning_;
    Kernel k_;
    std::vector<std::string> roles_;
    std::string epilogue_key_;
};

// The variable of node n whose name ends in "/kind" ("weights", "biases"...), or null.
const rt::Array *find_param(const ir::Node &n, const weights::WeightMap &w, const char *kind);

// Per-channel scale and shift of an inference batch norm (or identity).
void batch_norm_scale_shift(const ir::Node &bn_owner, const weights::WeightMap &w, int64_t channels,
                            std::vector<float> &scale, std::vector<float> &shift);

// `owner`: the node whose activation it is (hard_sigmoid's alpha and beta).
Halide::Expr activate(Halide::Expr v, ir::Activation a, const ir::Node *owner = nullptr);
// The activation as a kernel key names it (with its constants).
std::string activation_key(ir::Activation a, const ir::Node &owner);
// torch.nn.GELU's exact form, x * (1 + erf(x / sqrt(2))) / 2, vectorizable.
Halide::Expr gelu(Halide::Expr x);

// Channels as (lanes, blocks) when a multiple of a vector, else 0.
int channel_block(int64_t channels, int preferred);

// Per-op lowerings (Conv.cpp, Depthwise.cpp, Pool.cpp, Elementwise.cpp, Layout.cpp).
Kernel lower_conv(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_inverted_residual(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_winograd(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t,
                      const schedule::ConvProblem &p, const schedule::ConvSchedule &s);
Kernel lower_depthwise(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_pool(KernelBuilder &kb, const Halide::Target &t);
Kernel lower_elementwise(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_layout(KernelBuilder &kb, const Halide::Target &t);
// The ops of issue 12 (GroupedConv.cpp, ConvTranspose.cpp, Normalize.cpp, Resize.cpp, Channels.cpp).
Kernel lower_grouped_conv(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_conv_transpose(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_normalize(KernelBuilder &kb, const weights::WeightMap &w, const Halide::Target &t);
Kernel lower_resize(KernelBuilder &kb, const Halide::Target &t);
Kernel lower_channels(KernelBuilder &kb, const Halide::Target &t);
// Whether the plan fused channel rearrangements into step s (a concat of slices...).
bool gathers_channels(const Plan &plan, const Step &s);

}  // namespace netc::lower
