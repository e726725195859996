#include "Plan.h"

namespace netc::lower {

void print_plan(std::ostream &os, const Plan &plan) {
    const ir::Graph &g = plan.graph;
    os << "plan " << g.name << ": " << plan.steps.size() << " steps, " << plan.buffers.size() << " buffers\n";
    for (size_t i = 0; i < plan.buffers.size(); i++) {
        const Buffer &b = plan.buffers[i];
        os << "  buffer b" << i << " " << b.shape.str(g.batch_symbol) << " " << g.nodes[b.node].name;
        if (b.alias_of >= 0)
            os << " in b" << b.alias_of << " channels " << b.channel_offset << ".." << b.channel_offset + b.shape[3];
        else if (b.has_border())
            os << " border(" << b.border_top << "," << b.border_bottom << "," << b.border_left << "," << b.border_right << ")";
        if (b.network_input) os << " input";
        if (b.network_output) os << " output";
        if (plan.inputs.size() > 1 && b.network_input) os << " " << b.input_index;
        if (plan.outputs.size() > 1)
            for (size_t k = 0; k < plan.outputs.size(); k++)
                if (plan.outputs[k] == static_cast<int>(i)) os << " " << g.output_names[k];
        os << "\n";
    }
    for (size_t i = 0; i < plan.steps.size(); i++) {
        const Step &s = plan.steps[i];
        const ir::Node &a = g.nodes[s.anchor];
        os << "  step " << i << " " << ir::op_name(a.op);
        if (a.op == ir::OpKind::Activation) os << "(" << ir::activation_name(a.activation) << ")";
        os << " \"" << a.name << "\"";
        for (auto &p : s.prologue) {
            os << " [" << ir::op_name(g.nodes[p.node].op) << " \"" << g.nodes[p.node].name << "\"";
            for (auto &e : p.epilogue)
                os << " | " << (e.kind == Epilogue::Activate ? ir::activation_name(e.activation) : "batch_norm");
            os << "]";
        }
        os << " (";
        for (size_t k = 0; k < s.inputs.size(); k++)
            os << (k ? (s.gated_input ? " * " : ", ") : "") << "b" << s.inputs[k];
        os << ") -> b" << s.output;
        for (auto &e : s.epilogue) {
            switch (e.kind) {
            case Epilogue::Activate: os << " | " << ir::activation_name(e.activation); break;
            case Epilogue::AddBuffer: os << " | add b" << e.buffer; break;
            case Epilogue::MulBuffer: os << " | mul b" << e.buffer << (e.gate ? " (gate)" : ""); break;
            case Epilogue::ScaleShift: os << " | batch_norm \"" << g.nodes[e.node].name << "\""; break;
            }
        }
        os << "\n";
    }
}

}  // namespace netc::lower
