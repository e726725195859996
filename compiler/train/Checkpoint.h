// netc train's checkpoints: the variables under their slim names, the
// optimizer's slots under TF's, and how far training got (arrays under
// netc_train/, which weight binding skips), so that --resume takes the very
// steps an uninterrupted run would.
#pragma once

#include "OptimizerState.h"
#include "TrainStep.h"

#include <cstdint>
#include <string>
#include <utility>

namespace netc::train {

struct Progress {
    int64_t global_step = 0;    // steps taken since the run began
    int64_t epoch = 1;          // the epoch they end in, from 1
    int64_t step_in_epoch = 0;  // its batches done
    int64_t batch = 0, examples = 0;  // what fixes the order of the examples,
    int64_t seed = 0;                 // with the seed of the shuffle
    bool has_beta_powers = false;
    std::pair<double, double> beta_powers;  // Adam's, exactly
};

// What a checkpoint holds: the variables in graph order, the slots, the progress.
rt::NamedArrays checkpoint_arrays(const grad::TrainStep &step, const grad::OptimizerState &opt, const Progress &p);
// Written aside and renamed over `file`, so an interrupted write leaves the
// last checkpoint whole. rt::IOError when it cannot be written.
void write_checkpoint(const std::string &file, const rt::NamedArrays &arrays);

// The progress a checkpoint records. rt::IOError naming `file` if it records
// none (plain weights) or a malformed one.
Progress read_progress(const rt::NamedArrays &arrays, const std::string &file);

}  // namespace netc::train
