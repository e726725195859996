#include "Interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace netc::repl {

namespace {

std::atomic<bool> g_pending{false};
std::atomic<bool> g_forward{false};
pthread_t g_reader;
struct sigaction g_previous;

// Async-signal-safe: an atomic store and pthread_kill. A process-directed
// SIGINT goes to any thread that does not block it (a Halide worker, or
// main() waiting in pthread_join); only the reader's read() must see EINTR.
void on_sigint(int) {
    g_pending.store(true);
    if (g_forward.load() && !pthread_equal(pthread_self(), g_reader)) pthread_kill(g_reader, SIGINT);
}

void install(bool restart) {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGINT, &sa, nullptr);
}

}  // namespace

InterruptHandler::InterruptHandler() {
    g_reader = pthread_self();
    g_pending = false;
    sigaction(SIGINT, nullptr, &g_previous);
    install(true);
}

InterruptHandler::~InterruptHandler() {
    g_forward = false;
    sigaction(SIGINT, &g_previous, nullptr);
}

void InterruptHandler::set_mode(Mode m) {
    g_forward = m == Mode::Prompt;
    if (m == Mode::Kill) sigaction(SIGINT, &g_previous, nullptr);
    else install(m == Mode::Work);
}

bool InterruptHandler::pending() { return g_pending.load(); }

void InterruptHandler::clear() { g_pending = false; }

}  // namespace netc::repl
