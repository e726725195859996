#include "TrainModule.h"

#include "Parallel.h"
#include "TrainEntry.h"

#include <algorithm>
#include <cstring>

namespace netc::aot {

using namespace Halide;

namespace {

Buffer<float> embedded(const std::vector<float> &values, const std::string &name) {
    Buffer<float> b(std::max<int>(1, static_cast<int>(values.size())), name);
    b.fill(0.0f);
    std::copy(values.begin(), values.end(), b.data());
    return b;
}

}  // namespace

TrainModule train_module(const TrainProgram &p, const Target &target, const std::string &prefix,
                         const std::function<void(int, int, const std::string &)> &progress) {
    TrainModule tm;
    tm.step = prefix + "_run_step";
    tm.evaluate = prefix + "_run_evaluate";
    tm.init = prefix + "_run_init";
    Module entries(prefix, target);
    TrainSymbols symbols;
    std::vector<grad::Kernel *> kernels;
    for (const TraceEntry *e : {&p.step, &p.evaluate})
        for (const TraceCall &c : e->calls) {
            tm.calls++;
            if (symbols.kernels.count(c.kernel)) continue;
            symbols.kernels[c.kernel] = prefix + "_k" + std::to_string(kernels.size());
            kernels.push_back(c.kernel);
        }
    tm.kernels = static_cast<int>(kernels.size());
    for (size_t i = 0; i < p.constants.size(); i++) {
        symbols.constants.push_back(prefix + "_constant_" + std::to_string(i));
        entries.append(embedded(p.constants[i], symbols.constants.back()));
    }
    symbols.initial_weights = prefix + "_initial_weights";
    entries.append(embedded(p.initial_weights, symbols.initial_weights));
    for (size_t k = 0; k < p.state.size(); k++) {
        const BlockArray &a = p.state[k];
        std::vector<float> v(p.initial_state.begin() + a.offset, p.initial_state.begin() + a.offset + a.size);
        if (std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; })) continue;
        symbols.initial_state.emplace_back(static_cast<int>(k), prefix + "_initial_state_" + std::to_string(k));
        entries.append(embedded(v, symbols.initial_state.back().second));
    }
    entries.append(train_entry(tm.step, p, p.step, true, symbols));
    entries.append(train_entry(tm.evaluate, p, p.evaluate, false, symbols));
    entries.append(init_entry(tm.init, p, symbols));

    std::vector<Module> modules(kernels.size(), Module(prefix, target));
    int count = static_cast<int>(kernels.size());
    lower::for_each_parallel(
        count, [&](int c) { if (progress) progress(c, count, kernels[c]->name()); },
        [&](int c) {
            const grad::Kernel &k = *kernels[c];
            std::vector<Argument> args(k.inputs().begin(), k.inputs().end());
            args.insert(args.end(), k.scalars().begin(), k.scalars().end());
            modules[c] = Pipeline(k.outputs()).compile_to_module(args, symbols.kernels.at(&k), target,
                                                                  LinkageType::Internal);
        });
    modules.insert(modules.begin(), entries);
    tm.module = link_modules(prefix, modules);
    return tm;
}

}  // namespace netc::aot
