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

// variants[i] pairs with abi.variants[i]; the last carries the Halide runtime.
// stage(name) is called as each step starts, for progress reports.
// The variants' Halide modules are released as they become LLVM code.
void write_outputs(std::vector<NetworkModule> &variants, const Abi &abi, const Outputs &outputs,
                   const std::function<void(const std::string &)> &stage);

}  // namespace netc::aot
