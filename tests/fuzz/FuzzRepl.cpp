// Fuzz harness (e): lines typed at `netc repl`, fed one at a time to a fresh
// Repl as a script would feed them: the completeness test that decides
// whether a definition goes on, command parsing, and the session's handling
// of definitions (replacement, imports, checking what a change breaks).
// Commands that compile, run, time or write files (:run, :bench, :profile,
// :emit to Halide, statements or assembly, :emit -o, :weights load/save,
// :threads) are skipped, as is :load of a file in the current directory
// (where libFuzzer writes). Besides crashes, sanitizer reports and hangs, a
// finding is a failure netc reports as an internal compiler error.
#include "FuzzUtil.h"
#include "Repl.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace netc;

namespace {

bool has(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

// Whether the line may be fed: source text always; a command unless it
// names (or abbreviates) one that compiles, runs or touches files.
bool allowed(const std::string &line, bool continuing) {
    size_t b = line.find_first_not_of(" \t\r");
    if (continuing || b == std::string::npos || line[b] != ':') return true;
    size_t e = line.find_first_of(" \t\r", b);
    std::string word = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
    std::string rest = e == std::string::npos ? "" : line.substr(e);
    auto names = [&](const std::string &command) {
        return word == command || (word.size() > 1 && command.compare(0, word.size(), word) == 0);
    };
    if (names(":run") || names(":bench") || names(":profile") || names(":threads")) return false;
    if (names(":emit") && (has(rest, "halide") || has(rest, "stmt") || has(rest, "asm") || has(rest, "-o")))
        return false;
    if (names(":weights") && (has(rest, "load") || has(rest, "save"))) return false;
    if (names(":load")) {
        size_t a = rest.find_first_not_of(" \t\r");
        std::string path = a == std::string::npos ? "" : rest.substr(a);
        std::error_code ec;
        if (has(path, "/") || std::filesystem::exists(path, ec)) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    setenv("NETC_CACHE_DIR", "off", 1);  // no tuning table or kernel cache from this machine
    unsetenv("NETC_PATH");               // imports and :load find the stdlib only
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    fuzz::on_netc_stack([&] {
        std::ostringstream out, err;
        repl::Repl repl(out, err, false);
        size_t at = 0;
        while (at <= text.size()) {
            size_t nl = text.find('\n', at);
            std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
            at = nl == std::string::npos ? text.size() + 1 : nl + 1;
            if (!allowed(line, repl.continuing())) continue;
            if (!repl.feed(line)) break;
        }
        repl.finish();
        if (repl.internal_errors()) fuzz::finding("an internal compiler error:\n" + err.str());
    });
    return 0;
}
