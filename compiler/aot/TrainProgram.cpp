// Recording a training step's entries. Each is recorded at two batch sizes:
// a buffer dimension whose extent follows the batch is the batch
// dimension, a workspace region's size is linear in the batch, and anything
// else that differs (a shape, an offset, a constant) means the calls do not
// form one program for every batch, which is refused. Buffers are told apart
// by address: the caller's arrays by their ranges, the rest of what the step
// owns merged into regions wherever their ranges overlap (a view and its
// buffer), numbered in the order the calls first touch them.
#include "TrainProgram.h"

#include "Diagnostics.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <functional>

namespace netc::aot {

using grad::Buf;

namespace {

constexpr int64_t kAlign = 16;  // floats: arrays start on 64 bytes
int64_t aligned(int64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

struct RawBuffer {
    const char *host = nullptr;
    int64_t bytes = 0;  // the span it touches from host
    std::vector<halide_dimension_t> dims;
};

struct RawCall {
    grad::Kernel *kernel = nullptr;
    std::vector<RawBuffer> ins, outs;
    std::vector<float> scalars;
};

RawBuffer raw(const Buf &b) {
    RawBuffer r;
    r.host = reinterpret_cast<const char *>(b.data());
    int64_t last = 0;
    for (int i = 0; i < b.dimensions(); i++) {
        const halide_dimension_t &d = b.raw_buffer()->dim[i];
        if (d.stride < 0 || d.extent < 1) throw InternalError("a recorded training buffer with a negative stride");
        last += int64_t(d.extent - 1) * d.stride;
        r.dims.push_back(d);
    }
    r.bytes = (last + 1) * int64_t(sizeof(float));
    return r;
}

std::vector<RawCall> record(const std::function<void()> &run) {
    std::vector<RawCall> calls;
    grad::Recording recording([&](grad::Kernel &k, const std::vector<const Buf *> &ins,
                                  const std::vector<float> &scalars, const std::vector<Buf *> &outs) {
        RawCall c;
        c.kernel = &k;
        for (const Buf *b : ins) c.ins.push_back(raw(*b));
        for (const Buf *b : outs) c.outs.push_back(raw(*b));
        c.scalars = scalars;
        calls.push_back(std::move(c));
    });
    run();
    return calls;
}

// A caller-owned range: an array of a block, or the batch's images or labels.
struct Caller {
    const char *lo;
    int64_t bytes;
    Home home;
    int64_t offset;  // of the range in its block
};

// One recording with its buffers placed.
struct Placed {
    std::vector<std::vector<TraceBuffer>> ins, outs;
    std::vector<int64_t> region_bytes;
    std::vector<bool> read_first;  // the first call to touch the region reads it
    std::vector<std::vector<float>> content;  // of the regions read first, as recorded
    TraceBuffer loss, correct, logits;
};

Placed place(const std::vector<RawCall> &calls, const std::vector<Caller> &callers,
             const std::vector<RawBuffer> &results) {
    auto caller_of = [&](const RawBuffer &b) -> const Caller * {
        for (const Caller &c : callers) {
            bool inside = b.host >= c.lo && b.host + b.bytes <= c.lo + c.bytes;
            bool overlaps = b.host < c.lo + c.bytes && c.lo < b.host + b.bytes;
            if (inside) return &c;
            if (overlaps) throw InternalError("a recorded training buffer straddles a caller's array");
        }
        return nullptr;
    };
    // The workspace's ranges, merged where they overlap.
    std::vector<std::pair<const char *, const char *>> ranges;
    for (const RawCall &c : calls)
        for (const auto *list : {&c.ins, &c.outs})
            for (const RawBuffer &b : *list)
                if (!caller_of(b)) ranges.emplace_back(b.host, b.host + b.bytes);
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<const char *, const char *>> merged;
    for (auto &r : ranges) {
        if (!merged.empty() && r.first < merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
        else merged.push_back(r);
    }
    std::vector<int> id(merged.size(), -1);
    Placed p;
    auto resolve = [&](const RawBuffer &b, bool reading, bool recorded) {
        TraceBuffer t;
        t.dims = b.dims;
        if (const Caller *c = caller_of(b)) {
            t.home = c->home;
            t.offset = c->offset + (b.host - c->lo);
            return t;
        }
        auto it = std::upper_bound(merged.begin(), merged.end(), b.host,
                                   [](const char *h, const std::pair<const char *, const char *> &r) { return h < r.first; });
        size_t m = static_cast<size_t>(it - merged.begin()) - 1;
        if (it == merged.begin() || b.host + b.bytes > merged[m].second)
            throw InternalError("a training step's result buffer is not one its kernels touch");
        if (id[m] < 0) {
            if (!recorded) throw InternalError("a training step's result buffer is not one its kernels touch");
            id[m] = static_cast<int>(p.region_bytes.size());
            p.region_bytes.push_back(merged[m].second - merged[m].first);
            p.read_first.push_back(reading);
            const float *f = reinterpret_cast<const float *>(merged[m].first);
            p.content.emplace_back();
            if (reading) p.content.back().assign(f, f + p.region_bytes.back() / int64_t(sizeof(float)));
        }
        t.home = Home::Workspace;
        t.index = id[m];
        t.offset = b.host - merged[m].first;
        return t;
    };
    for (const RawCall &c : calls) {
        p.ins.emplace_back();
        p.outs.emplace_back();
        for (const RawBuffer &b : c.ins) p.ins.back().push_back(resolve(b, true, true));
        for (const RawBuffer &b : c.outs) p.outs.back().push_back(resolve(b, false, true));
    }
    p.loss = resolve(results.at(0), false, false);
    p.correct = resolve(results.at(1), false, false);
    p.logits = resolve(results.at(2), false, false);
    return p;
}

// b's recording at batch b1 and its recording at b2 as one buffer of the program.
TraceBuffer combine(const TraceBuffer &a, const TraceBuffer &b, int b1, int b2, const std::string &where) {
    auto fail = [&](const std::string &what) {
        throw InternalError("the AOT training step: " + where + ": " + what + " changes with the batch");
    };
    if (a.home != b.home || a.index != b.index) fail("where a buffer lives");
    if (a.offset != b.offset) fail("a buffer's offset");
    if (a.dims.size() != b.dims.size()) fail("a buffer's rank");
    TraceBuffer t = a;
    for (size_t d = 0; d < a.dims.size(); d++) {
        if (a.dims[d].min != b.dims[d].min || a.dims[d].stride != b.dims[d].stride) fail("a buffer's layout");
        if (a.dims[d].extent == b.dims[d].extent) continue;
        if (a.dims[d].extent != b1 || b.dims[d].extent != b2 || d + 1 != a.dims.size() || t.batch_dim >= 0)
            fail("a buffer's shape");
        t.batch_dim = static_cast<int>(d);
    }
    return t;
}

ScalarRole role_of(const std::string &param) {
    std::string role = param.substr(param.rfind('/') + 1);
    if (role == "lr") return ScalarRole::LearningRate;
    if (role == "lr_t") return ScalarRole::AdamLearningRate;
    if (role == "seed") return ScalarRole::Seed;
    return ScalarRole::Constant;
}

// The step's seed as dropout_forward passes it.
float seed_scalar(int seed) { return static_cast<float>(seed & 0xffffff); }

struct Recorded {
    std::vector<RawCall> calls;
    Placed placed;
    int batch, seed;
};

TraceEntry program_of(const Recorded &r1, const Recorded &r2, const char *entry,
                      std::vector<std::vector<float>> &constants) {
    if (r1.calls.size() != r2.calls.size())
        throw InternalError(std::string("the AOT training step: the ") + entry + " makes different calls at different batches");
    TraceEntry e;
    const Placed &p1 = r1.placed, &p2 = r2.placed;
    if (p1.region_bytes.size() != p2.region_bytes.size() || p1.read_first != p2.read_first)
        throw InternalError(std::string("the AOT training step: the ") + entry + "'s workspace changes with the batch");
    // Regions the step reads before it writes hold what it set up (batch
    // norm's ones and zeros): constants of the object.
    std::vector<int> constant(p1.region_bytes.size(), -1);
    for (size_t k = 0; k < p1.region_bytes.size(); k++) {
        Region r;
        int64_t grow = p2.region_bytes[k] - p1.region_bytes[k];
        if (grow < 0 || grow % (r2.batch - r1.batch))
            throw InternalError("the AOT training step: a workspace region does not grow with the batch");
        r.per_image = grow / (r2.batch - r1.batch);
        r.fixed = p1.region_bytes[k] - r.per_image * r1.batch;
        if (p1.read_first[k]) {
            if (r.per_image) throw InternalError("the AOT training step: it reads a batch's buffer before writing it");
            auto same = std::find(constants.begin(), constants.end(), p1.content[k]);
            constant[k] = static_cast<int>(same - constants.begin());
            if (same == constants.end()) constants.push_back(p1.content[k]);
            r = Region();  // no workspace
        }
        e.regions.push_back(r);
    }
    auto finish = [&](TraceBuffer t, bool written) {
        if (t.home == Home::Workspace && constant[t.index] >= 0) {
            if (written) throw InternalError("the AOT training step writes a buffer it read before writing");
            t.home = Home::Constant;
            t.index = constant[t.index];
        }
        return t;
    };
    for (size_t i = 0; i < r1.calls.size(); i++) {
        const RawCall &a = r1.calls[i], &b = r2.calls[i];
        std::string where = std::string(entry) + " call " + std::to_string(i) + " (" + a.kernel->name() + ")";
        if (a.kernel != b.kernel) throw InternalError("the AOT training step: " + where + " changes with the batch");
        TraceCall c;
        c.kernel = a.kernel;
        for (size_t j = 0; j < a.ins.size(); j++)
            c.ins.push_back(finish(combine(p1.ins[i][j], p2.ins[i][j], r1.batch, r2.batch, where), false));
        for (size_t j = 0; j < a.outs.size(); j++)
            c.outs.push_back(finish(combine(p1.outs[i][j], p2.outs[i][j], r1.batch, r2.batch, where), true));
        for (size_t j = 0; j < a.scalars.size(); j++) {
            TraceScalar s;
            s.role = role_of(a.kernel->scalars()[j].name());
            s.value = a.scalars[j];
            bool ok = s.role == ScalarRole::Seed ? a.scalars[j] == seed_scalar(r1.seed) && b.scalars[j] == seed_scalar(r2.seed)
                                                 : s.role != ScalarRole::Constant || a.scalars[j] == b.scalars[j];
            if (!ok) throw InternalError("the AOT training step: " + where + ": a scalar changes with the batch");
            c.scalars.push_back(s);
        }
        e.calls.push_back(std::move(c));
    }
    e.loss = finish(combine(p1.loss, p2.loss, r1.batch, r2.batch, "the loss"), false);
    e.correct = finish(combine(p1.correct, p2.correct, r1.batch, r2.batch, "the count"), false);
    e.logits = finish(combine(p1.logits, p2.logits, r1.batch, r2.batch, "the logits"), false);
    return e;
}

int64_t largest_example(const TraceEntry &e) {
    int64_t most = 1;
    for (const TraceCall &c : e.calls)
        for (const auto *list : {&c.ins, &c.outs})
            for (const TraceBuffer &t : *list)
                if (t.batch_dim >= 0) most = std::max<int64_t>(most, t.dims[t.batch_dim].stride);
    return most;
}

}  // namespace

TrainProgram record_program(grad::TrainStep &step, grad::OptimizerState &opt) {
    TrainProgram p;
    p.optimizer = opt.options();
    std::vector<grad::Variable> &vars = step.variables();
    for (const grad::Variable &v : vars) {
        BlockArray a;
        a.name = v.name;
        a.shape = v.shape;
        a.offset = p.weight_floats;
        a.size = static_cast<int64_t>(v.value.number_of_elements());
        a.trainable = v.trainable;
        p.weight_floats = aligned(a.offset + a.size);
        p.weights.push_back(a);
    }
    p.initial_weights.assign(static_cast<size_t>(p.weight_floats), 0.0f);
    for (size_t i = 0; i < vars.size(); i++)
        std::memcpy(p.initial_weights.data() + p.weights[i].offset, vars[i].value.data(), p.weights[i].size * sizeof(float));

    std::vector<std::string> names = opt.slot_names();
    std::vector<const Buf *> slots = opt.slot_buffers();
    for (size_t j = 0; j < names.size(); j++) {
        BlockArray a;
        a.name = names[j];
        a.offset = p.state_floats;
        if (j < slots.size()) {
            // A slot has its variable's shape: the name is the variable's plus a suffix.
            std::string var = names[j].substr(0, names[j].rfind('/'));
            auto v = std::find_if(vars.begin(), vars.end(), [&](const grad::Variable &x) { return x.name == var; });
            if (v == vars.end()) throw InternalError("optimizer slot '" + names[j] + "' of no variable");
            a.shape = v->shape;
            a.size = static_cast<int64_t>(slots[j]->number_of_elements());
        } else if (names[j] == "beta1_power" || names[j] == "beta2_power") {
            (names[j] == "beta1_power" ? p.beta1_power : p.beta2_power) = static_cast<int>(j);
            a.size = 1;
        } else {
            throw InternalError("optimizer state '" + names[j] + "' without a buffer");
        }
        p.state_floats = aligned(a.offset + a.size);
        p.state.push_back(a);
    }
    p.initial_state.assign(static_cast<size_t>(p.state_floats), 0.0f);
    for (size_t j = 0; j < slots.size(); j++)
        std::memcpy(p.initial_state.data() + p.state[j].offset, slots[j]->data(), p.state[j].size * sizeof(float));
    if (p.beta1_power >= 0) p.initial_state[p.state[p.beta1_power].offset] = float(p.optimizer.beta1);
    if (p.beta2_power >= 0) p.initial_state[p.state[p.beta2_power].offset] = float(p.optimizer.beta2);

    const ir::Node &input = step.images_input();
    p.image_shape.assign(input.shape.dims.begin() + 1, input.shape.dims.end());
    p.image_floats = 1;
    for (int64_t d : p.image_shape) p.image_floats *= d;
    p.classes = step.classes();

    auto record_at = [&](int batch, bool training, int seed) {
        std::vector<float> images(static_cast<size_t>(batch * p.image_floats)), labels(static_cast<size_t>(batch));
        std::vector<Caller> callers;
        auto bytes = [](const Buf &b) { return int64_t(b.number_of_elements() * sizeof(float)); };
        for (size_t i = 0; i < vars.size(); i++) {
            int64_t at = p.weights[i].offset * int64_t(sizeof(float));
            callers.push_back({reinterpret_cast<const char *>(vars[i].value.data()), bytes(vars[i].value), Home::Weights, at});
            if (vars[i].trainable)
                callers.push_back({reinterpret_cast<const char *>(vars[i].grad.data()), bytes(vars[i].grad), Home::Grads, at});
        }
        for (size_t j = 0; j < slots.size(); j++)
            callers.push_back({reinterpret_cast<const char *>(slots[j]->data()), bytes(*slots[j]), Home::State,
                               p.state[j].offset * int64_t(sizeof(float))});
        callers.push_back({reinterpret_cast<const char *>(images.data()), int64_t(images.size() * sizeof(float)), Home::Images, 0});
        callers.push_back({reinterpret_cast<const char *>(labels.data()), int64_t(labels.size() * sizeof(float)), Home::Labels, 0});
        Recorded r;
        r.batch = batch;
        r.seed = seed;
        r.calls = record([&] {
            step.forward(images.data(), labels.data(), batch, training, seed);
            step.correct();
            if (training) {
                step.backward();
                opt.step();
            }
        });
        r.placed = place(r.calls, callers, {raw(step.loss_value()), raw(step.correct_value()), raw(step.logits())});
        return r;
    };
    // Two batches and two seeds (any two, small ones keep the buffers small).
    Recorded s1 = record_at(2, true, 0x12345), s2 = record_at(3, true, 0x54321);
    p.step = program_of(s1, s2, "training step", p.constants);
    Recorded e1 = record_at(2, false, 0), e2 = record_at(3, false, 0);
    p.evaluate = program_of(e1, e2, "evaluation", p.constants);
    // Its C entry takes the weights as const.
    for (const TraceCall &c : p.evaluate.calls)
        for (const TraceBuffer &t : c.outs)
            if (t.home != Home::Workspace)
                throw InternalError("the AOT training step's evaluation writes the caller's arrays (" + c.kernel->name() + ")");
    p.largest_image_floats = std::max(largest_example(p.step), largest_example(p.evaluate));
    return p;
}

}  // namespace netc::aot
