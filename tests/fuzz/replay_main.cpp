// Replays fuzz inputs through one harness without libFuzzer, so that the
// normal (g++) test suite runs every committed seed and every regression
// input (tests/fuzz/regressions/NAME: inputs that once crashed or hung).
//   fuzz_replay_NAME PATH...   each file, and each file in each directory
//                              (sorted, so that runs repeat; dot files
//                              skipped), once
// A harness finding aborts and so fails the test; so does an input that takes
// longer than $NETC_REPLAY_TIMEOUT seconds (default 10, what the fuzz job
// calls a hang).
#include "FuzzUtil.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

namespace {

char current[4096];  // the input being run, for the timeout message

void on_alarm(int) {
    const char msg[] = "fuzz_replay: timeout on ";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    ignored = write(2, current, std::strlen(current));
    ignored = write(2, "\n", 1);
    (void)ignored;
    _exit(124);
}

}  // namespace

int main(int argc, char **argv) {
    namespace fs = std::filesystem;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; i++) {
        fs::path p = argv[i];
        if (fs::is_directory(p)) {
            std::vector<fs::path> files;
            for (auto &e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
            std::sort(files.begin(), files.end());
            inputs.insert(inputs.end(), files.begin(), files.end());
        } else if (fs::is_regular_file(p)) {
            inputs.push_back(p);
        } else {
            std::fprintf(stderr, "fuzz_replay: no such file or directory: %s\n", argv[i]);
            return 2;
        }
    }
    const char *t = std::getenv("NETC_REPLAY_TIMEOUT");
    unsigned timeout = t && std::atoi(t) > 0 ? unsigned(std::atoi(t)) : 10;
    std::signal(SIGALRM, on_alarm);
    for (auto &p : inputs) {
        std::ifstream in(p, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.eof() && in.fail()) {
            std::fprintf(stderr, "fuzz_replay: cannot read %s\n", p.c_str());
            return 2;
        }
        std::snprintf(current, sizeof current, "%s", p.c_str());
        alarm(timeout);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
        alarm(0);
    }
    std::printf("fuzz_replay: %zu inputs, no finding\n", inputs.size());
    return inputs.empty() ? 1 : 0;
}
