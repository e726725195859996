#include "Tuner.h"

#include "KernelObject.h"
#include "KernelTimer.h"
#include "Parallel.h"

#include <map>

namespace netc::tune {

using namespace Halide;

namespace {

struct Group {
    schedule::ConvProblem problem;
    std::vector<int> steps;
};

// Steps grouped by what they compute, in network order.
std::vector<Group> conv_groups(const lower::Plan &plan) {
    std::vector<Group> groups;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < plan.steps.size(); i++) {
        auto p = lower::conv_problem(plan, static_cast<int>(i));
        if (!p) continue;
        auto [it, fresh] = index.emplace(p->signature(), groups.size());
        if (fresh) groups.push_back({*p, {}});
        groups[it->second].steps.push_back(static_cast<int>(i));
    }
    return groups;
}

// Lowers each candidate (a table forcing its schedule), compiles the ones
// not cached on every core, then times them one by one, keeping the best in r.
void measure(const lower::Plan &plan, int step, const weights::WeightMap &w, const Target &target,
             const TuneOptions &o, const std::vector<schedule::ConvSchedule> &candidates, TuneResult &r) {
    std::vector<lower::Kernel> kernels;
    for (auto &c : candidates) {
        TuningTable forced;
        forced.set(r.signature, c.str(), 0);
        kernels.push_back(lower::lower_step(plan, step, w, target, &forced));
    }
    std::vector<jit::KernelFn> fns(kernels.size(), nullptr);
    std::vector<int> missing;
    for (size_t i = 0; i < kernels.size(); i++) {
        jit::CodeSource source;
        fns[i] = jit::find_kernel(kernels[i], target, source);
        if (!fns[i]) missing.push_back(static_cast<int>(i));
    }
    lower::for_each_parallel(static_cast<int>(missing.size()), nullptr,
                             [&](int i) { fns[missing[i]] = jit::compile_kernel(kernels[missing[i]], target); });
    for (size_t i = 0; i < kernels.size(); i++) {
        if (o.interrupted && o.interrupted()) return;
        Timing t = time_kernel(plan, kernels[i], fns[i], o.batch, o.budget_ms);
        r.candidates++;
        if (o.measured) o.measured(kernels[i].schedule, t.best_us);
        if (kernels[i].schedule == r.model) r.model_us = t.best_us;
        if (t.best_us < r.best_us) {
            r.best_us = t.best_us;
            r.best = kernels[i].schedule;
        }
    }
}

}  // namespace

std::vector<TuneResult> tune_network(const lower::Plan &plan, const weights::WeightMap &w, const Target &target,
                                     TuningTable &table, const TuneOptions &o) {
    std::vector<TuneResult> results;
    std::vector<Group> groups = conv_groups(plan);
    for (size_t g = 0; g < groups.size(); g++) {
        if (o.interrupted && o.interrupted()) break;
        const Group &group = groups[g];
        int step = group.steps.front();
        TuneResult r;
        r.signature = group.problem.signature();
        r.name = plan.steps[step].name;
        r.steps = static_cast<int>(group.steps.size());
        r.flops = group.problem.flops_per_image() * o.batch;
        r.model = schedule::model_conv_schedule(group.problem, target).str();
        if (o.progress) o.progress(static_cast<int>(g), static_cast<int>(groups.size()), r.name);
        if (!o.retune && table.find(r.signature)) {
            r.skipped = true;
            r.best = *table.find(r.signature);
            r.best_us = table.entries().at(r.signature).us;
            results.push_back(r);
            continue;
        }
        std::vector<schedule::ConvSchedule> candidates = schedule::conv_candidates(group.problem, target);
        if (static_cast<int>(candidates.size()) > o.max_candidates) candidates.resize(o.max_candidates);
        r.best_us = 1e300;
        measure(plan, step, w, target, o, candidates, r);
        // Then the winner's loop order and task count: 8 tasks a pass suit
        // most layers, but small ones pay for waking threads and large ones
        // balance better finer.
        if (auto best = schedule::ConvSchedule::parse(r.best)) {
            std::vector<schedule::ConvSchedule> variants;
            if (best->algorithm == schedule::ConvSchedule::Direct) {
                schedule::ConvSchedule c = *best;
                c.spatial_outer = !c.spatial_outer;
                variants.push_back(c);
            }
            measure(plan, step, w, target, o, variants, r);
            best = schedule::ConvSchedule::parse(r.best);
            variants.clear();
            for (int tasks : {2, 4, 16, 32}) {
                schedule::ConvSchedule c = *best;
                c.tasks = tasks;
                variants.push_back(c);
            }
            measure(plan, step, w, target, o, variants, r);
        }
        if (r.candidates == 0) continue;  // interrupted before any was timed
        table.set(r.signature, r.best, r.best_us);
        results.push_back(r);
    }
    return results;
}

}  // namespace netc::tune
