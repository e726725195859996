// `netc tune`: for each distinct convolution of a network (by signature),
// compile every candidate schedule, time each alone on this machine and
// keep the fastest in the tuning table. Candidates come from
// schedule::conv_candidates (register tiles, channel blocks, algorithms);
// the cost model's choice is always among them, so tuning never loses.
#pragma once

#include "Kernel.h"
#include "TuningTable.h"

#include <functional>
#include <string>
#include <vector>

namespace netc::tune {

struct TuneOptions {
    int batch = 1;               // images per call while timing
    double budget_ms = 150;      // timing per candidate
    int max_candidates = 32;
    bool retune = false;         // measure signatures the table already has
    // progress(done, total, what) before each signature is tuned.
    std::function<void(int, int, const std::string &)> progress;
    // measured(schedule, microseconds) after each candidate is timed (-v).
    std::function<void(const std::string &, double)> measured;
    // Polled between candidates; true stops tuning (what is tuned is kept).
    std::function<bool()> interrupted;
};

struct TuneResult {
    std::string signature, name;  // name: the first step that runs it
    int steps = 0;                // steps of the network it serves
    int64_t flops = 0;            // per call (batch images)
    std::string model, best;      // schedules
    double model_us = 0, best_us = 0;
    int candidates = 0;
    bool skipped = false;         // already in the table
};

std::vector<TuneResult> tune_network(const lower::Plan &plan, const weights::WeightMap &w,
                                     const Halide::Target &target, TuningTable &table, const TuneOptions &options);

}  // namespace netc::tune
