#include "KernelObject.h"

#include "KernelCache.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>

namespace netc::jit {

using namespace Halide;

std::string kernel_symbol(const lower::Kernel &k, const Target &target) {
    return KernelCache::digest(k.key, CodeLoader::kernel_target(target).to_string());
}

KernelFn find_kernel(const lower::Kernel &k, const Target &target, CodeSource &source) {
    std::string symbol = kernel_symbol(k, target);
    CodeLoader &loader = CodeLoader::instance();
    if (KernelFn fn = loader.find(target, symbol)) {
        source = CodeSource::Loaded;
        return fn;
    }
    if (auto object = KernelCache::instance().load(symbol)) {
        source = CodeSource::DiskCache;
        return loader.load(target, symbol, *object);
    }
    return nullptr;
}

KernelFn compile_kernel(const lower::Kernel &k, const Target &target) {
    std::string symbol = kernel_symbol(k, target);
    std::vector<char> object = compile_kernel_object(k, symbol, target);
    KernelCache::instance().store(symbol, object);
    return CodeLoader::instance().load(target, symbol, object);
}

std::vector<char> compile_kernel_object(const lower::Kernel &k, const std::string &symbol, const Target &target) {
    std::vector<Argument> args(k.params.begin(), k.params.end());
    return module_object(Pipeline(k.output).compile_to_module(args, symbol, CodeLoader::kernel_target(target)));
}

std::vector<char> module_object(const Module &m) {
    llvm::LLVMContext context;
    std::unique_ptr<llvm::Module> lm = compile_module_to_llvm_module(m, context);
    llvm::SmallVector<char, 0> bytes;
    llvm::raw_svector_ostream os(bytes);
    compile_llvm_module_to_object(*lm, os);
    return std::vector<char>(bytes.begin(), bytes.end());
}

}  // namespace netc::jit
