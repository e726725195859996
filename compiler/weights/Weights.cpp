#include "Weights.h"

#include "Parallel.h"

#include <cmath>
#include <cstring>
#include <set>

namespace netc::weights {
namespace {

std::string leaf(const std::string &name) {
    size_t slash = name.rfind('/');
    return slash == std::string::npos ? name : name.substr(slash + 1);
}

// splitmix64: a tiny, well-mixed generator; reproducible on every platform.
struct Rng {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
    // Marsaglia's polar method gives normals in pairs without sin and cos
    // (ResNet-50's 25M values in a fraction of a second); keep the second
    // for the next call.
    double normal() {
        if (has_spare) {
            has_spare = false;
            return spare;
        }
        double u, v, s;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double f = std::sqrt(-2.0 * std::log(s) / s);
        spare = v * f;
        has_spare = true;
        return u * f;
    }
    double spare = 0;
    bool has_spare = false;
    // TF's truncated normal (a standard normal redrawn beyond two standard
    // deviations) by its quantile function, interpolated from a table: no
    // rejection, a few nanoseconds a value.
    double truncated_normal();
};

// Quantiles of the standard normal truncated to [-2, 2] at k / kQuantiles.
constexpr int kQuantiles = 4096;
const std::vector<double> &truncated_quantiles() {
    static const std::vector<double> table = [] {
        auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
        double lo = cdf(-2.0), hi = cdf(2.0);
        std::vector<double> t(kQuantiles + 1);
        for (int k = 0; k <= kQuantiles; k++) {
            double p = lo + (hi - lo) * k / kQuantiles, a = -2.0, b = 2.0;
            for (int it = 0; it < 60; it++) {
                double m = 0.5 * (a + b);
                (cdf(m) < p ? a : b) = m;
            }
            t[k] = 0.5 * (a + b);
        }
        return t;
    }();
    return table;
}

double Rng::truncated_normal() {
    const std::vector<double> &t = truncated_quantiles();
    double u = uniform() * kQuantiles;
    int i = static_cast<int>(u);
    return t[i] + (u - i) * (t[i + 1] - t[i]);
}

uint64_t fnv1a(const std::string &s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

// scale multiplies a residual branch's last gamma (or weights); see random_weights.
rt::Array make(const ir::Param &p, uint64_t seed, double scale) {
    rt::Array a;
    a.shape = p.shape;
    a.data.resize(static_cast<size_t>(p.count()));
    Rng rng{seed ^ fnv1a(p.name)};
    std::string kind = leaf(p.name);
    if (kind == "weights" || kind == "depthwise_weights" || kind == "pointwise_weights") {
        // Fan-in: every dimension but the last (outputs, or the depthwise multiplier).
        double fan_in = 1;
        for (size_t i = 0; i + 1 < p.shape.size(); i++) fan_in *= static_cast<double>(p.shape[i]);
        if (kind == "depthwise_weights" && p.shape.size() == 4) fan_in = double(p.shape[0] * p.shape[1]);
        // TF's truncated normal has 0.88 of the set deviation; scale it back.
        double sd = std::sqrt(2.0 / std::max(1.0, fan_in)) / 0.87962566103423978;
        for (float &v : a.data) v = static_cast<float>(scale * sd * rng.truncated_normal());
    } else if (kind == "gamma") {
        for (float &v : a.data) v = static_cast<float>(scale * (0.75 + 0.5 * rng.uniform()));
    } else if (kind == "moving_variance") {
        for (float &v : a.data) v = static_cast<float>(0.5 + rng.uniform());
    } else {  // beta, moving_mean, biases
        for (float &v : a.data) v = static_cast<float>(0.1 * rng.normal());
    }
    return a;
}

}  // namespace

// Random statistics do not normalize as trained ones do, so a residual
// stream x + f(x) would double its variance at every unit (ResNet-200's
// output reached 1e12). As torchvision's zero_init_residual does, the last
// layer of each residual branch (an op with weights feeding an add, other
// than a projection `shortcut`) starts small: its gamma, or its weights when
// it has no batch norm scale, are 0.2 of the usual draw.
WeightMap random_weights(const ir::Graph &g, uint64_t seed) {
    std::vector<bool> feeds_add(g.nodes.size(), false);
    for (auto &n : g.nodes)
        if (n.op == ir::OpKind::Add)
            for (int i : n.inputs) feeds_add[i] = true;
    struct Job {
        const ir::Param *param;
        double scale;
    };
    std::vector<Job> jobs;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const ir::Node &n = g.nodes[i];
        bool branch_end = feeds_add[i] && !n.params.empty() && leaf(n.name) != "shortcut";
        bool has_gamma = false;
        for (auto &p : n.params) has_gamma |= leaf(p.name) == "gamma";
        for (auto &p : n.params) {
            std::string kind = leaf(p.name);
            bool scaled = branch_end && (has_gamma ? kind == "gamma" : kind.find("weights") != std::string::npos);
            jobs.push_back({&p, scaled ? 0.2 : 1.0});
        }
    }
    truncated_quantiles();  // built once, before the threads share it
    // Each tensor depends only on the seed and its name, so they are drawn
    // on every core with the same result.
    std::vector<rt::Array> arrays(jobs.size());
    lower::for_each_parallel(static_cast<int>(jobs.size()), nullptr,
                             [&](int j) { arrays[j] = make(*jobs[j].param, seed, jobs[j].scale); });
    WeightMap w;
    for (size_t j = 0; j < jobs.size(); j++) w[jobs[j].param->name] = std::move(arrays[j]);
    return w;
}

namespace {

// What `netc train` saves beside the variables (TF's slot and accumulator
// names, and its progress under netc_train/): the optimizer's state, which
// running the network does not read.
bool optimizer_slot(const std::string &name, const rt::Array &a, const std::map<std::string, const ir::Param *> &vars) {
    if (name == "beta1_power" || name == "beta2_power") return a.size() == 1;
    if (name.rfind("netc_train/", 0) == 0) return true;
    for (const char *suffix : {"/Adam", "/Adam_1", "/Momentum"}) {
        size_t n = std::strlen(suffix);
        if (name.size() <= n || name.compare(name.size() - n, n, suffix) != 0) continue;
        auto it = vars.find(name.substr(0, name.size() - n));
        return it != vars.end() && it->second->shape == a.shape;
    }
    return false;
}

}  // namespace

WeightMap bind_weights(const ir::Graph &g, rt::NamedArrays arrays, const std::string &file) {
    std::map<std::string, const ir::Param *> expected;
    for (auto &n : g.nodes)
        for (auto &p : n.params) expected[p.name] = &p;
    WeightMap w;
    std::vector<std::string> problems;
    std::set<std::string> given;  // present, whatever their shape
    for (auto &kv : arrays) {
        given.insert(kv.first);
        auto it = expected.find(kv.first);
        if (it == expected.end() && optimizer_slot(kv.first, kv.second, expected)) continue;
        if (it == expected.end()) {
            problems.push_back("unexpected tensor '" + kv.first + "' " + kv.second.shape_str() +
                               ": network '" + g.name + "' has no such variable");
            continue;
        }
        if (kv.second.shape != it->second->shape) {
            problems.push_back("tensor '" + kv.first + "' has shape " + kv.second.shape_str() +
                               "; the network expects " + ir::Shape{it->second->shape}.str());
            continue;
        }
        w[kv.first] = std::move(kv.second);
    }
    for (auto &kv : expected)
        if (!given.count(kv.first))
            problems.push_back("missing tensor '" + kv.first + "' " + ir::Shape{kv.second->shape}.str());
    if (!problems.empty()) {
        std::string msg = file + ": " + std::to_string(problems.size()) + " problem" +
                          (problems.size() == 1 ? "" : "s") + " with the weights of '" + g.name + "':";
        for (size_t i = 0; i < problems.size() && i < 8; i++) msg += "\n  " + problems[i];
        if (problems.size() > 8) msg += "\n  ... and " + std::to_string(problems.size() - 8) + " more";
        throw rt::IOError(msg);
    }
    return w;
}

rt::NamedArrays in_graph_order(const ir::Graph &g, const WeightMap &w) {
    rt::NamedArrays out;
    for (auto &n : g.nodes)
        for (auto &p : n.params) out.emplace_back(p.name, w.at(p.name));
    return out;
}

}  // namespace netc::weights
