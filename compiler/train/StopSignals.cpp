#include "StopSignals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace netc::train {

namespace {

std::atomic<int> g_signal{0};
struct sigaction g_previous[2];
constexpr int kSignals[2] = {SIGINT, SIGTERM};

// Async-signal-safe: an atomic store and write(). Any thread may take it
// (main() waits in pthread_join, Halide's workers run kernels).
void on_signal(int sig) {
    int none = 0;
    g_signal.compare_exchange_strong(none, sig);
    static const char msg[] = "\nnetc train: stopping after this step (again to quit at once)\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
}

}  // namespace

StopSignals::StopSignals() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    // The second signal finds the default disposition: netc ends at once.
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    for (int i = 0; i < 2; i++) {
        sigaction(kSignals[i], nullptr, &g_previous[i]);
        // A signal ignored when netc started (a background job of a script)
        // stays ignored, as it would without the handler.
        if (g_previous[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &sa, nullptr);
    }
}

StopSignals::~StopSignals() {
    for (int i = 0; i < 2; i++) sigaction(kSignals[i], &g_previous[i], nullptr);
}

int StopSignals::pending() { return g_signal.load(); }

}  // namespace netc::train
