#include "OnnxModel.h"

#include "Npy.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <set>
#include <fstream>
#include <sstream>

namespace netc::import {

namespace {

std::string where(const std::string &path, const onnx::NodeProto *n = nullptr) {
    if (!n) return path;
    return path + ": node '" + n->name() + "' (" + n->op_type() + ")";
}

// TensorProto -> Data: float32 (and double) as floats; integer types as int64.
Data decode(const onnx::TensorProto &t, const std::string &what) {
    Data d;
    for (auto v : t.dims()) d.dims.push_back(v);
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
        throw rt::IOError(what + ": tensor '" + t.name() +
                          "' keeps its data in an external file, which netc import does not read yet");
    const int64_t n = d.size();
    if (n < 0 || n > (int64_t(1) << 31)) throw rt::IOError(what + ": tensor '" + t.name() + "' has a bad size");
    const std::string &raw = t.raw_data();
    auto from_raw = [&](size_t width, auto store) {
        if (raw.size() != size_t(n) * width)
            throw rt::IOError(what + ": tensor '" + t.name() + "' holds " + std::to_string(raw.size()) +
                              " bytes for " + std::to_string(n) + " values");
        for (int64_t k = 0; k < n; k++) store(raw.data() + k * width);
    };
    switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
        d.f.resize(n);
        if (!raw.empty()) from_raw(4, [&, k = int64_t(0)](const char *p) mutable { std::memcpy(&d.f[k++], p, 4); });
        else if (t.float_data_size() == n) std::copy(t.float_data().begin(), t.float_data().end(), d.f.begin());
        else if (n) throw rt::IOError(what + ": tensor '" + t.name() + "' has no data");
        break;
    case onnx::TensorProto::DOUBLE:
        d.f.resize(n);
        if (!raw.empty())
            from_raw(8, [&, k = int64_t(0)](const char *p) mutable {
                double v;
                std::memcpy(&v, p, 8);
                d.f[k++] = static_cast<float>(v);
            });
        else
            for (int64_t k = 0; k < n && k < t.double_data_size(); k++) d.f[k] = static_cast<float>(t.double_data(k));
        break;
    case onnx::TensorProto::INT64:
        d.integer = true;
        d.i.resize(n);
        if (!raw.empty()) from_raw(8, [&, k = int64_t(0)](const char *p) mutable { std::memcpy(&d.i[k++], p, 8); });
        else
            for (int64_t k = 0; k < n && k < t.int64_data_size(); k++) d.i[k] = t.int64_data(k);
        break;
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
        d.integer = true;
        d.i.resize(n);
        if (!raw.empty()) {
            size_t width = t.data_type() == onnx::TensorProto::INT32 ? 4 : 1;
            from_raw(width, [&, k = int64_t(0)](const char *p) mutable {
                if (width == 4) {
                    int32_t v;
                    std::memcpy(&v, p, 4);
                    d.i[k++] = v;
                } else {
                    d.i[k++] = t.data_type() == onnx::TensorProto::INT8 ? int64_t(int8_t(*p)) : int64_t(uint8_t(*p));
                }
            });
        } else {
            for (int64_t k = 0; k < n && k < t.int32_data_size(); k++) d.i[k] = t.int32_data(k);
        }
        break;
    default:
        throw rt::IOError(what + ": tensor '" + t.name() + "' has element type " +
                          onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(t.data_type())) +
                          ", which netc does not import");
    }
    return d;
}

OnnxValue value_of(const onnx::ValueInfoProto &v) {
    OnnxValue o;
    if (!v.type().has_tensor_type()) return o;
    const auto &tt = v.type().tensor_type();
    o.elem_type = tt.elem_type();
    if (!tt.has_shape()) return o;
    o.known_shape = true;
    for (auto &d : tt.shape().dim()) o.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    return o;
}

}  // namespace

OnnxModel load_onnx(const std::string &path, const std::map<std::string, std::vector<int64_t>> &input_shapes) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw rt::IOError(path + ": cannot read the model");
    std::ostringstream bytes;
    bytes << f.rdbuf();
    onnx::ModelProto m;
    if (!m.ParseFromString(bytes.str()))
        throw rt::IOError(path + ": not an ONNX model (the protobuf does not parse; is the file truncated?)");
    if (!m.has_graph()) throw rt::IOError(path + ": the model has no graph");

    std::set<std::string> initializer_names;
    for (auto &t : m.graph().initializer()) initializer_names.insert(t.name());
    std::map<std::string, std::vector<int64_t>> pending = input_shapes;
    for (auto &in : *m.mutable_graph()->mutable_input()) {
        auto it = pending.find(in.name());
        if (it == pending.end()) continue;
        auto *shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
        shape->clear_dim();
        for (auto d : it->second) shape->add_dim()->set_dim_value(d);
        pending.erase(it);
    }
    if (!pending.empty()) throw rt::IOError(path + ": --input-shape names '" + pending.begin()->first +
                                            "', which is not an input of the model");
    try {
        onnx::checker::check_model(m);
        // Data propagation: shapes computed by Shape/Gather/arithmetic (a
        // chunk's Slice bounds) reach the nodes after them.
        onnx::ShapeInferenceOptions options(false, 0, true);
        onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception &e) {
        throw rt::IOError(path + ": the ONNX checker rejects the model: " + e.what());
    }

    OnnxModel model;
    model.name = m.graph().name();
    for (auto &op : m.opset_import())
        if (op.domain().empty() || op.domain() == "ai.onnx") model.opset = op.version();
    for (auto &t : m.graph().initializer()) model.initializers[t.name()] = decode(t, path);
    for (auto &in : m.graph().input()) {
        model.values[in.name()] = value_of(in);
        if (!initializer_names.count(in.name())) model.inputs.push_back(in.name());
    }
    for (auto &v : m.graph().value_info()) model.values[v.name()] = value_of(v);
    for (auto &out : m.graph().output()) {
        model.values[out.name()] = value_of(out);
        model.outputs.push_back(out.name());
    }
    for (auto &n : m.graph().node()) {
        OnnxNode node;
        node.op = n.op_type();
        node.name = n.name();
        node.domain = n.domain();
        for (auto &i : n.input()) node.inputs.push_back(i);
        for (auto &o : n.output()) node.outputs.push_back(o);
        for (auto &a : n.attribute()) {
            Attribute at;
            switch (a.type()) {
            case onnx::AttributeProto::INT: at.kind = Attribute::Int, at.i = a.i(); break;
            case onnx::AttributeProto::FLOAT: at.kind = Attribute::Float, at.f = a.f(); break;
            case onnx::AttributeProto::STRING: at.kind = Attribute::String, at.s = a.s(); break;
            case onnx::AttributeProto::INTS:
                at.kind = Attribute::Ints;
                at.ints.assign(a.ints().begin(), a.ints().end());
                break;
            case onnx::AttributeProto::FLOATS:
                at.kind = Attribute::Floats;
                at.floats.assign(a.floats().begin(), a.floats().end());
                break;
            case onnx::AttributeProto::TENSOR:
                at.kind = Attribute::Tensor;
                model.attribute_tensors.push_back(std::make_unique<Data>(decode(a.t(), where(path, &n))));
                at.tensor = model.attribute_tensors.back().get();
                break;
            default: at.kind = Attribute::Other; break;
            }
            node.attributes[a.name()] = std::move(at);
        }
        model.nodes.push_back(std::move(node));
    }
    return model;
}

}  // namespace netc::import
