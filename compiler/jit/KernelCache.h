// The persistent cache of compiled kernels: one relocatable object per
// distinct kernel, keyed by what makes its machine code (the kernel's key:
// algorithm, shapes, schedule, epilogue and operands), the Halide target and
// this netc build, so a second `netc run`, bench or REPL session of a
// network links its kernels instead of compiling them. Files are written to
// a temporary name and renamed, so concurrent processes (parallel tests)
// share one cache safely.
//
// Location: $NETC_CACHE_DIR, else $XDG_CACHE_HOME/netc, else ~/.cache/netc;
// NETC_CACHE_DIR=off disables it. The cache is pruned to $NETC_CACHE_MAX_MB
// (default 2048) megabytes, oldest files first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netc::jit {

class KernelCache {
public:
    // The process's cache (its directory created on first use), or a disabled one.
    static KernelCache &instance();
    explicit KernelCache(std::string dir);

    bool enabled() const { return !dir_.empty(); }
    const std::string &dir() const { return dir_; }

    // A stable name for `what` compiled for `target` by this build: also the
    // symbol the object defines.
    static std::string digest(const std::string &what, const std::string &target);
    // SHA-256 of text, the first `bytes` bytes in hex.
    static std::string hash_hex(const std::string &text, int bytes = 16);

    std::optional<std::vector<char>> load(const std::string &name) const;
    void store(const std::string &name, const std::vector<char> &bytes);

    // Identifies this netc build (the executable's GNU build-id, or its size
    // and modification time), so a rebuilt compiler never reuses old code.
    static const std::string &build_id();

private:
    std::string path(const std::string &name) const;
    void prune();
    std::string dir_;
    int64_t written_ = 0;
};

}  // namespace netc::jit
