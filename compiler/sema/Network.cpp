// A network's signature and body: its tensor input, its parameters (with
// -D overrides) and its one output.
#include "Elaborator.h"

#include <algorithm>

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
        Value out = *frame().returned;
        if (!out.is(Value::Kind::Tensor))
            fail(net.loc, "network '" + net.name + "' must return a tensor, not " + describe(out));
        graph_->output = static_cast<int>(out.i);
    } catch (CompileAborted &) {
        return nullptr;
    }
    return std::move(graph_);
}

void Elaborator::bind_network_inputs(const Decl &net) {
    for (auto &o : options_.overrides) {
        bool known = std::any_of(net.params.begin(), net.params.end(),
                                 [&](const Param &p) { return p.name == o.first && !p.type; });
        if (!known) fail(net.loc, "network '" + net.name + "' has no parameter '" + o.first + "' to set");
    }
    for (auto &p : net.params) {
        if (p.type) {
            if (p.type->dtype != "f32")
                fail(p.type->loc, "unsupported element type '" + p.type->dtype + "' (netc computes in f32)");
            if (p.type->dims.size() != 4 && p.type->dims.size() != 2)
                fail(p.type->loc, "network inputs are NHWC images: expected 4 dimensions, got " +
                                      std::to_string(p.type->dims.size()));
            ir::Node n;
            n.op = ir::OpKind::Input;
            n.name = p.name;
            n.loc = p.loc;
            for (size_t i = 0; i < p.type->dims.size(); i++) {
                auto &d = p.type->dims[i];
                if (!d.symbol.empty()) {
                    if (i != 0) fail(d.loc, "only the batch dimension may be symbolic");
                    graph_->batch_symbol = d.symbol;
                    n.shape.dims.push_back(ir::kBatch);
                } else {
                    if (d.value < 1 || d.value > (1 << 24))
                        fail(d.loc, "dimension must be between 1 and 16777216, got " + std::to_string(d.value));
                    n.shape.dims.push_back(d.value);
                }
            }
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
