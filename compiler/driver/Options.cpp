#include "Options.h"

#include <cstdlib>
#include <set>

namespace netc {

namespace {

const std::set<std::string> kCommands = {"check", "summary", "weights", "run", "bench", "profile", "tune", "import", "repl", "train"};
const std::set<std::string> kEmits = {"ast", "ir", "dot", "plan", "halide", "stmt",
                                      "obj", "h", "lib", "ll", "bc", "asm", "html"};

bool to_int(const std::string &s, int64_t &out) {
    if (s.empty() || s.size() > 18) return false;
    char *end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end) return false;
    out = v;
    return true;
}

}  // namespace

std::string help_text(const std::string &command) {
    if (command == "check")
        return "usage: netc check FILE.net [-D NAME=VALUE]...\n\n"
               "Parses FILE.net and its imports, checks names, arg-scopes and shapes, and\n"
               "elaborates every network it defines. Prints every error found; exit 1 if any.\n";
    if (command == "summary")
        return "usage: netc summary FILE.net [--entry NAME] [--batch N] [-D NAME=VALUE]...\n\n"
               "Prints a Keras-style table of the network: each op's scope path, kind, output\n"
               "shape and parameter count, then total, trainable and non-trainable parameters\n"
               "(batch-norm moving statistics are non-trainable, as in TensorFlow).\n";
    if (command == "train")
        return "usage: netc train FILE.net --data TRAIN [--validation VAL] [--optimizer adam|momentum|sgd]\n"
               "                  [--lr 1e-3] [--momentum 0.9] [--batch 32] [--epochs E] [--steps S] [--seed 1]\n"
               "                  (--weights INIT.npz | --random-weights SEED | --resume CHECKPOINT.npz)\n"
               "                  [--no-shuffle] [--log-steps STEPS.csv] -o TRAINED.npz\n"
               "       netc train FILE.net --data D --batch N (--weights W.npz | --random-weights S)\n"
               "                  --gradients GRADS.npz\n\n"
               "Trains the network's loss (softmax_cross_entropy on an i32[N] labels input). TRAIN\n"
               "and VAL are one of\n"
               "  D.npz                        `images` (float32, NHWC) and `labels` (integers)\n"
               "  IMAGES-idx3-ubyte:LABELS-idx1-ubyte   MNIST's files (or their .gz)\n"
               "  data_batch_1.bin[,...]       CIFAR-10 binary batches (or their .gz)\n"
               "  DIR                          MNIST's files (train-* for --data, t10k-* for\n"
               "                               --validation) or cifar-10-batches-bin\n"
               "                               (data_batch_1..5.bin; test_batch.bin)\n"
               "MNIST and CIFAR pixels are scaled to [0, 1] (value / 255), CIFAR's channel planes\n"
               "become NHWC. Each epoch shuffles with --seed and ends with a short batch when the\n"
               "batch does not divide the data; it reports validation accuracy (inference mode:\n"
               "moving statistics, no dropout) and writes -o: the weights, the optimizer's state\n"
               "under TF's slot names and the progress (netc_train/...). --steps stops after\n"
               "step S. Ctrl-C or SIGTERM stops after the current step, writes -o and prints\n"
               "the command that resumes (--resume CHECKPOINT.npz, the other options as before:\n"
               "the resumed run takes the steps the uninterrupted one would); exit 128 + the\n"
               "signal. --gradients writes the loss and every variable's gradient on the first\n"
               "N examples (without -o: and stops there; with -o: those of the first step,\n"
               "before its update). --no-shuffle takes the batches in the data's order every\n"
               "epoch (for comparing a run with another framework's, step by step);\n"
               "--log-steps writes each step's loss as CSV lines `step,epoch,loss` (the\n"
               "loss as a float64 with 17 digits), a header first.\n";
    if (command == "tune")
        return "usage: netc tune FILE.net [--entry NAME] [--batch N] [--threads T] [--tuning FILE] [--retune]\n\n"
               "Finds, by measurement on this machine, the fastest schedule of each distinct\n"
               "convolution of the network: every candidate (register tile, channel block,\n"
               "algorithm) is compiled and timed alone on the thread count given (default: every\n"
               "core) at --batch N images (default 1). The winners go into this machine's tuning\n"
               "table (printed at the end), which run, bench, profile, the REPL and ahead-of-time\n"
               "compiles then use; --tuning FILE writes (and later reads) another table, e.g. to\n"
               "compile an object for another machine. Kernels already in the table are kept\n"
               "unless --retune. Interrupting keeps what was tuned so far.\n";
    if (command == "import")
        return "usage: netc import MODEL.onnx -o MODEL.net [--weights MODEL.npz] [--input-shape NAME=1x3x224x224]\n"
               "                   [--entry NAME]\n\n"
               "Translates an ONNX model into a readable .net program (one statement per node,\n"
               "scoped by the node's name; a convolution's batch norm and activation fused in)\n"
               "and its weights, transposed to TF layouts, into an .npz (default: beside the\n"
               "program). NCHW images become NHWC. Shape arithmetic is folded, so flatten and\n"
               "reshape become netc ops. --input-shape fixes an input's size where the model\n"
               "leaves it open; --entry names the network. An op or attribute netc cannot\n"
               "express is an error naming the node, never a different network.\n";
    if (command == "bench")
        return "usage: netc bench FILE.net [--entry NAME] [--batch N] [--steps 100] [--burn-in 10] [--threads T]\n"
               "                  [--weights W.npz | --random-weights SEED] [--tuning FILE]\n"
               "                  [--backward [--gradients G.npz]]\n\n"
               "Times the network with the reference protocol: --burn-in untimed runs of a fixed\n"
               "random batch, then --steps timed ones; prints `Forward across S steps, M +/- D\n"
               "sec / batch` and images/s. --backward adds `Forward-backward across ...`: per\n"
               "step the forward pass and the gradients of an objective with respect to every\n"
               "trainable variable, no update (netc train's step). The objective is the\n"
               "reference's tf.nn.l2_loss(logits) = sum(y^2) / 2 of the one output, batch norm\n"
               "as the network declares it (frozen: its gamma and beta still get gradients);\n"
               "a network with a loss is timed on that loss with random labels. --gradients\n"
               "writes the first step's objective, batch and gradients. An op the step cannot\n"
               "differentiate is refused at the op. Training kernels are kept in the kernel\n"
               "cache ($NETC_CACHE_DIR) like the inference kernels.\n";
    if (command == "profile")
        return "usage: netc profile FILE.net [--entry NAME] [--batch N] [--steps 20] [--threads T]\n"
               "                    [--weights W.npz | --random-weights SEED] [--tuning FILE]\n\n"
               "Runs the network (after 3 burn-in runs) and prints where the time goes: each step's\n"
               "wall time, its share, GFLOP/s and percent of this machine's measured FMA peak,\n"
               "sorted, with the schedule its kernel runs; then the same per class of kernel.\n";
    if (command == "repl")
        return "usage: netc repl\n\n"
               "An interactive session: type definitions (imports, constants, arg_scopes, units,\n"
               "networks; a name defined again replaces the old definition) and commands, which\n"
               "start with ':'. Networks are JIT-compiled in-process and the compiled pipelines\n"
               "kept until a definition they use, the weights or the target change.\n\n"
               "  :load FILE          import a .net file          :defs, :show NAME, :check\n"
               "  :summary NET        the network's table          :shape EXPR\n"
               "  :run NET [IN.npy] [-o OUT.npy] [batch=N]         :bench NET [backward] [batch=N] [steps=S]\n"
               "  :train NET data=TRAIN [epochs=E] [lr=X] [-o CKPT.npz] ...  (as netc train)\n"
               "  :emit NET ir|dot|plan|halide|stmt|asm [-o FILE]\n"
               "  :weights random SEED | load W.npz | save NET W.npz\n"
               "  :target T, :threads N, :cache, :help [CMD], :quit\n\n"
               "NET is a network's name, or NAME(param = value, ...); image_size = H or (H, W)\n"
               "runs a fully convolutional network at another size. At a terminal, lines are\n"
               "edited with libedit (history in ~/.netc_history, or $NETC_HISTORY; Tab\n"
               "completes), Ctrl-C stops a compile or run, or drops the line being typed, and\n"
               "Ctrl-D leaves. Without a terminal, `netc repl < SCRIPT` runs the lines with no\n"
               "prompts and exits 1 if any of them failed (130 when interrupted).\n";
    return "usage: netc FILE.net -o OUT.o [--entry NAME] [--target T] [--weights W.npz | --random-weights SEED]\n"
           "                  [--emit obj,h,lib,ll,bc,asm,stmt,html,dot] [-O0|-O2]\n"
           "       netc FILE.net --train -o STEP.o [--entry NAME] [--optimizer adam|momentum|sgd] [--lr 1e-3]\n"
           "                  [--momentum 0.9] (--weights INIT.npz | --random-weights SEED)   # a C training step\n"
           "       netc check   FILE.net\n"
           "       netc summary FILE.net [--entry NAME] [--batch N]\n"
           "       netc weights FILE.net [--entry NAME] --random-weights SEED -o W.npz\n"
           "       netc run     FILE.net [--entry NAME] --input X.npy (--weights W.npz | --random-weights SEED) -o Y.npy\n"
           "                    (several inputs or outputs: --input NAME=X.npy ... -o NAME=Y.npy ...)\n"
           "       netc bench   FILE.net [--entry NAME] --batch N [--steps 100] [--burn-in 10] [--threads T]\n"
           "                    [--backward]   # and forward-backward: gradients of l2_loss(output)\n"
           "       netc profile FILE.net [--entry NAME] [--batch N] [--steps S]   # where the time goes\n"
           "       netc tune    FILE.net [--entry NAME] [--batch N] [--retune]    # schedules by measurement\n"
           "       netc train   FILE.net --data TRAIN [--validation VAL] [--optimizer adam] [--lr 1e-3] [--batch 32]\n"
           "                    [--epochs E] (--weights INIT.npz | --random-weights SEED | --resume CKPT.npz) -o OUT.npz\n"
           "       netc import  MODEL.onnx -o MODEL.net [--weights MODEL.npz] [--input-shape NAME=1x3xHxW]\n"
           "       netc repl                          # interactive; `netc repl --help`\n\n"
           "Compiler stages can be dumped with --emit=ast|ir|dot|plan|halide|stmt (to stdout,\n"
           "or -o FILE).\n"
           "Options:\n"
           "  --entry NAME        the network to use when FILE defines several\n"
           "  -D NAME=VALUE       set a network parameter, e.g. -D num_classes=10\n"
           "  --batch N           batch size for summaries and benchmarks\n"
           "  --image-size H[,W]  the input's height and width, instead of the network's own\n"
           "  --weights W.npz     weights named as TF-slim names them (SPEC 4)\n"
           "  --random-weights S  deterministic random weights from seed S\n"
           "  --threads T         worker threads (default: all cores)\n"
           "  --tuning FILE       the tuning table to use (default: this machine's, see netc tune)\n"
           "  -v                  report the stages and their times on stderr\n"
           "  -h, --help          this text; `netc CMD --help` for one command\n"
           "  --version           print the version\n\n"
           "Imports resolve next to the importing file, then in $NETC_PATH, then in the\n"
           "standard library. Exit codes: 0 ok, 1 error in the input, 2 usage, 3 internal error.\n";
}

