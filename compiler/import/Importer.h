// `netc import MODEL.onnx`: an ONNX model as a readable .net program and
// its weights. Each ONNX node becomes one statement scoped by the node's
// (sanitised) name; NCHW becomes NHWC, weights are transposed into TF
// layouts under the variable names netc gives the program's ops; a conv's
// lone BatchNormalization and activation join the conv (batch_norm as its
// normalizer, folded at compile time). Shape arithmetic (Shape, Gather,
// Unsqueeze, Concat of shapes, Reshape to a constant shape) is folded, so
// flatten and reshape become netc ops. What netc cannot express is an error
// naming the node, its op type and the attribute, never a different network.
#pragma once

#include "Npy.h"
#include "OnnxModel.h"

#include <map>
#include <string>
#include <vector>

namespace netc::import {

struct ImportOptions {
    std::map<std::string, std::vector<int64_t>> input_shapes;  // --input-shape NAME=1x3x224x224
    std::string network;  // the network's name (default: from the model or file)
    std::string source;   // the model's path, for messages and the program's header
};

struct ImportResult {
    std::string program;     // the .net text
    std::string network;     // its network's name
    rt::NamedArrays weights; // by netc variable name, TF layouts
    int nodes = 0, statements = 0;
};

ImportResult import_model(const OnnxModel &model, const ImportOptions &options);

}  // namespace netc::import
