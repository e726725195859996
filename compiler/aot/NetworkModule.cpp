#include "NetworkModule.h"

#include "EntryFunction.h"
#include "Kernel.h"
#include "Memory.h"
#include "Parallel.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace netc::aot {

using namespace Halide;

NetworkModule network_module(const lower::Plan &plan, const weights::WeightMap &w, const Target &target,
                             const std::string &prefix, const Progress &progress, const tune::TuningTable *tuning) {
    NetworkModule nm;
    nm.run = prefix + "_run";
    nm.steps = static_cast<int>(plan.steps.size());
    Module entry(prefix, target);
    std::vector<lower::Kernel> kernels;
    std::map<std::string, int> by_key;
    std::vector<KernelCall> calls;
    for (size_t i = 0; i < plan.steps.size(); i++) {
        lower::Kernel k = lower::lower_step(plan, static_cast<int>(i), w, target, tuning);
        KernelCall call;
        for (auto &o : k.operands) {
            CallArg a;
            a.buffer = o.buffer;
            a.block = o.block;
            a.as_image = o.as_image;
            if (o.buffer < 0) {
                // Halide's dimensions are the array's, innermost first.
                std::vector<int> sizes(o.constant.shape.rbegin(), o.constant.shape.rend());
                a.constant = prefix + "_constant_" + std::to_string(nm.constants++);
                Buffer<float> b(sizes, a.constant);
                std::memcpy(b.data(), o.constant.data.data(), o.constant.data.size() * sizeof(float));
                nm.constant_bytes += static_cast<int64_t>(b.size_in_bytes());
                entry.append(b);
                o.constant.data = {};
            }
            call.args.push_back(std::move(a));
        }
        auto it = by_key.find(k.key);
        if (it == by_key.end()) {
            it = by_key.emplace(k.key, static_cast<int>(kernels.size())).first;
            kernels.push_back(std::move(k));
        }
        call.function = prefix + "_k" + std::to_string(it->second);
        calls.push_back(std::move(call));
    }
    nm.kernels = static_cast<int>(kernels.size());

    lower::MemoryLayout memory = lower::plan_memory(plan);
    nm.memory = memory;
    // Kernels see one pass at a time and the entry offsets its pointers in
    // 64 bits, so the batch is bounded only by the caller's memory.
    nm.max_batch = 1 << 24;

    entry.append(entry_function(nm.run, plan, memory, calls, target.has_gpu_feature()));
    std::vector<Module> modules(kernels.size(), Module(prefix, target));
    int count = static_cast<int>(kernels.size());
    lower::for_each_parallel(
        count, [&](int c) { if (progress) progress(c, count, kernels[c].name); },
        [&](int c) {
            std::vector<Argument> args(kernels[c].params.begin(), kernels[c].params.end());
            modules[c] = Pipeline(kernels[c].output)
                             .compile_to_module(args, prefix + "_k" + std::to_string(c), target, LinkageType::Internal);
        });
    modules.insert(modules.begin(), entry);
    nm.module = link_modules(prefix, modules);
    return nm;
}

}  // namespace netc::aot
