#include "WriteObject.h"

#include "Diagnostics.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Metadata.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <unistd.h>

namespace netc::aot {

Halide::Target variant_target(const std::vector<Halide::Target> &targets, size_t i) {
    return i + 1 < targets.size() ? targets[i].with_feature(Halide::Target::NoRuntime) : targets[i];
}

std::string variant_prefix(const std::string &entry, size_t variants, size_t i) {
    return variants == 1 ? entry : entry + "_v" + std::to_string(i);
}

using namespace Halide;

namespace {

void link_into(llvm::Module &dst, std::unique_ptr<llvm::Module> src, const std::string &what) {
    if (llvm::Linker::linkModules(dst, std::move(src)))
        throw InternalError("linking " + what + " into the object's LLVM module failed");
}

// The entry's kernels, constants and variants are internal: only the ABI's
// functions are exported, so several networks link into one app. (The
// Halide runtime stays weak and is shared.)
void internalize(llvm::Module &m, const ObjectGlue &glue) {
    std::set<std::string> keep(glue.exports.begin(), glue.exports.end());
    std::string prefix = glue.prefix + "_";
    auto hide = [&](llvm::GlobalValue &g) {
        if (g.isDeclaration() || keep.count(g.getName().str())) return;
        if (g.getName().startswith(prefix)) g.setLinkage(llvm::GlobalValue::InternalLinkage);
    };
    for (auto &f : m.functions()) hide(f);
    for (auto &g : m.globals()) hide(g);
}

// Halide states a module's CPU in module flags that pick the TargetMachine;
// once variants share one module those flags name the baseline, so each
// variant's functions carry their own CPU and features as attributes.
void pin_cpu(llvm::Module &m) {
    auto flag = [&](const char *key) {
        auto *s = llvm::dyn_cast_or_null<llvm::MDString>(m.getModuleFlag(key));
        return s ? s->getString().str() : std::string();
    };
    std::string cpu = flag("halide_mcpu"), features = flag("halide_mattrs");
    for (auto &f : m.functions()) {
        if (f.isDeclaration()) continue;
        if (!cpu.empty()) f.addFnAttr("target-cpu", cpu);
        if (!features.empty()) f.addFnAttr("target-features", features);
    }
}

// A linked-in variant's CPU flags would conflict with the baseline's (and
// LLVM would warn); its functions carry them now.
void drop_cpu_flags(llvm::Module &m) {
    llvm::NamedMDNode *flags = m.getModuleFlagsMetadata();
    if (!flags) return;
    std::vector<llvm::MDNode *> keep;
    for (llvm::MDNode *op : flags->operands()) {
        auto *key = op->getNumOperands() > 1 ? llvm::dyn_cast<llvm::MDString>(op->getOperand(1)) : nullptr;
        if (key && (key->getString() == "halide_mcpu" || key->getString() == "halide_mattrs")) continue;
        keep.push_back(op);
    }
    flags->clearOperands();
    for (auto *op : keep) flags->addOperand(op);
}

void write_file(const std::string &path, const std::string &text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) throw rt::IOError("cannot write " + path);
}

}  // namespace

void write_outputs(std::vector<NetworkModule> &variants, const Abi &abi, const Outputs &outputs,
                   const std::function<void(const std::string &)> &stage) {
    ObjectGlue glue{abi.entry, c_header(abi), abi_llvm_assembly(abi), abi_symbols(abi)};
    std::vector<Module> modules;
    for (NetworkModule &v : variants) modules.push_back(std::move(v.module));
    write_object(modules, glue, outputs, stage);
}

void write_object(std::vector<Module> &variants, const ObjectGlue &glue, const Outputs &outputs,
                  const std::function<void(const std::string &)> &stage) {
    auto want = [&](const char *k) { return outputs.count(k) != 0; };
    if (want("h")) write_file(outputs.at("h"), glue.header);
    if (want("stmt") || want("html")) {
        stage("lowered statements");
        std::map<OutputFileType, std::string> files;
        if (want("stmt")) files[OutputFileType::stmt] = outputs.at("stmt");
        if (want("html")) files[OutputFileType::stmt_html] = outputs.at("html");
        variants.front().compile(files);
    }
    if (!want("obj") && !want("lib") && !want("ll") && !want("bc") && !want("asm")) return;

    llvm::LLVMContext context;
    // The runtime-carrying variant is the destination, so its module flags
    // (CPU and features for the runtime) are the module's.
    stage("LLVM code for " + variants.back().target().to_string());
    Target base = variants.back().target();
    std::unique_ptr<llvm::Module> m = compile_module_to_llvm_module(variants.back(), context);
    // The LLVM module holds its own copy of the weights now.
    variants.back() = Module("", Target());
    if (variants.size() > 1) pin_cpu(*m);
    for (size_t i = 0; i + 1 < variants.size(); i++) {
        std::string target = variants[i].target().to_string();
        stage("LLVM code for " + target);
        auto v = compile_module_to_llvm_module(variants[i], context);
        variants[i] = Module("", Target());
        pin_cpu(*v);
        drop_cpu_flags(*v);
        link_into(*m, std::move(v), "the code for " + target);
    }
    llvm::SMDiagnostic err;
    auto wrapper = llvm::parseIR(llvm::MemoryBufferRef(glue.wrapper, "netc_abi"), err, context);
    if (!wrapper) {
        std::string msg;
        llvm::raw_string_ostream os(msg);
        err.print("netc_abi", os);
        throw InternalError("the C ABI wrapper does not parse: " + os.str());
    }
    // parseIR does not verify: a malformed wrapper would crash code generation.
    std::string problems;
    llvm::raw_string_ostream ps(problems);
    if (llvm::verifyModule(*wrapper, &ps)) throw InternalError("the C ABI wrapper is malformed: " + ps.str());
    wrapper->setDataLayout(m->getDataLayout());
    wrapper->setTargetTriple(m->getTargetTriple());
    link_into(*m, std::move(wrapper), "the C ABI wrapper");
    for (const std::string &name : runtime_overrides())
        if (llvm::Function *f = m->getFunction(name)) f->setLinkage(llvm::GlobalValue::WeakAnyLinkage);
    internalize(*m, glue);

    if (want("ll")) compile_llvm_module_to_llvm_assembly(*m, *make_raw_fd_ostream(outputs.at("ll")));
    if (want("bc")) compile_llvm_module_to_llvm_bitcode(*m, *make_raw_fd_ostream(outputs.at("bc")));
    if (want("obj") || want("lib")) {
        stage("machine code");
        std::string obj = want("obj") ? outputs.at("obj")
                                      : outputs.at("lib") + ".tmp" + std::to_string(getpid()) + ".o";
        compile_llvm_module_to_object(*m, *make_raw_fd_ostream(obj));
        if (want("lib")) {
            create_static_library({obj}, base, outputs.at("lib"));
            if (!want("obj")) std::remove(obj.c_str());
        }
    }
    // Last: code generation may rewrite the module in place.
    if (want("asm")) {
        stage("assembly");
        compile_llvm_module_to_assembly(*m, *make_raw_fd_ostream(outputs.at("asm")));
    }
}

}  // namespace netc::aot
