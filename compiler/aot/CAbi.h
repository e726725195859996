// The C ABI of an AOT network (SPEC section 5): the header an app includes,
// and the small functions behind it, written as LLVM assembly and linked
// into the object with the Halide code. They check the arguments, route
// Halide runtime errors to a recorded message instead of abort(), pick the
// best code variant the CPU can run, and expose thread-count control.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <string>
#include <vector>

namespace netc::aot {

struct Abi {
    std::string entry;                 // the C symbol
    std::string source, network, object;  // for the header's comment
    // Per image, without the batch: H, W, C (or K); one per network input
    // and output, in the entry's argument order, with their names.
    std::vector<std::vector<int64_t>> inputs, outputs;
    std::vector<std::string> input_names, output_names;
    int max_batch = 0;
    // Activation memory: per image of the head's passes and of the tail's,
    // and the images a pass of each takes (lower::MemoryLayout).
    int64_t head_bytes = 0, tail_bytes = 0;
    int head_pass = 1, tail_pass = 1;
    struct Variant {
        std::string run;               // int run(void *input, void *output, int batch, void *arena)
        Halide::Target target;
    };
    std::vector<Variant> variants;     // best first; each runs where the CPU has its features
    bool weights_embedded = true;
};

// The ABI's own error codes, above the GPU drivers' (CUDA's end at 999);
// Halide runtime errors are negative (halide_error_code_t).
enum AbiError {
    kFirstError = 1001,
    kNullInput = 1001,
    kNullOutput,
    kBadBatch,
    kBatchTooLarge,
    kNoCpuFeatures,
    kOutOfMemory,
    kNullState,  // the training step's
    kBadLabel,
    kMisaligned
};

// Words of a Halide target's feature bits, as halide_can_use_target_features takes them.
constexpr int kFeatureWords = (Halide::Target::FeatureEnd + 63) / 64;

std::string c_header(const Abi &abi);
std::string abi_llvm_assembly(const Abi &abi);

// What every netc object's wrapper has: the error codes (for the header);
// the shared error recording, handler, thread and message functions with
// ENTRY_error_message and ENTRY_set_num_threads; and ENTRY_features_V, the
// feature bits of each code variant.
std::string error_codes_header();
std::string glue_llvm_assembly(const std::string &entry);
// s as an LLVM assembly constant, c"...\00", escaped.
std::string ll_string(const std::string &s);
// The wrapper's check of i32 %batch: from label check_batch, returns
// kBadBatch below 1 and kBatchTooLarge above max_batch, else goes to `next`.
std::string batch_check_llvm(int max_batch, const std::string &next);
std::string features_llvm_assembly(const std::string &entry, const std::vector<Halide::Target> &targets);
// The symbols the ABI exports; everything else the entry prefixes is internal.
std::vector<std::string> abi_symbols(const Abi &abi);
// Halide runtime functions the ABI wrapper replaces with safer ones. The
// wrapper defines them strongly so that linking it replaces the runtime's;
// the caller then makes them weak again, as every netc object carries them.
std::vector<std::string> runtime_overrides();

}  // namespace netc::aot
