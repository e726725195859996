#include "Plan.h"

#include "ConvTransposeGeometry.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace netc::lower {
namespace {

using ir::Node;
using ir::OpKind;

bool is_output(const ir::Graph &g, int node) {
    return std::find(g.outputs.begin(), g.outputs.end(), node) != g.outputs.end();
}

bool is_conv(OpKind k) { return k == OpKind::Conv2D || k == OpKind::DepthwiseConv2D; }

// Ops that map each element to one element of the same shape: they can run in
// the epilogue of whichever kernel produced their input.
bool is_elementwise(const Node &n) {
    if (n.op == OpKind::BatchNorm || n.op == OpKind::Add || n.op == OpKind::Mul) return true;
    return n.op == OpKind::Activation && n.activation != ir::Activation::Softmax;
}

std::vector<bool> live_nodes(const ir::Graph &g) {
    std::vector<bool> live(g.nodes.size(), false);
    for (int o : g.outputs) live.at(o) = true;
    for (int i = static_cast<int>(g.nodes.size()) - 1; i >= 0; i--)
        if (live[i])
            for (int in : g.nodes[i].inputs) live[in] = true;
    return live;
}

std::vector<std::vector<int>> consumers_of(const ir::Graph &g, const std::vector<bool> &live) {
    std::vector<std::vector<int>> users(g.nodes.size());
    for (auto &n : g.nodes)
        if (live[n.id])
            for (int in : n.inputs) users[in].push_back(n.id);
    return users;
}

// tf.pad(x, zeros) followed by a VALID convolution (slim's conv2d_same) is
// the same convolution with explicit padding; the pad then costs nothing.
void fold_zero_pads(ir::Graph &g) {
    auto live = live_nodes(g);
    auto users = consumers_of(g, live);
    for (auto &pad : g.nodes) {
        if (!live[pad.id] || pad.op != OpKind::Pad || pad.pad_mode != "CONSTANT" || pad.pad_value != 0 ||
            is_output(g, pad.id))
            continue;
        bool all_convs = !users[pad.id].empty() &&
                         std::all_of(users[pad.id].begin(), users[pad.id].end(),
                                     [&](int u) { return is_conv(g.nodes[u].op); });
        if (!all_convs) continue;
        for (int u : users[pad.id]) {
            Node &c = g.nodes[u];
            c.inputs[0] = pad.inputs[0];
            c.padding.mode = "EXPLICIT";
            c.padding.top += pad.padding.top;
            c.padding.bottom += pad.padding.bottom;
            c.padding.left += pad.padding.left;
            c.padding.right += pad.padding.right;
        }
    }
}

// A conv or fc with activation=softmax: the softmax reduces over channels,
// so it cannot run in the producer's epilogue; give it a node of its own.
void split_softmax(ir::Graph &g) {
    bool any = std::any_of(g.nodes.begin(), g.nodes.end(), [](const Node &n) {
        return n.op != OpKind::Activation && n.activation == ir::Activation::Softmax;
    });
    if (!any) return;
    std::vector<Node> nodes;
    std::vector<int> renamed(g.nodes.size());
    for (auto &n : g.nodes) {
        Node copy = n;
        for (int &in : copy.inputs) in = renamed[in];
        copy.id = static_cast<int>(nodes.size());
        bool split = copy.op != OpKind::Activation && copy.activation == ir::Activation::Softmax;
        if (split) copy.activation = ir::Activation::None;
        nodes.push_back(copy);
        if (split) {
            Node sm;
            sm.op = OpKind::Activation;
            sm.activation = ir::Activation::Softmax;
            sm.name = n.name + "/Softmax";
            sm.loc = n.loc;
            sm.shape = n.shape;
            sm.inputs = {copy.id};
            sm.id = static_cast<int>(nodes.size());
            nodes.push_back(sm);
        }
        renamed[n.id] = static_cast<int>(nodes.size()) - 1;
    }
    g.nodes = std::move(nodes);
    for (int &i : g.inputs) i = renamed[i];
    for (int &o : g.outputs) o = renamed[o];
    for (auto &e : g.end_points) e.node = renamed[e.node];
}

// Ops that only rearrange channels (and crop): a chain of them computes as
// one gather from the buffers at its leaves (ShuffleNetV2's split, concat
// and shuffle: one copy instead of four).
bool is_channel_map(const Node &n) {
    return (n.op == OpKind::Slice && n.shape.rank() == 4) || n.op == OpKind::Concat || n.op == OpKind::ChannelShuffle;
}

bool is_pointwise(const Node &n) {
    return n.op == OpKind::Conv2D && n.groups == 1 && n.kernel_h == 1 && n.kernel_w == 1 && n.stride_h == 1 && n.stride_w == 1 &&
           n.padding.top == 0 && n.padding.left == 0 && n.padding.bottom == 0 && n.padding.right == 0;
}

bool adds_buffer(const Step &s) {
    return std::any_of(s.epilogue.begin(), s.epilogue.end(),
                       [](const Epilogue &e) { return e.reads_buffer(); });
}

// MobileNetV2's inverted residual (1x1 expand, 3x3 depthwise, 1x1 project)
// as one step when the expanded tensor is large (expanded_conv_1's is 4.8
// MB at 224): the project's kernel computes the expand and the depthwise
// per strip of its rows, so the expanded values stay in cache. Steps still
// hold IR ids as inputs here.
void fuse_inverted_residuals(const ir::Graph &g, const std::vector<std::vector<int>> &users, std::vector<Step> &steps) {
    const int64_t kLargeExpansion = 512 << 10;  // bytes per image
    std::map<int, int> step_of;  // IR value -> the step computing it
    for (size_t i = 0; i < steps.size(); i++) step_of[steps[i].fused.back()] = static_cast<int>(i);
    std::vector<bool> gone(steps.size(), false);
    for (auto &c : steps) {
        const Node &project = g.nodes[c.anchor];
        if (!is_pointwise(project) || !c.prologue.empty() || c.gated_input) continue;
        auto bi = step_of.find(c.inputs[0]);
        if (bi == step_of.end() || users[c.inputs[0]].size() != 1 || gone[bi->second] || is_output(g, c.inputs[0]))
            continue;
        Step &b = steps[bi->second];
        const Node &dw = g.nodes[b.anchor];
        if (dw.op != OpKind::DepthwiseConv2D || dw.multiplier != 1 || dw.kernel_h != 3 || dw.kernel_w != 3 ||
            dw.rate_h != 1 || dw.rate_w != 1 || adds_buffer(b))
            continue;
        const ir::Shape &expanded = g.nodes[b.inputs[0]].shape;
        int64_t bytes = expanded[1] * expanded[2] * expanded[3] * 4;
        if (bytes < kLargeExpansion) continue;
        // The fused kernel blocks the expanded channels by whole vectors (up
        // to 16 lanes) and the projected ones by at least 4; others (e.g.
        // ShuffleNetV2's 58-channel branches) stay three kernels.
        if (expanded[3] % 16 != 0 || project.shape[3] % 4 != 0) continue;
        std::vector<Prologue> prologue;
        std::vector<int> fused, inputs = b.inputs;
        auto ai = step_of.find(b.inputs[0]);
        if (ai != step_of.end() && users[b.inputs[0]].size() == 1 && !gone[ai->second] && !is_output(g, b.inputs[0])) {
            Step &a = steps[ai->second];
            if (is_pointwise(g.nodes[a.anchor]) && a.prologue.empty() && !adds_buffer(a) && !a.gated_input) {
                prologue.push_back({a.anchor, a.epilogue});
                fused = a.fused;
                inputs = a.inputs;
                gone[ai->second] = true;
            }
        }
        prologue.push_back({b.anchor, b.epilogue});
        fused.insert(fused.end(), b.fused.begin(), b.fused.end());
        fused.insert(fused.end(), c.fused.begin(), c.fused.end());
        gone[bi->second] = true;
        c.prologue = std::move(prologue);
        c.fused = std::move(fused);
        c.inputs = std::move(inputs);
    }
    std::vector<Step> kept;
    for (size_t i = 0; i < steps.size(); i++)
        if (!gone[i]) kept.push_back(std::move(steps[i]));
    steps = std::move(kept);
}

}  // namespace

