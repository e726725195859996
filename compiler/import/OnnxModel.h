// An ONNX model as the importer reads it, through Debian's ONNX library
// (protobuf parsing, the checker and shape inference): nodes in
// topological order, and for every value its shape (as inferred) and, for
// initializers and folded constants, its data. Only compiler/import/ sees
// ONNX types; the rest of the importer sees these.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace netc::import {

// An attribute value of a node.
struct Attribute {
    enum Kind { Int, Float, String, Ints, Floats, Tensor, Other } kind = Other;
    int64_t i = 0;
    double f = 0;
    std::string s;
    std::vector<int64_t> ints;
    std::vector<double> floats;
    struct Data *tensor = nullptr;  // Tensor: owned by the model
};

// Constant data: float32 values, or integers (shapes, indices, axes).
struct Data {
    std::vector<int64_t> dims;
    bool integer = false;
    std::vector<float> f;
    std::vector<int64_t> i;
    int64_t size() const {
        int64_t n = 1;
        for (auto d : dims) n *= d;
        return n;
    }
};

struct OnnxNode {
    std::string op, name, domain;
    std::vector<std::string> inputs, outputs;  // "" for an omitted optional input
    std::map<std::string, Attribute> attributes;
    const Attribute *attr(const std::string &n) const {
        auto it = attributes.find(n);
        return it == attributes.end() ? nullptr : &it->second;
    }
};

struct OnnxValue {
    std::vector<int64_t> dims;   // -1 where unknown or symbolic
    int elem_type = 0;           // ONNX TensorProto data type (1: float)
    bool known_shape = false;
};

struct OnnxModel {
    std::string name;            // graph name (or the file's stem)
    int64_t opset = 0;           // the default domain's
    std::vector<std::string> inputs, outputs;  // graph inputs (not initializers) and outputs
    std::vector<OnnxNode> nodes;
    std::map<std::string, OnnxValue> values;
    std::map<std::string, Data> initializers;
    std::vector<std::unique_ptr<Data>> attribute_tensors;
};

// Reads, checks and shape-infers `path`, with input shapes overridden by
// `input_shapes` (name -> dims, applied before inference). rt::IOError on a
// file that cannot be read, parsed or checked, naming the file and the node.
OnnxModel load_onnx(const std::string &path, const std::map<std::string, std::vector<int64_t>> &input_shapes);

}  // namespace netc::import
