#include "Checkpoint.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace netc::train {

namespace {

// An .npz here holds float32 only: counts are exact below 2^24 (16 million
// steps), the seed is kept as three 20-bit pieces and each double as its
// binary exponent and three pieces of its 53-bit mantissa.
rt::Array scalar(int64_t v) { return rt::Array{{}, {float(v)}}; }

std::vector<float> encode_double(double x) {
    int e = 0;
    double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
    auto bits = static_cast<uint64_t>(std::ldexp(m, 53));
    return {float(e), float(bits >> 35), float((bits >> 17) & 0x3FFFF), float(bits & 0x1FFFF)};
}

double decode_double(const float *f) {
    uint64_t bits = uint64_t(f[1]) << 35 | uint64_t(f[2]) << 17 | uint64_t(f[3]);
    return std::ldexp(double(bits), int(f[0]) - 53);
}

}  // namespace

rt::NamedArrays checkpoint_arrays(const grad::TrainStep &step, const grad::OptimizerState &opt, const Progress &p) {
    weights::WeightMap w;
    step.store(w);
    rt::NamedArrays out = weights::in_graph_order(step.graph(), w);
    weights::WeightMap slots;
    opt.save(slots);
    for (const std::string &n : opt.slot_names()) out.emplace_back(n, slots.at(n));
    out.emplace_back("netc_train/global_step", scalar(p.global_step));
    out.emplace_back("netc_train/epoch", scalar(p.epoch));
    out.emplace_back("netc_train/step_in_epoch", scalar(p.step_in_epoch));
    out.emplace_back("netc_train/batch", scalar(p.batch));
    out.emplace_back("netc_train/examples", scalar(p.examples));
    auto seed = uint64_t(p.seed);
    out.emplace_back("netc_train/seed",
                     rt::Array{{3}, {float(seed & 0xFFFFF), float((seed >> 20) & 0xFFFFF), float(seed >> 40)}});
    if (opt.options().kind == "adam") {
        auto [b1, b2] = opt.beta_powers();
        std::vector<float> v = encode_double(b1), v2 = encode_double(b2);
        v.insert(v.end(), v2.begin(), v2.end());
        out.emplace_back("netc_train/beta_powers", rt::Array{{2, 4}, v});
    }
    return out;
}

void write_checkpoint(const std::string &file, const rt::NamedArrays &arrays) {
    std::string tmp = file + ".tmp";
    rt::write_npz(tmp, arrays);
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw rt::IOError(file + ": cannot write the checkpoint");
    }
}

Progress read_progress(const rt::NamedArrays &arrays, const std::string &file) {
    std::map<std::string, const rt::Array *> by_name;
    for (auto &kv : arrays) by_name[kv.first] = &kv.second;
    auto get = [&](const std::string &name, int64_t size) -> const rt::Array & {
        auto it = by_name.find("netc_train/" + name);
        if (it == by_name.end())
            throw rt::IOError(file + ": records no training progress (no 'netc_train/" + name +
                              "'): it holds weights only, which --weights starts a new run from");
        if (it->second->size() != size)
            throw rt::IOError(file + ": 'netc_train/" + name + "' is " + it->second->shape_str() + ", not " +
                              (size == 1 ? "a scalar" : std::to_string(size) + " values"));
        for (float v : it->second->data)
            if (!(v >= 0 && v < float(1 << 24) && v == std::floor(v)))
                throw rt::IOError(file + ": 'netc_train/" + name + "' holds " + std::to_string(v) +
                                  ", not a count");
        return *it->second;
    };
    auto count = [&](const std::string &name) { return int64_t(get(name, 1).data[0]); };
    Progress p;
    p.global_step = count("global_step");
    p.epoch = count("epoch");
    p.step_in_epoch = count("step_in_epoch");
    p.batch = count("batch");
    p.examples = count("examples");
    const rt::Array &s = get("seed", 3);
    p.seed = int64_t(uint64_t(s.data[0]) | uint64_t(s.data[1]) << 20 | uint64_t(s.data[2]) << 40);
    if (p.epoch < 1 || p.batch < 1 || p.examples < 1)
        throw rt::IOError(file + ": its training progress is malformed (epoch " + std::to_string(p.epoch) +
                          ", batch " + std::to_string(p.batch) + ", examples " + std::to_string(p.examples) + ")");
    if (by_name.count("netc_train/beta_powers")) {
        const rt::Array &b = *by_name["netc_train/beta_powers"];
        if (b.size() != 8) throw rt::IOError(file + ": 'netc_train/beta_powers' is " + b.shape_str() + ", not [2, 4]");
        for (float v : b.data)
            if (!(std::isfinite(v) && v == std::floor(v)))
                throw rt::IOError(file + ": 'netc_train/beta_powers' is malformed");
        p.has_beta_powers = true;
        p.beta_powers = {decode_double(b.data.data()), decode_double(b.data.data() + 4)};
        if (!(p.beta_powers.first >= 0 && p.beta_powers.first < 1 && p.beta_powers.second >= 0 &&
              p.beta_powers.second < 1))
            throw rt::IOError(file + ": 'netc_train/beta_powers' is malformed");
    }
    return p;
}

}  // namespace netc::train
