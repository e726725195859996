// An optimizer and its state: per trainable variable the slots TF keeps
// (Momentum; Adam's m and v as Adam and Adam_1), and Adam's beta powers,
// saved beside the weights under TF's names so training can resume.
#pragma once

#include "TrainStep.h"
#include "Weights.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace netc::grad {

struct OptimizerOptions {
    std::string kind = "adam";  // "adam" or "momentum" ("sgd": momentum 0)
    double lr = 1e-3, momentum = 0.9, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    // From netc's flags: --optimizer adam|momentum|sgd (momentum 0), --lr, --momentum.
    static OptimizerOptions for_flags(const std::string &optimizer, double lr, double momentum);
};

// TF's Adam folds the bias corrections into the learning rate, with the
// powers beta^t as they are before the step advances them. T is double here,
// a Halide expression in the AOT step.
template <typename T>
T adam_lr_t(T lr, T beta1_power, T beta2_power) {
    using std::sqrt;
    return lr * sqrt(T(1.0) - beta2_power) / (T(1.0) - beta1_power);
}

class OptimizerState {
public:
    OptimizerState(OptimizerOptions o, std::vector<Variable> &vars);
    // One update of every trainable variable from its gradient.
    void step();
    void save(weights::WeightMap &w) const;
    // Takes the slots from a weight file's arrays when all are there
    // (returns whether it did); otherwise the state starts from zero.
    bool restore(const rt::NamedArrays &arrays);
    std::vector<std::string> slot_names() const;
    // The slots' buffers in slot_names() order, without Adam's beta powers
    // (kept in double, not in buffers).
    std::vector<const Buf *> slot_buffers() const;
    // Adam's beta1^t and beta2^t as held (save() rounds them to TF's
    // float32): a checkpoint keeps them exactly so a resumed run takes the
    // very steps an uninterrupted one would.
    std::pair<double, double> beta_powers() const { return {beta1_power_, beta2_power_}; }
    void set_beta_powers(std::pair<double, double> p) { beta1_power_ = p.first, beta2_power_ = p.second; }
    const OptimizerOptions &options() const { return o_; }

private:
    OptimizerOptions o_;
    std::vector<Variable> &vars_;
    std::vector<std::vector<Buf>> slots_;  // per variable (empty if not trainable)
    double beta1_power_, beta2_power_;     // TF's beta1_power, beta2_power: beta^t after t steps
};

}  // namespace netc::grad
