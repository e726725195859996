// A lowered kernel as callable machine code: from this process's loaded
// code, from the on-disk KernelCache, or compiled now (Halide -> LLVM ->
// a relocatable object, stored in the cache) and linked by the CodeLoader.
#pragma once

#include "CodeLoader.h"
#include "Kernel.h"

#include <string>
#include <vector>

namespace netc::jit {

enum class CodeSource { Loaded, DiskCache, Compiled };

// The kernel's symbol: a digest of its key and the kernel target.
std::string kernel_symbol(const lower::Kernel &k, const Halide::Target &target);

// Looks up kernel k without compiling: null unless loaded or cached.
KernelFn find_kernel(const lower::Kernel &k, const Halide::Target &target, CodeSource &source);

// Compiles kernel k to an object, stores it in the cache and loads it.
KernelFn compile_kernel(const lower::Kernel &k, const Halide::Target &target);

// The relocatable object LLVM makes of a lowered Halide module.
std::vector<char> module_object(const Halide::Module &m);

// The object file Halide and LLVM make of kernel k, defining `symbol`.
std::vector<char> compile_kernel_object(const lower::Kernel &k, const std::string &symbol,
                                        const Halide::Target &target);

}  // namespace netc::jit
