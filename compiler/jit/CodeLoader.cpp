#include "CodeLoader.h"

#include "Diagnostics.h"
#include "KernelCache.h"
#include "Npy.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <unistd.h>

namespace netc::jit {

namespace {

std::mutex g_error_lock;
std::string g_error;

// Installed in every loaded runtime: Halide's default handler only prints,
// and the message belongs in the exception the failed call raises.
extern "C" void netc_runtime_error(void *, const char *msg) {
    std::lock_guard<std::mutex> g(g_error_lock);
    g_error = msg ? msg : "unknown error";
    while (!g_error.empty() && (g_error.back() == '\n' || g_error.back() == ' ')) g_error.pop_back();
}

std::string message(llvm::Error e) {
    std::string s;
    llvm::handleAllErrors(std::move(e), [&](const llvm::ErrorInfoBase &info) { s += info.message(); });
    return s;
}

template <typename T>
T check(llvm::Expected<T> v, const std::string &what) {
    if (!v) throw InternalError(what + ": " + message(v.takeError()));
    return std::move(*v);
}

std::unique_ptr<llvm::MemoryBuffer> buffer(const std::vector<char> &bytes, const std::string &name) {
    return llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(bytes.data(), bytes.size()), name);
}

// Halide writes a standalone runtime only to a file.
std::vector<char> compile_runtime(const Halide::Target &t) {
    char path[] = "/tmp/netc_runtime_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) throw InternalError("cannot create a temporary file for the Halide runtime");
    close(fd);
    std::string obj = std::string(path) + ".o";
    std::remove(path);
    Halide::compile_standalone_runtime(obj, t);
    std::ifstream f(obj, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::remove(obj.c_str());
    if (bytes.empty()) throw InternalError("Halide wrote no runtime for " + t.to_string());
    return bytes;
}

}  // namespace

struct CodeLoader::Runtime {
    llvm::orc::JITDylib *dylib = nullptr;
    int (*set_num_threads)(int) = nullptr;
    std::map<std::string, KernelFn> kernels;
};

struct CodeLoader::Impl {
    std::unique_ptr<llvm::orc::LLJIT> jit;
    std::map<std::string, Runtime> runtimes;  // by kernel target string
    int threads = 0;
};

CodeLoader &CodeLoader::instance() {
    // Never destroyed: runtime worker threads may run its code until exit.
    static CodeLoader *loader = new CodeLoader();
    return *loader;
}

CodeLoader::CodeLoader() : impl_(std::make_unique<Impl>()) {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    impl_->jit = check(llvm::orc::LLJITBuilder().create(), "cannot start LLVM's JIT");
}

Halide::Target CodeLoader::kernel_target(const Halide::Target &t) {
    return t.without_feature(Halide::Target::JIT).with_feature(Halide::Target::NoRuntime);
}

CodeLoader::Runtime &CodeLoader::runtime(const Halide::Target &t) {
    std::string key = kernel_target(t).to_string();
    auto it = impl_->runtimes.find(key);
    if (it != impl_->runtimes.end()) return it->second;
    if (t.has_gpu_feature())
        throw rt::IOError("the JIT runs CPU targets only; compile a " + t.to_string() +
                          " object with `netc FILE.net -o NAME.o --target ...` instead");
    Halide::Target rt_target = kernel_target(t).without_feature(Halide::Target::NoRuntime);
    KernelCache &cache = KernelCache::instance();
    std::string name = KernelCache::digest("halide runtime", rt_target.to_string());
    std::vector<char> object;
    if (auto cached = cache.load(name)) {
        object = std::move(*cached);
    } else {
        object = compile_runtime(rt_target);
        cache.store(name, object);
    }
    auto &jit = *impl_->jit;
    Runtime r;
    auto dylib = jit.createJITDylib("netc " + key);
    if (!dylib) throw InternalError("cannot create a JIT library: " + message(dylib.takeError()));
    r.dylib = &*dylib;
    auto process = check(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
                             jit.getDataLayout().getGlobalPrefix()),
                         "cannot resolve symbols of this process");
    r.dylib->addGenerator(std::move(process));
    if (auto e = jit.addObjectFile(*r.dylib, buffer(object, name)))
        throw InternalError("cannot load the Halide runtime: " + message(std::move(e)));
    auto address = [&](const char *sym) {
        return check(jit.lookup(*r.dylib, sym), std::string("the Halide runtime lacks ") + sym).getAddress();
    };
    using Handler = void (*)(void *, const char *);
    auto set_handler = reinterpret_cast<Handler (*)(Handler)>(address("halide_set_error_handler"));
    set_handler(netc_runtime_error);
    r.set_num_threads = reinterpret_cast<int (*)(int)>(address("halide_set_num_threads"));
    if (impl_->threads > 0) r.set_num_threads(impl_->threads);
    return impl_->runtimes.emplace(key, std::move(r)).first->second;
}

KernelFn CodeLoader::find(const Halide::Target &target, const std::string &symbol) {
    std::lock_guard<std::mutex> g(lock_);
    auto it = impl_->runtimes.find(kernel_target(target).to_string());
    if (it == impl_->runtimes.end()) return nullptr;
    auto k = it->second.kernels.find(symbol);
    return k == it->second.kernels.end() ? nullptr : k->second;
}

KernelFn CodeLoader::load(const Halide::Target &target, const std::string &symbol, const std::vector<char> &object) {
    std::lock_guard<std::mutex> g(lock_);
    Runtime &r = runtime(target);
    auto k = r.kernels.find(symbol);
    if (k != r.kernels.end()) return k->second;
    auto &jit = *impl_->jit;
    if (auto e = jit.addObjectFile(*r.dylib, buffer(object, symbol)))
        throw InternalError("cannot load kernel " + symbol + ": " + message(std::move(e)));
    auto fn = reinterpret_cast<KernelFn>(
        check(jit.lookup(*r.dylib, symbol + "_argv"), "cannot link kernel " + symbol).getAddress());
    r.kernels[symbol] = fn;
    return fn;
}

void CodeLoader::set_num_threads(int n) {
    std::lock_guard<std::mutex> g(lock_);
    impl_->threads = n;
    for (auto &kv : impl_->runtimes) kv.second.set_num_threads(n > 0 ? n : 0);
}

std::string CodeLoader::take_error() {
    std::lock_guard<std::mutex> g(g_error_lock);
    std::string s = std::move(g_error);
    g_error.clear();
    return s;
}

}  // namespace netc::jit
