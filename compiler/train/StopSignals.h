// Ctrl-C and SIGTERM during `netc train`: while a StopSignals lives, the
// first one only notes the signal, which the training loop polls between
// steps (it then writes a checkpoint and ends); a second of the same kind
// ends netc at once, as the signal would have.
#pragma once

namespace netc::train {

class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    // The signal that asked to stop, or 0.
    static int pending();
};

}  // namespace netc::train
