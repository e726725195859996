// The training loop `netc train` and the REPL's :train share: shuffled
// batches of a dataset through a training step and an optimizer, a progress
// line, validation accuracy and a checkpoint per epoch, and a clean stop
// (a checkpoint that --resume continues) when asked between steps.
#pragma once

#include "Checkpoint.h"
#include "Dataset.h"

#include <functional>
#include <ostream>
#include <string>

namespace netc::train {

struct TrainOptions {
    std::string data, validation;  // Dataset specs (see load_dataset)
    std::string optimizer = "adam";  // adam, momentum or sgd
    double lr = 1e-3, momentum = 0.9;
    int64_t batch = 32, epochs = 1;
    int64_t steps = -1;  // stop after this global step (-1: run every epoch)
    int64_t seed = 1;    // the shuffle's, and dropout's
    std::string output;     // the checkpoint, every epoch and at a stop ("": none)
    std::string gradients;  // the loss and gradients of the first step, before its update
    std::string resume;     // the checkpoint this run continues ("": a new run)
    std::string log_steps;  // each step's loss, as CSV ("": none)
    bool shuffle = true;    // false: every epoch in the data's order
    // How the caller's options are written in messages: "--" before the
    // name (netc train) or "=" after it (:train).
    bool option_equals = false;
    std::string resume_hint;  // the command that resumes from `output`, said after a stop
    // A progress line as the steps go (at a terminal: one, redrawn), or the
    // epochs' lines only.
    bool step_lines = true;
};

enum class Ending { Finished, Stopped, Diverged };

struct TrainResult {
    Ending ending = Ending::Finished;
    int64_t steps = 0;  // global steps done when it ended
    int signal = 0;     // what stopped it
    rt::NamedArrays state;  // a checkpoint's arrays at the end (unless it diverged)
};

// Polled between steps with the global steps done: a nonzero value (a
// signal number) stops training after a checkpoint.
using StopRequest = std::function<int(int64_t)>;

// Trains `step`, its variables already loaded from `init` (the arrays read
// from `init_file`; empty for random weights). An optimizer's slots in init
// carry on; with o.resume, its progress does too. rt::IOError for bad data.
TrainResult train_network(grad::TrainStep &step, const rt::NamedArrays &init, const std::string &init_file,
                          const TrainOptions &o, const StopRequest &stop, std::ostream &out, std::ostream &err);

// Writes the loss and every trainable variable's gradient as an .npz.
void write_gradients(const std::string &file, double loss, grad::TrainStep &step);

}  // namespace netc::train