Plan build_plan(ir::Graph graph) {
    Plan plan;
    plan.graph = std::move(graph);
    ir::Graph &g = plan.graph;
    split_softmax(g);
    fold_zero_pads(g);
    auto live = live_nodes(g);
    auto users = consumers_of(g, live);

    std::map<int, int> buffer_of;  // IR node -> buffer holding its value
    std::map<int, int> open_step;  // IR node -> the step whose value it currently is
    std::map<int, std::pair<int, int>> gated;  // a product x * gate left to its reader: (x, gate)
    auto new_buffer = [&](int node) {
        Buffer b;
        b.node = node;
        b.shape = g.nodes[node].shape;
        plan.buffers.push_back(b);
        return buffer_of[node] = static_cast<int>(plan.buffers.size()) - 1;
    };
    std::vector<Step> steps;
    std::vector<char> absorbed;  // per step: taken into a later channel gather
    for (auto &n : g.nodes) {
        if (!live[n.id]) continue;
        if (n.op == OpKind::Input) {
            int b = new_buffer(n.id);
            plan.buffers[b].network_input = true;
            continue;
        }
        // Fuse into the step that produced an input, when this node is that
        // value's only reader.
        if (is_elementwise(n)) {
            int host = -1;
            for (int k = static_cast<int>(n.inputs.size()) - 1; k >= 0 && host < 0; k--) {
                int in = n.inputs[k];
                auto it = open_step.find(in);
                // A multiply's [N, 1, 1, C] gate cannot host it: the product has x's shape.
                bool same_shape = g.nodes[in].shape == n.shape;
                if (it != open_step.end() && users[in].size() == 1 && !is_output(g, in) && same_shape &&
                    !(n.inputs.size() == 2 && n.inputs[0] == n.inputs[1]))
                    host = k;
            }
            // Squeeze-and-excitation's x * gate, where x has other readers (the
            // squeeze itself): the pointwise convolution that reads the
            // product multiplies its input by the gate as it loads it.
            if (host < 0 && n.op == OpKind::Mul && !(g.nodes[n.inputs[1]].shape == n.shape) &&
                users[n.id].size() == 1 && !is_output(g, n.id) && is_pointwise(g.nodes[users[n.id][0]]) &&
                g.nodes[users[n.id][0]].inputs[0] == n.id && !getenv("NETC_NO_GATE_FUSION")) {
                gated[n.id] = {n.inputs[0], n.inputs[1]};
                continue;
            }
            if (host >= 0) {
                int in = n.inputs[host];
                Step &s = steps[open_step[in]];
                open_step.erase(in);
                if (n.op == OpKind::Add) {
                    // The other summand's IR id; a buffer id once all steps are closed.
                    Epilogue e{Epilogue::AddBuffer, ir::Activation::None, n.inputs[1 - host], n.id};
                    s.epilogue.push_back(e);
                } else if (n.op == OpKind::Mul) {
                    int other = n.inputs[1 - host];
                    Epilogue e{Epilogue::MulBuffer, ir::Activation::None, other, n.id};
                    e.gate = !(g.nodes[other].shape == n.shape);
                    s.epilogue.push_back(e);
                } else if (n.op == OpKind::BatchNorm) {
                    s.epilogue.push_back({Epilogue::ScaleShift, ir::Activation::None, -1, n.id});
                }
                if (n.activation != ir::Activation::None && n.activation != ir::Activation::Identity)
                    s.epilogue.push_back({Epilogue::Activate, n.activation, -1, n.id});
                s.fused.push_back(n.id);
                s.name = n.name;
                open_step[n.id] = static_cast<int>(&s - steps.data());
                continue;
            }
        }
        Step s;
        s.anchor = n.id;
        s.fused = {n.id};
        s.name = n.name;
        std::vector<int> gathered;  // nodes of absorbed channel maps, in order
        // Positional (x + x and concat([a, a]) read one buffer twice); a
        // gather finds its leaves by node, so a repeated one costs nothing.
        auto add_input = [&](int in) { s.inputs.push_back(in); };
        for (int in : n.inputs) {  // IR ids for now; buffers once all steps are closed
            auto gi = gated.find(in);
            auto si = open_step.find(in);
            if (gi != gated.end()) {
                s.inputs.push_back(gi->second.first);
                s.inputs.push_back(gi->second.second);
                s.gated_input = true;
            } else if (is_channel_map(n) && si != open_step.end() && users[in].size() == 1 && !is_output(g, in) &&
                       is_channel_map(g.nodes[steps[si->second].anchor]) && steps[si->second].epilogue.empty() &&
                       !getenv("NETC_NO_GATHER_FUSION")) {
                // A rearrangement only this one reads: gathered here, never stored.
                Step &from = steps[si->second];
                for (int leaf : from.inputs) add_input(leaf);
                gathered.insert(gathered.end(), from.fused.begin(), from.fused.end());
                absorbed[si->second] = 1;
                open_step.erase(si);
            } else {
                add_input(in);
            }
        }
        if (!gathered.empty()) {
            std::sort(gathered.begin(), gathered.end());
            s.fused.insert(s.fused.begin(), gathered.begin(), gathered.end());
        }
        // The anchor's kernel computes the op itself (a conv, a BN scale/shift,
        // a copy for an activation); its activation joins the epilogue.
        if (n.activation != ir::Activation::None && n.activation != ir::Activation::Identity &&
            n.activation != ir::Activation::Softmax)
            s.epilogue.push_back({Epilogue::Activate, n.activation, -1, n.id});
        steps.push_back(s);
        absorbed.push_back(0);
        open_step[n.id] = static_cast<int>(steps.size()) - 1;
    }
    std::vector<Step> kept;
    for (size_t i = 0; i < steps.size(); i++)
        if (!absorbed[i]) kept.push_back(std::move(steps[i]));
    steps = std::move(kept);
    if (!getenv("NETC_NO_BLOCK_FUSION")) fuse_inverted_residuals(g, users, steps);
    // Every step's value is the last node it fused: only those are stored.
    for (auto &s : steps) s.output = new_buffer(s.fused.back());
    for (auto &s : steps) {
        for (int &in : s.inputs) in = buffer_of.at(in);
        for (auto &e : s.epilogue)
            if (e.reads_buffer()) e.buffer = buffer_of.at(e.buffer);
    }
    // Run a step once its last fused node is due: all it reads comes earlier.
    std::stable_sort(steps.begin(), steps.end(),
                     [](const Step &a, const Step &b) { return a.fused.back() < b.fused.back(); });
    plan.steps = std::move(steps);
    for (int in : g.inputs) {
        // An input nothing reads still has its buffer: the caller passes it.
        if (!buffer_of.count(in)) plan.buffers[new_buffer(in)].network_input = true;
        plan.buffers[buffer_of.at(in)].input_index = static_cast<int>(plan.inputs.size());
        plan.inputs.push_back(buffer_of.at(in));
    }
    for (int o : g.outputs) {
        plan.outputs.push_back(buffer_of.at(o));
        plan.buffers[plan.outputs.back()].network_output = true;
    }
    for (size_t i = 0; i < plan.steps.size(); i++) {
        Step &s = plan.steps[i];
        plan.buffers[s.output].producer = static_cast<int>(i);
        auto use = [&](int b) { plan.buffers[b].last_use = std::max(plan.buffers[b].last_use, static_cast<int>(i)); };
        for (int b : s.inputs) use(b);
        for (auto &e : s.epilogue)
            if (e.reads_buffer()) use(e.buffer);
        // A convolution reads its input's zero border instead of testing bounds.
        const Node &a = g.nodes[s.anchor];
        if (is_conv(a.op)) {
            Buffer &in = plan.buffers[s.inputs[0]];
            in.border_top = std::max(in.border_top, a.padding.top);
            in.border_bottom = std::max(in.border_bottom, a.padding.bottom);
            in.border_left = std::max(in.border_left, a.padding.left);
            in.border_right = std::max(in.border_right, a.padding.right);
        } else if (a.op == OpKind::Conv2DTranspose) {
            // The taps a transposed convolution's outputs gather reach
            // past the input's edges by the border it gets.
            Buffer &in = plan.buffers[s.inputs[0]];
            TransposedAxis h = transposed_axis(a, 0, in.shape[1]), w = transposed_axis(a, 1, in.shape[2]);
            in.border_top = std::max(in.border_top, h.border_before);
            in.border_bottom = std::max(in.border_bottom, h.border_after);
            in.border_left = std::max(in.border_left, w.border_before);
            in.border_right = std::max(in.border_right, w.border_after);
        }
    }
    concat_in_place(plan);
    return plan;
}

}  // namespace netc::lower
