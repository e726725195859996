// What the op translations (ImportOps.cpp, ImportBlocks.cpp) share:
// attribute access, netc's spelling of paddings, and the fusion of a
// producer's batch norm and activation (also the multi-node activations
// exporters write: x * sigmoid(x), x * hard_sigmoid(x), the erf GELU).
#pragma once

#include "Translator.h"

namespace netc::import {

// The batch dimension in folded shape arithmetic (Shape of a tensor).
constexpr int64_t kBatchDim = -2;

int64_t attr_int(const OnnxNode &n, const char *name, int64_t def);
double attr_float(const OnnxNode &n, const char *name, double def);
std::vector<int64_t> attr_ints(const OnnxNode &n, const char *name, std::vector<int64_t> def);
std::string attr_string(const OnnxNode &n, const char *name, const std::string &def);

std::string pair(int64_t a, int64_t b);
// ONNX pads [top, left, bottom, right] as netc's padding.
std::string padding(const std::vector<int64_t> &p);

// An activation node that can join its producer, as netc's name ("" if none).
std::string activation_of(Translator &t, const OnnxNode &a);

// An activation written as several nodes reading `value` (x * Sigmoid(x),
// x * HardSigmoid(x) with PyTorch's constants, x * 0.5 * (1 + Erf(x / sqrt 2))):
// netc's name, the value it ends in and its nodes; empty name if none.
struct Pattern {
    std::string activation, value;
    std::vector<const OnnxNode *> nodes;
};
Pattern activation_pattern(Translator &t, const std::string &value);

// The output dims of n's first output as shape inference gave them.
std::vector<int64_t> out_dims(Translator &t, const OnnxNode &n);

// A producer's lone BatchNormalization (with the arg_scope's epsilon) and
// then its lone activation join it; returns the value they end in.
struct Tail {
    const OnnxNode *bn = nullptr;
    std::string activation;
    std::string value;
};
Tail fuse_tail(Translator &t, const OnnxNode &n, bool allow_bn);

// gamma, beta, mean, variance of a BatchNormalization; `bias` (a conv's)
// folds into the mean.
void bn_weights(Translator &t, const OnnxNode &bn, const std::string &scope, const std::string &prefix,
                const std::vector<float> *bias);

void define_tensor(Translator &t, const std::string &value, const std::string &var, std::vector<int64_t> dims,
                   std::vector<int64_t> nchw = {}, bool channels_last = false);

// Fails unless v is in the model's NCHW layout (or has no image layout).
void require_nchw(Translator &t, const OnnxNode &n, const Val &v);

// The translations of ImportChannelsLast.cpp (ConvNeXt's blocks).
bool translate_channels_last_op(Translator &t, const OnnxNode &n);

// A lone activation node, or the first node of a multi-node one; false when
// n is neither (ImportActivations.cpp).
bool activation(Translator &t, const OnnxNode &n);

// The translations of ImportBlocks.cpp; false when n is not one they take.
bool translate_block_op(Translator &t, const OnnxNode &n);

}  // namespace netc::import
