// The C ABI of an AOT training step: the header an app includes and the
// functions behind it, written as LLVM assembly beside the inference ABI's
// (CAbi.h, whose error recording, thread control and variant selection it
// shares). ENTRY_init, ENTRY_step and ENTRY_evaluate check their arguments
// (null pointers, the batch, every label), convert the labels, keep a
// workspace between calls and run the first code variant the CPU supports.
#pragma once

#include "TrainProgram.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace netc::aot {

struct TrainAbi {
    std::string entry;                    // the prefix of the C symbols
    std::string source, network, object;  // for the header's comment
    struct Variant {
        std::string step, evaluate, init;  // the variant's entry functions (TrainEntry.h)
        Halide::Target target;
    };
    std::vector<Variant> variants;  // best first
    int max_batch = 0;
    double default_lr = 0;
    bool weights_from_file = false;  // the initial weights: --weights, else --random-weights
    std::string weights_origin;      // the file or the seed, for the header
};

std::string train_header(const TrainAbi &abi, const TrainProgram &p);
std::string train_llvm_assembly(const TrainAbi &abi, const TrainProgram &p);
std::vector<std::string> train_symbols(const TrainAbi &abi);

// The largest batch a call takes: every per-batch buffer's bytes must fit
// Halide's 32-bit buffer sizes.
int train_max_batch(const TrainProgram &p);

}  // namespace netc::aot
