// Writes an AOT network's artifacts: the code variants' Halide modules and
// the C ABI linked into one LLVM module, then emitted as an object (and, on
// request, a static library, LLVM assembly or bitcode, native assembly), the
// C header, and the lowered statements as text or HTML.
#pragma once

#include "CAbi.h"
#include "NetworkModule.h"

#include <map>
#include <string>
#include <vector>

namespace netc::aot {

// kind ("obj", "h", "lib", "ll", "bc", "asm", "stmt", "html") -> path.
using Outputs = std::map<std::string, std::string>;

// What an object has besides its code variants: the header, the C ABI
// wrapper (LLVM assembly) and the symbols it exports; every other symbol
// that starts with prefix + "_" is internal.
struct ObjectGlue {
    std::string prefix, header, wrapper;
    std::vector<std::string> exports;
};

// Variant i of an object compiled for `targets` (most specific first): its
// target, without the Halide runtime except for the last (most portable)
// variant, which carries the object's one runtime; and the prefix of its
// symbols, ENTRY alone or ENTRY_vI.
Halide::Target variant_target(const std::vector<Halide::Target> &targets, size_t i);
std::string variant_prefix(const std::string &entry, size_t variants, size_t i);

// variants[i] is a code variant's module; the last carries the Halide
// runtime. stage(name) is called as each step starts, for progress reports.
// The modules are released as they become LLVM code.
void write_object(std::vector<Halide::Module> &variants, const ObjectGlue &glue, const Outputs &outputs,
                  const std::function<void(const std::string &)> &stage);

// An inference network's: variants[i] pairs with abi.variants[i].
void write_outputs(std::vector<NetworkModule> &variants, const Abi &abi, const Outputs &outputs,
                   const std::function<void(const std::string &)> &stage);

}  // namespace netc::aot
