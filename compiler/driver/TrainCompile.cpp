// The driver's ahead-of-time training step: `netc FILE.net --train -o
// STEP.o` runs the front end, builds the network's training step as `netc
// train` does (grad::TrainStep and its optimizer), records its kernel calls
// (aot::record_program), then per code variant compiles the kernels and the
// entries (aot::train_module) and writes them with the training ABI as one
// object and a header.
#include "Driver.h"

#include "Npy.h"
#include "OptimizerState.h"
#include "TrainAbi.h"
#include "TrainModule.h"
#include "TrainProgram.h"
#include "TrainStep.h"
#include "WriteObject.h"

#include <iomanip>

namespace netc {

int Driver::train_compile_command(int m) {
    aot::Outputs outputs = aot_outputs(true);
    if (outputs.empty()) return kExitUsage;
    auto targets = aot_targets();
    for (const Halide::Target &t : targets)
        if (t.has_gpu_feature())
            throw rt::IOError("--target " + t.to_string() + ": a training step compiles for CPUs only");
    auto g = entry_graph(m);
    if (!g) return fail();
    const std::string entry = g->name;
    if (!is_c_identifier(entry))
        throw rt::IOError("network name '" + entry + "' is not a C identifier, so it cannot name the entry");
    std::unique_ptr<grad::TrainStep> step = train_step(*g, grad::Objective::Loss);
    if (!step) return fail();
    if (opt_.weights.empty() && opt_.random_seed < 0)
        throw rt::IOError("a training step embeds its initial weights: give --weights INIT.npz or --random-weights SEED");
    if (!opt_.weights.empty() && opt_.random_seed >= 0)
        throw rt::IOError("give either --weights or --random-weights, not both");
    rt::NamedArrays init;
    if (!opt_.weights.empty()) {
        stage("read weights");
        init = rt::read_npz(opt_.weights);
        step->load(weights::bind_weights(*g, init, opt_.weights));
    } else {
        step->load(weights::random_weights(*g, uint64_t(opt_.random_seed)));
    }
    grad::OptimizerOptions oo = grad::OptimizerOptions::for_flags(opt_.optimizer, opt_.lr, opt_.momentum);
    grad::OptimizerState opt(oo, step->variables());
    // A checkpoint of netc train carries on from its optimizer state.
    bool resumed = !init.empty() && opt.restore(init);

    stage("record the training step");
    aot::TrainProgram program = aot::record_program(*step, opt);
    if (resumed)
        for (int k : {program.beta1_power, program.beta2_power})
            for (auto &kv : init)
                if (k >= 0 && kv.first == program.state[k].name && kv.second.data.size() == 1)
                    program.initial_state[program.state[k].offset] = kv.second.data[0];

    aot::TrainAbi abi;
    abi.entry = entry;
    abi.source = opt_.file;
    abi.network = g->name;
    abi.object = outputs["obj"];
    abi.max_batch = aot::train_max_batch(program);
    abi.default_lr = opt_.lr;
    abi.weights_origin = opt_.weights.empty() ? "random, seed " + std::to_string(opt_.random_seed)
                                              : opt_.weights + (resumed ? " with its optimizer state" : "");
    std::vector<Halide::Module> modules;
    aot::TrainModule first;
    for (size_t i = 0; i < targets.size(); i++) {
        Halide::Target t = aot::variant_target(targets, i);
        std::string prefix = aot::variant_prefix(entry, targets.size(), i);
        stage(("compile kernels for " + targets[i].to_string()).c_str());
        auto progress = [&](int k, int total, const std::string &name) {
            if (opt_.verbose) err_ << "netc:   compiling kernel " << k + 1 << "/" << total << " " << name << "\n";
        };
        aot::TrainModule tm = aot::train_module(program, t, prefix, progress);
        abi.variants.push_back({tm.step, tm.evaluate, tm.init, targets[i]});
        modules.push_back(tm.module);
        if (i == 0) first = tm;
    }
    aot::ObjectGlue glue{entry, aot::train_header(abi, program), aot::train_llvm_assembly(abi, program),
                         aot::train_symbols(abi)};
    first.module = Halide::Module("", Halide::Target());
    auto stage_name = [&](const std::string &s) { stage(s.c_str()); };
    aot::write_object(modules, glue, outputs, stage_name);
    stage("done");
    out_ << outputs["obj"] << ", " << outputs["h"] << ": " << entry << "_step (" << oo.kind
         << (oo.kind == "momentum" && oo.momentum == 0 ? " 0, plain SGD" : "") << "; " << first.calls
         << " kernel calls of " << first.kernels << " kernels";
    if (targets.size() > 1) out_ << " x " << targets.size() << " targets";
    out_ << "; " << program.weights.size() << " weight arrays, " << program.weight_floats << " floats)\n";
    return kExitOk;
}

}  // namespace netc