bool parse_options(int argc, char **argv, Options &o, std::string &error) {
    std::vector<std::string> args(argv + 1, argv + argc);
    o.args = args;
    size_t i = 0;
    if (i < args.size() && kCommands.count(args[i])) o.command = args[i++];
    else o.command = "compile";
    auto value = [&](const std::string &flag, std::string &out) {
        if (i + 1 >= args.size()) {
            error = flag + " needs a value";
            return false;
        }
        out = args[++i];
        return true;
    };
    auto number = [&](const std::string &flag, int64_t &out, int64_t min) {
        std::string v;
        if (!value(flag, v)) return false;
        if (!to_int(v, out) || out < min) {
            error = flag + " needs an integer of at least " + std::to_string(min) + ", got '" + v + "'";
            return false;
        }
        return true;
    };
    for (; i < args.size(); i++) {
        std::string a = args[i];
        // Accept --flag=value as well as --flag value.
        auto eq = a.find('=');
        if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
            args.insert(args.begin() + static_cast<long>(i) + 1, a.substr(eq + 1));
            a = a.substr(0, eq);
        }
        if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (o.command == "repl") {
            error = "'repl' takes no arguments; in it, :load FILE reads a file and :target, :threads and "
                    ":weights set the rest";
            return false;
        } else if (a == "--version") {
            o.command = "version";
        } else if (a == "-o") {
            std::string v;
            if (!value(a, v)) return false;
            if (o.output.empty()) o.output = v;
            o.outputs.push_back(v);
        } else if (a == "--entry") {
            if (!value(a, o.entry)) return false;
        } else if (a == "--emit") {
            std::string list;
            if (!value(a, list)) return false;
            size_t b = 0;
            while (b <= list.size()) {
                size_t e = list.find(',', b);
                if (e == std::string::npos) e = list.size();
                std::string k = list.substr(b, e - b);
                if (!kEmits.count(k)) {
                    error = "unknown --emit kind '" + k + "' (known: ast, ir, dot, plan, halide, stmt, obj, h, lib, ll, bc, asm, html)";
                    return false;
                }
                o.emit.push_back(k);
                b = e + 1;
            }
        } else if (a == "-D" || (a.rfind("-D", 0) == 0 && a.size() > 2)) {
            std::string def = a.size() > 2 ? a.substr(2) : "";
            if (def.empty() && !value(a, def)) return false;
            auto k = def.find('=');
            if (k == std::string::npos || k == 0) {
                error = "-D needs NAME=VALUE, got '" + def + "'";
                return false;
            }
            o.defines[def.substr(0, k)] = def.substr(k + 1);
        } else if (a == "--target") {
            if (!value(a, o.target)) return false;
        } else if (a == "--weights") {
            if (!value(a, o.weights)) return false;
        } else if (a == "--input") {
            std::string v;
            if (!value(a, v)) return false;
            o.inputs.push_back(v);
        } else if (a == "--input-shape") {
            std::string v;
            if (!value(a, v)) return false;
            o.input_shapes.push_back(v);
        } else if (a == "--tuning") {
            if (!value(a, o.tuning)) return false;
        } else if (a == "--retune") {
            o.retune = true;
        } else if (a == "--train") {
            o.train = true;
        } else if (a == "--backward") {
            o.backward = true;
        } else if (a == "--random-weights") {
            if (!number(a, o.random_seed, 0)) return false;
        } else if (a == "--batch") {
            if (!number(a, o.batch, 1)) return false;
            // As for an --input file: a batch is an int where it runs.
            if (o.batch > (1 << 20)) {
                error = "--batch is at most 1048576, got " + std::to_string(o.batch);
                return false;
            }
        } else if (a == "--image-size") {
            std::string v;
            if (!value(a, v)) return false;
            size_t comma = v.find(',');
            int64_t h = 0, w = 0;
            if (!to_int(v.substr(0, comma), h) || h < 1 ||
                (comma != std::string::npos && (!to_int(v.substr(comma + 1), w) || w < 1))) {
                error = "--image-size needs H or H,W (positive integers), got '" + v + "'";
                return false;
            }
            o.image_size = {h, comma == std::string::npos ? h : w};
        } else if (a == "--data" || a == "--validation" || a == "--optimizer" || a == "--gradients" ||
                   a == "--resume" || a == "--log-steps") {
            std::string &dst = a == "--data" ? o.data : a == "--validation" ? o.validation
                             : a == "--optimizer" ? o.optimizer : a == "--resume" ? o.resume
                             : a == "--log-steps" ? o.log_steps : o.gradients;
            if (!value(a, dst)) return false;
        } else if (a == "--lr" || a == "--momentum") {
            std::string v;
            if (!value(a, v)) return false;
            char *end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || !(d >= 0) || d > 1e6 || (a == "--momentum" && d >= 1)) {
                error = a + " needs a number " + (a == "--lr" ? "of at least 0" : "in [0, 1)") + ", got '" + v + "'";
                return false;
            }
            (a == "--lr" ? o.lr : o.momentum) = d;
        } else if (a == "--no-shuffle") {
            o.no_shuffle = true;
        } else if (a == "--epochs") {
            if (!number(a, o.epochs, 1)) return false;
        } else if (a == "--seed") {
            if (!number(a, o.seed, 0)) return false;
        } else if (a == "--steps") {
            if (!number(a, o.steps, 1)) return false;
        } else if (a == "--burn-in") {
            if (!number(a, o.burn_in, 0)) return false;
        } else if (a == "--threads") {
            if (!number(a, o.threads, 1)) return false;
        } else if (a == "-O0" || a == "-O2") {
            o.opt_level = a == "-O0" ? 0 : 2;
        } else if (a == "-v" || a == "--verbose") {
            o.verbose = true;
        } else if (a.size() > 1 && a[0] == '-') {
            error = "unknown option '" + a + "'";
            return false;
        } else if (o.file.empty()) {
            o.file = a;
        } else {
            error = "unexpected argument '" + a + "' (one input file only)";
            return false;
        }
    }
    if (o.help || o.command == "version" || o.command == "repl") return true;
    if (o.outputs.size() > 1 && o.command != "run") {
        error = "-o is given " + std::to_string(o.outputs.size()) + " times; only 'run' writes several files";
        return false;
    }
    if (o.inputs.size() > 0 && o.command != "run") {
        error = "--input is for 'run'";
        return false;
    }
    if (o.backward && o.command != "bench") {
        error = "--backward is for 'bench' (netc bench FILE.net --backward)";
        return false;
    }
    if (!o.gradients.empty() && o.command != "train" && !(o.command == "bench" && o.backward)) {
        error = "--gradients is for 'train' and 'bench --backward'";
        return false;
    }
    if (o.train && o.command != "compile") {
        error = "--train compiles a training step ahead of time: netc FILE.net --train -o STEP.o";
        return false;
    }
    if ((o.command == "train" || o.train) &&
        o.optimizer != "adam" && o.optimizer != "momentum" && o.optimizer != "sgd") {
        error = "--optimizer is adam, momentum or sgd, got '" + o.optimizer + "'";
        return false;
    }
    if (o.command == "train") {
        if (o.data.empty()) {
            error = "train needs --data TRAIN.npz";
            return false;
        }
        if (o.output.empty() && o.gradients.empty()) {
            error = "train needs -o TRAINED.npz";
            return false;
        }
        if (!o.resume.empty() && (!o.weights.empty() || o.random_seed >= 0)) {
            error = "--resume takes the weights from the checkpoint; drop " +
                    std::string(o.weights.empty() ? "--random-weights" : "--weights");
            return false;
        }
        if (o.resume.empty() && o.weights.empty() && o.random_seed < 0) {
            error = "train needs --weights INIT.npz, --random-weights SEED or --resume CHECKPOINT.npz";
            return false;
        }
    } else if (!o.resume.empty()) {
        error = "--resume is for 'train'";
        return false;
    } else if (o.no_shuffle || !o.log_steps.empty()) {
        error = std::string(o.no_shuffle ? "--no-shuffle" : "--log-steps") + " is for 'train'";
        return false;
    }
    if (o.file.empty()) {
        error = "no input file";
        return false;
    }
    return true;
}

}  // namespace netc
