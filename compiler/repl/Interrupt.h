// Ctrl-C in the REPL. SIGINT only raises a flag, which long work polls at
// safe points (JitNetwork's Interrupt) and turns into an exception. While the
// line editor waits for a key the signal must also end its read(), so that
// the prompt can drop the line being typed.
#pragma once

namespace netc::repl {

// Installs the handler (in Work mode) for the life of the object and restores
// the previous one after. Made on the thread that reads input.
class InterruptHandler {
public:
    InterruptHandler();
    ~InterruptHandler();
    InterruptHandler(const InterruptHandler &) = delete;
    InterruptHandler &operator=(const InterruptHandler &) = delete;

    enum class Mode {
        Work,    // the flag only; interrupted system calls restart
        Prompt,  // also ends the reader's read() with EINTR (forwarded to it
                 // if another thread took the signal)
        Kill,    // the previous disposition (reading a script: Ctrl-C ends netc)
    };
    void set_mode(Mode m);

    static bool pending();
    static void clear();
};

}  // namespace netc::repl
