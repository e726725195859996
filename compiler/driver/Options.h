// netc's command line (SPEC section 3): the command, its file and flags.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace netc {

struct Options {
    std::string command;            // "compile", "check", "summary", "weights", "run", "bench", "profile", "tune", "repl"
    std::string file;
    std::string entry;
    std::string output;             // -o (the first one)
    std::vector<std::string> outputs;  // every -o (run: NAME=FILE.npy per output)
    std::vector<std::string> emit;  // --emit=a,b
    std::map<std::string, std::string> defines;  // -D name=value
    std::string target = "host";
    std::string weights;
    std::vector<std::string> inputs;   // --input FILE or NAME=FILE, repeatable
    std::vector<std::string> input_shapes;  // import: --input-shape NAME=1x3x224x224
    std::string tuning;             // --tuning FILE: the tuning table to use (tune: to write)
    bool retune = false;            // tune: measure kernels the table already has
    bool train = false;             // compile: a training step (--train -o STEP.o)
    bool backward = false;          // bench: time forward and gradients too (--backward)
    int64_t random_seed = -1;
    int64_t batch = -1;
    std::vector<int64_t> image_size;  // --image-size H[,W]: the input's spatial size
    int64_t steps = -1, burn_in = 10, threads = 0;  // steps: -1 for the command's default
    int opt_level = 2;
    // train: --data, --validation, --optimizer, --lr, --momentum, --epochs,
    // --seed, --gradients (loss and gradients of the first batch, no update),
    // --resume (a checkpoint whose run to continue), --log-steps (each
    // step's loss as CSV), --no-shuffle (the data's order every epoch).
    std::string data, validation, optimizer = "adam", gradients, resume, log_steps;
    bool no_shuffle = false;
    double lr = 1e-3, momentum = 0.9;
    int64_t epochs = 1, seed = 1;
    bool verbose = false;
    bool help = false;
    std::vector<std::string> args;  // as given (train: the command that resumes it)
};

// Parses argv. On a usage error returns false with `error` set.
bool parse_options(int argc, char **argv, Options &out, std::string &error);
// Help for netc as a whole, or for one command.
std::string help_text(const std::string &command);

}  // namespace netc
