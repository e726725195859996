#include "OptimizerState.h"

#include <cmath>
#include <cstring>
#include <map>

namespace netc::grad {

namespace {

std::vector<const char *> suffixes(const std::string &kind) {
    if (kind == "adam") return {"/Adam", "/Adam_1"};
    return {"/Momentum"};
}

Buf flat(const Buf &b) { return Buf(const_cast<float *>(b.data()), int(b.number_of_elements())); }

}  // namespace

OptimizerOptions OptimizerOptions::for_flags(const std::string &optimizer, double lr, double momentum) {
    OptimizerOptions o;
    o.kind = optimizer == "adam" ? "adam" : "momentum";
    o.lr = lr;
    o.momentum = optimizer == "sgd" ? 0 : momentum;
    return o;
}

OptimizerState::OptimizerState(OptimizerOptions o, std::vector<Variable> &vars)
    : o_(std::move(o)), vars_(vars), beta1_power_(o_.beta1), beta2_power_(o_.beta2) {
    for (Variable &v : vars_) {
        slots_.emplace_back();
        if (!v.trainable) continue;
        for (size_t i = 0; i < suffixes(o_.kind).size(); i++) {
            Buf s(int(v.value.number_of_elements()));
            s.fill(0.0f);
            slots_.back().push_back(std::move(s));
        }
    }
}

void OptimizerState::step() {
    double lr_t = adam_lr_t(o_.lr, beta1_power_, beta2_power_);
    for (size_t i = 0; i < vars_.size(); i++) {
        Variable &v = vars_[i];
        if (!v.trainable) continue;
        Buf w = flat(v.value), g = flat(v.grad);
        if (o_.kind == "adam")
            adam_update(float(lr_t), float(o_.beta1), float(o_.beta2), float(o_.epsilon), g, w, slots_[i][0],
                        slots_[i][1]);
        else
            momentum_update(float(o_.lr), float(o_.momentum), g, w, slots_[i][0]);
    }
    beta1_power_ *= o_.beta1;
    beta2_power_ *= o_.beta2;
}

void OptimizerState::save(weights::WeightMap &w) const {
    auto sfx = suffixes(o_.kind);
    for (size_t i = 0; i < vars_.size(); i++)
        for (size_t k = 0; k < slots_[i].size(); k++) {
            rt::Array &a = w[vars_[i].name + sfx[k]];
            a.shape = vars_[i].shape;
            a.data.assign(slots_[i][k].data(), slots_[i][k].data() + slots_[i][k].number_of_elements());
        }
    if (o_.kind == "adam") {
        w["beta1_power"] = rt::Array{{}, {float(beta1_power_)}};
        w["beta2_power"] = rt::Array{{}, {float(beta2_power_)}};
    }
}

std::vector<std::string> OptimizerState::slot_names() const {
    std::vector<std::string> names;
    auto sfx = suffixes(o_.kind);
    for (size_t i = 0; i < vars_.size(); i++)
        for (size_t k = 0; k < slots_[i].size(); k++) names.push_back(vars_[i].name + sfx[k]);
    if (o_.kind == "adam") names.insert(names.end(), {"beta1_power", "beta2_power"});
    return names;
}

std::vector<const Buf *> OptimizerState::slot_buffers() const {
    std::vector<const Buf *> out;
    for (const auto &slots : slots_)
        for (const Buf &b : slots) out.push_back(&b);
    return out;
}

bool OptimizerState::restore(const rt::NamedArrays &arrays) {
    std::map<std::string, const rt::Array *> by_name;
    for (auto &kv : arrays) by_name[kv.first] = &kv.second;
    for (const std::string &n : slot_names())
        if (!by_name.count(n)) return false;
    auto sfx = suffixes(o_.kind);
    for (size_t i = 0; i < vars_.size(); i++)
        for (size_t k = 0; k < slots_[i].size(); k++) {
            const rt::Array &a = *by_name[vars_[i].name + sfx[k]];
            if (a.data.size() != slots_[i][k].number_of_elements()) return false;
            std::memcpy(slots_[i][k].data(), a.data.data(), a.data.size() * sizeof(float));
        }
    if (o_.kind == "adam") {
        beta1_power_ = by_name["beta1_power"]->data.at(0);
        beta2_power_ = by_name["beta2_power"]->data.at(0);
    }
    return true;
}

}  // namespace netc::grad
