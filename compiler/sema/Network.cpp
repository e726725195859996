// A network's signature and body: its tensor inputs, its parameters (with
// -D overrides) and its outputs (`return a` or `return a, b`). What netc
// cannot run yet (a fixed batch, other element types) is refused here, at
// check time, rather than computed wrongly later.
#include "Elaborator.h"

#include <algorithm>
#include <set>

namespace netc {

using namespace ast;

std::unique_ptr<ir::Graph> Elaborator::run(const Decl &net) {
    graph_->name = net.name;
    frames_.push_back(Frame::in(net.module));
    try {
        bind_network_inputs(net);
        std::string scope = net.name;
        if (net.scope.kind == ScopeName::Literal) scope = net.scope.text;
        else if (net.scope.kind == ScopeName::Computed) scope = eval_scope_name(net.scope);
        graph_->scope = scope;
        push_scope(scope, false, net.loc);
        push_with(net.with_calls);
        bool returned = exec(net.body);
        if (!returned) fail(net.loc, "network '" + net.name + "' ends without a return");
        bind_network_outputs(net, *frame().returned, frame().returned_names);
    } catch (CompileAborted &) {
        return nullptr;
    }
    return std::move(graph_);
}

// Outputs are named as a caller refers to them (`netc run -o NAME=Y.npy`,
// the C ABI's macros): a returned variable's name, else the leaf of the
// op's scope path, made unique.
void Elaborator::bind_network_outputs(const Decl &net, const Value &out, const std::vector<std::string> &names) {
    std::vector<Value> values;
    if (out.is(Value::Kind::Tensor)) values.push_back(out);
    else if (out.is(Value::Kind::Tuple)) values = out.elements();
    for (auto &v : values)
        if (!v.is(Value::Kind::Tensor))
            fail(frame().returned_at, "network '" + net.name + "' must return tensors, not " + describe(out));
    if (values.empty()) fail(frame().returned_at, "network '" + net.name + "' must return a tensor, not " + describe(out));
    std::set<std::string> taken;
    for (int in : graph_->inputs) taken.insert(graph_->node(in).name);
    for (size_t i = 0; i < values.size(); i++) {
        int id = static_cast<int>(values[i].i);
        std::string name = i < names.size() && names.size() == values.size() ? names[i] : "";
        if (name.empty() || taken.count(name)) {
            const std::string &path = graph_->node(id).name;
            name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
        }
        std::string base = name;
        for (int k = 1; taken.count(name); k++) name = base + "_" + std::to_string(k);
        taken.insert(name);
        graph_->outputs.push_back(id);
        graph_->output_names.push_back(name);
    }
}

void Elaborator::bind_network_inputs(const Decl &net) {
    for (auto &o : options_.overrides) {
        auto p = std::find_if(net.params.begin(), net.params.end(), [&](const Param &q) { return q.name == o.first; });
        if (p == net.params.end())
            fail(net.loc, "network '" + net.name + "' has no parameter '" + o.first + "' to set");
        if (p->type)
            fail(p->loc, "'" + o.first + "' is a tensor input of network '" + net.name +
                             "': its data comes from the input file, not from a definition");
    }
    for (auto &p : net.params) {
        if (p.type) {
            bool labels = p.type->dtype == "i32";
            if (p.type->dtype != "f32" && !labels)
                fail(p.type->loc, "element type '" + p.type->dtype +
                                      "' is not supported yet: netc computes in float32; inputs are f32 data or "
                                      "i32[N] class labels");
            if (labels && p.type->dims.size() != 1)
                fail(p.type->loc, "i32 inputs are class labels, one per example: declare them i32[N]; got " +
                                      std::to_string(p.type->dims.size()) + " dimensions");
            if (!labels && p.type->dims.size() != 4 && p.type->dims.size() != 2)
                fail(p.type->loc, "network inputs are NHWC images [N, H, W, C] or [N, K] vectors: got " +
                                      std::to_string(p.type->dims.size()) + " dimensions");
            if (p.default_value)
                fail(p.default_value->loc, "tensor input '" + p.name +
                                               "' cannot have a default value: its data comes from the caller");
            ir::Node n;
            n.op = ir::OpKind::Input;
            n.name = p.name;
            n.loc = p.loc;
            n.dtype = labels ? ir::DType::I32 : ir::DType::F32;
            for (size_t i = 0; i < p.type->dims.size(); i++) {
                auto &d = p.type->dims[i];
                if (!d.symbol.empty()) {
                    if (i != 0)
                        fail(d.loc, "only the batch dimension may be a name: other symbolic sizes are not "
                                    "supported yet (give a number; --image-size runs a network at another size)");
                    graph_->batch_symbol = d.symbol;
                    n.shape.dims.push_back(ir::kBatch);
                } else if (i == 0) {
                    // The batch is chosen when the network runs; a fixed one
                    // would not be enforced.
                    fail(d.loc, "a fixed batch size (" + std::to_string(d.value) +
                                    ") is not supported yet: name the batch dimension (e.g. N) and netc runs "
                                    "any batch");
                } else {
                    if (d.value < 1 || d.value > (1 << 24))
                        fail(d.loc, "dimension must be between 1 and 16777216, got " + std::to_string(d.value));
                    n.shape.dims.push_back(d.value);
                }
            }
            if (!options_.image_size.empty() && n.shape.rank() == 2)
                fail(p.type->loc, "a new image size applies to NHWC inputs only; '" + p.name + "' is " +
                                      n.shape.str(graph_->batch_symbol));
            if (!options_.image_size.empty() && n.shape.rank() == 4) {
                n.shape.dims[1] = options_.image_size[0];
                n.shape.dims[2] = options_.image_size[1];
            }
            int id = add_node(std::move(n));
            graph_->inputs.push_back(id);
            frame().locals[p.name] = Value::tensor(id);
            continue;
        }
        auto o = options_.overrides.find(p.name);
        if (o != options_.overrides.end()) frame().locals[p.name] = o->second;
        else if (p.default_value) frame().locals[p.name] = eval(*p.default_value);
        else fail(p.loc, "network parameter '" + p.name + "' needs a default value or a type");
    }
    if (graph_->inputs.empty()) fail(net.loc, "network '" + net.name + "' has no tensor input");
}

}  // namespace netc
