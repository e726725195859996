#include "KernelCache.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/Support/SHA256.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <elf.h>
#include <fstream>
#include <link.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace netc::jit {

namespace {

bool make_dirs(const std::string &dir) {
    for (size_t i = 1; i <= dir.size(); i++) {
        if (i < dir.size() && dir[i] != '/') continue;
        std::string part = dir.substr(0, i);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
    struct stat st;
    return stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && access(dir.c_str(), W_OK) == 0;
}

std::string default_dir() {
    const char *d = getenv("NETC_CACHE_DIR");
    if (d && *d) return std::string(d) == "off" ? std::string() : std::string(d);
    if ((d = getenv("XDG_CACHE_HOME")) && *d) return std::string(d) + "/netc";
    if ((d = getenv("HOME")) && *d) return std::string(d) + "/.cache/netc";
    return std::string();
}

std::string hex(const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; i++) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}

// The main executable's NT_GNU_BUILD_ID note, as hex.
int find_build_id(struct dl_phdr_info *info, size_t, void *out) {
    if (info->dlpi_name && info->dlpi_name[0]) return 0;  // the executable comes first, unnamed
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) &ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        auto *p = reinterpret_cast<const char *>(info->dlpi_addr + ph.p_vaddr), *end = p + ph.p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            auto *nh = reinterpret_cast<const ElfW(Nhdr) *>(p);
            const char *name = p + sizeof(ElfW(Nhdr));
            const char *desc = name + ((nh->n_namesz + 3) & ~3u);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                *static_cast<std::string *>(out) = hex(reinterpret_cast<const uint8_t *>(desc), nh->n_descsz);
                return 1;
            }
            p = desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
    return 1;
}

}  // namespace

KernelCache &KernelCache::instance() {
    static KernelCache cache(default_dir());
    return cache;
}

KernelCache::KernelCache(std::string dir) {
    // An unusable directory means no cache, never a failed compile.
    if (!dir.empty() && make_dirs(dir)) dir_ = std::move(dir);
}

const std::string &KernelCache::build_id() {
    static const std::string id = [] {
        std::string s;
        dl_iterate_phdr(find_build_id, &s);
        if (s.empty()) {
            struct stat st;
            if (stat("/proc/self/exe", &st) == 0)
                s = std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
                    std::to_string(st.st_mtim.tv_nsec);
        }
        return std::string(NETC_VERSION) + "-" + s;
    }();
    return id;
}

std::string KernelCache::hash_hex(const std::string &text, int bytes) {
    auto h = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
    return hex(h.data(), std::min<size_t>(h.size(), static_cast<size_t>(bytes)));
}

std::string KernelCache::digest(const std::string &what, const std::string &target) {
    return "netc_" + hash_hex(what + "\n" + target + "\n" + build_id());
}

std::string KernelCache::path(const std::string &name) const { return dir_ + "/" + name + ".o"; }

namespace {

// A stored object ends with this tag and the SHA-256 of the object: a torn
// write, a damaged disk or a foreign file is a cache miss, never bad code.
const char kTrailer[8] = {'N', 'E', 'T', 'C', 'O', 'B', 'J', '1'};
constexpr size_t kTrailerSize = sizeof kTrailer + 32;

std::array<uint8_t, 32> sha256(const char *p, size_t n) {
    return llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(p), n));
}

}  // namespace

std::optional<std::vector<char>> KernelCache::load(const std::string &name) const {
    if (!enabled()) return std::nullopt;
    std::ifstream f(path(name), std::ios::binary | std::ios::ate);
    if (!f) return std::nullopt;
    std::streamoff size = f.tellg();
    if (size < 64 + static_cast<std::streamoff>(kTrailerSize) || size > (int64_t(1) << 30)) return std::nullopt;
    std::vector<char> bytes(static_cast<size_t>(size));
    f.seekg(0);
    if (!f.read(bytes.data(), size)) return std::nullopt;
    size_t n = bytes.size() - kTrailerSize;
    auto h = sha256(bytes.data(), n);
    if (std::memcmp(bytes.data() + n, kTrailer, sizeof kTrailer) != 0 ||
        std::memcmp(bytes.data() + n + sizeof kTrailer, h.data(), h.size()) != 0 ||
        std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
        return std::nullopt;
    bytes.resize(n);
    utimes(path(name).c_str(), nullptr);  // recently used: pruned last
    return bytes;
}

void KernelCache::store(const std::string &name, const std::vector<char> &bytes) {
    if (!enabled()) return;
    std::string tmp = path(name) + ".tmp" + std::to_string(getpid()) + "-" + std::to_string(written_);
    {
        std::ofstream f(tmp, std::ios::binary);
        f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        auto h = sha256(bytes.data(), bytes.size());
        f.write(kTrailer, sizeof kTrailer);
        f.write(reinterpret_cast<const char *>(h.data()), static_cast<std::streamsize>(h.size()));
        if (!f) {
            std::remove(tmp.c_str());
            return;
        }
    }
    if (std::rename(tmp.c_str(), path(name).c_str()) != 0) std::remove(tmp.c_str());
    written_ += static_cast<int64_t>(bytes.size());
    if (written_ > (int64_t(64) << 20)) prune();
}

// Keeps the directory under its size budget by removing the least recently
// modified objects.
void KernelCache::prune() {
    written_ = 0;
    int64_t budget = int64_t(2048) << 20;
    if (const char *m = getenv("NETC_CACHE_MAX_MB")) budget = std::max<int64_t>(1, atoll(m)) << 20;
    DIR *d = opendir(dir_.c_str());
    if (!d) return;
    struct Entry {
        std::string path;
        int64_t size;
        time_t mtime;
    };
    std::vector<Entry> entries;
    int64_t total = 0;
    while (dirent *e = readdir(d)) {
        std::string n = e->d_name;
        if (n.size() < 3 || n.compare(n.size() - 2, 2, ".o") != 0) continue;
        struct stat st;
        std::string p = dir_ + "/" + n;
        if (stat(p.c_str(), &st) != 0) continue;
        entries.push_back({p, st.st_size, st.st_mtime});
        total += st.st_size;
    }
    closedir(d);
    std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) { return a.mtime < b.mtime; });
    for (auto &e : entries) {
        if (total <= budget) break;
        if (std::remove(e.path.c_str()) == 0) total -= e.size;
    }
}

}  // namespace netc::jit
