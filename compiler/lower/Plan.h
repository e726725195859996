// The execution plan: the IR graph cut into steps, one Halide pipeline each.
// A step is an anchor op (a convolution, a pool, a copy...) plus the
// element-wise ops fused into its epilogue (batch-norm scale/shift,
// activations, a residual add), so their values never make a round trip
// through memory. Buffers hold the tensors that cross steps; a buffer keeps a
// zero border wide enough for every convolution that reads it, so padded
// convolutions read it directly instead of testing bounds.
#pragma once

#include "IR.h"

#include <ostream>
#include <string>
#include <vector>

namespace netc::lower {

// One element-wise op applied to the anchor's value, in order.
struct Epilogue {
    enum Kind { Activate, AddBuffer, ScaleShift, MulBuffer } kind = Activate;
    ir::Activation activation = ir::Activation::None;  // Activate
    int buffer = -1;  // AddBuffer: the other summand; MulBuffer: the other factor
    int node = -1;    // the IR node this came from (ScaleShift: its BN parameters)
    bool gate = false;  // MulBuffer: the factor is [N, 1, 1, C], one value per image and channel
    bool reads_buffer() const { return kind == AddBuffer || kind == MulBuffer; }
};

struct Buffer {
    int node = -1;           // the IR node whose value it holds
    ir::Shape shape;         // logical NHWC (or [N, C]) shape, batch symbolic
    int64_t border_top = 0, border_bottom = 0, border_left = 0, border_right = 0;
    bool network_input = false, network_output = false;
    int input_index = -1;    // which of the network's inputs it is
    int producer = -1;       // step id (-1 for the network input); an alias parent's: its first alias's
    int last_use = -1;       // last step that reads it
    // A concat's input written in place (ConcatInPlace.cpp): it owns no
    // memory but the channels [channel_offset, +C) of buffer alias_of, whose
    // border and pixel stride (row_channels floats) it shares.
    int alias_of = -1;
    int64_t channel_offset = 0, row_channels = 0;
    bool has_border() const { return border_top || border_bottom || border_left || border_right; }
    // The buffer whose memory (and border) this one is.
    int owner(int self) const { return alias_of >= 0 ? alias_of : self; }
};

// A producer computed inside a step's kernel ahead of its anchor, so that
// its value never goes through memory: an inverted residual's expand and
// depthwise convolutions, computed per strip of the project's output rows.
struct Prologue {
    int node = -1;                   // the IR node (a 1x1 conv, a depthwise conv)
    std::vector<Epilogue> epilogue;  // its own activations and scale/shifts
};

struct Step {
    int anchor = -1;               // IR node computed by the kernel
    std::vector<Prologue> prologue;  // computed first, each feeding the next, the last the anchor
    std::vector<int> inputs;       // buffers the step reads (the first prologue's, if any)
    // The anchor (a pointwise convolution) reads inputs[0] times inputs[1],
    // an [N, 1, 1, C] gate (squeeze-and-excitation's product, never stored).
    bool gated_input = false;
    std::vector<Epilogue> epilogue;
    std::vector<int> fused;        // IR nodes folded into this step, anchor first
    int output = -1;               // buffer written
    std::string name;              // network path of the value it produces
};

struct Plan {
    ir::Graph graph;               // the graph the steps refer to, pads folded
    std::vector<Buffer> buffers;
    std::vector<Step> steps;       // in execution order
    std::vector<int> inputs;       // buffer ids, as the graph's inputs
    std::vector<int> outputs;      // buffer ids, as the graph's outputs (one buffer may be several)
};

// Cuts the graph into steps: drops nodes the output does not need (e.g. the
// predictions softmax end point), folds zero pads into the convolutions that
// read them, fuses element-wise chains, and sizes buffer borders.
Plan build_plan(ir::Graph g);

// Concatenations whose inputs are written where the concat would copy
// them: each input's producer writes its channels of the concat's buffer
// directly, and the concat step goes (ConcatInPlace.cpp).
void concat_in_place(Plan &plan);

// The plan as text (`--emit=plan`): one line per step and buffer.
void print_plan(std::ostream &os, const Plan &plan);

}  // namespace netc::lower
