#include "Memory.h"

#include <algorithm>

namespace netc::lower {

Geometry geometry(const Buffer &b) {
    Geometry g;
    const auto &d = b.shape.dims;
    if (d.size() == 4) {
        g.c = d[3], g.w = d[2], g.h = d[1];
        g.wp = g.w + b.border_left + b.border_right;
        g.hp = g.h + b.border_top + b.border_bottom;
    } else {
        g.c = d.back(), g.h = g.hp = 1;
        g.w = g.wp = d.size() == 3 ? d[1] : 1;
    }
    g.cs = b.row_channels ? b.row_channels : g.c;
    g.image = g.cs * g.wp * g.hp;
    return g;
}

namespace {

struct Lifetime {
    int64_t offset, size;
    int first, last;
};

// First fit by lifetime: a buffer takes the lowest offset free for its
// whole life.
int64_t place(std::vector<Lifetime> &placed, int64_t size, int first, int last) {
    int64_t at = 0;
    for (bool moved = true; moved;) {
        moved = false;
        for (auto &p : placed)
            if (!(p.last < first || last < p.first) && at < p.offset + p.size && p.offset < at + size) {
                at = p.offset + p.size;
                moved = true;
            }
    }
    placed.push_back({at, size, first, last});
    return at;
}

int64_t step_weight_bytes(const Plan &plan, const Step &s) {
    int64_t n = 0;
    for (int node : s.fused)
        for (auto &p : plan.graph.nodes[node].params) n += p.count() * 4;
    return n;
}

// Bytes per image a step reads and writes.
int64_t step_activation_bytes(const Plan &plan, const Step &s) {
    int64_t n = geometry(plan.buffers[s.output]).image;
    for (int b : s.inputs) n += geometry(plan.buffers[b]).image;
    for (auto &e : s.epilogue)
        if (e.reads_buffer()) n += geometry(plan.buffers[e.buffer]).image;
    return n * 4;
}

// The tail: the longest run of last steps whose activations are small
// (2 MiB a step and image) and that do not read the network's input, if it
// has weights worth reading once for several images (1 MiB).
int choose_split(const Plan &plan) {
    int steps = static_cast<int>(plan.steps.size()), split = steps;
    for (int s = steps - 1; s >= 0; s--) {
        const Step &st = plan.steps[s];
        bool reads_input = false;
        for (int b : st.inputs) reads_input |= plan.buffers[b].network_input;
        for (auto &e : st.epilogue) reads_input |= e.reads_buffer() && plan.buffers[e.buffer].network_input;
        if (reads_input || step_activation_bytes(plan, st) > (int64_t(2) << 20)) break;
        split = s;
    }
    int64_t weights = 0;
    for (int s = split; s < steps; s++) weights += step_weight_bytes(plan, plan.steps[s]);
    return weights >= (int64_t(1) << 20) ? split : steps;
}

int pass_size(int64_t floats_per_image, int64_t largest_buffer, int64_t budget_bytes, int cap) {
    int64_t addressable = (int64_t(INT32_MAX) / 4) / std::max<int64_t>(1, largest_buffer);
    return static_cast<int>(std::clamp<int64_t>(budget_bytes / std::max<int64_t>(1, floats_per_image * 4), 1,
                                                std::max<int64_t>(1, std::min<int64_t>(addressable, cap))));
}

}  // namespace

// The caller's own inputs and outputs are used in place unless they need a
// border (an output read by a padded convolution is copied out). Buffers the tail reads live in the tail arena; the rest of the
// head's in the head arena.
MemoryLayout plan_memory(const Plan &plan) {
    MemoryLayout m;
    m.offset.assign(plan.buffers.size(), -1);
    m.in_tail.assign(plan.buffers.size(), 0);
    m.split = choose_split(plan);
    std::vector<Lifetime> head, tail;
    int64_t largest = 1;
    for (size_t b = 0; b < plan.buffers.size(); b++) {
        const Buffer &buf = plan.buffers[b];
        largest = std::max(largest, geometry(buf).image);
        if ((buf.network_output || buf.network_input) && !buf.has_border()) continue;
        if (buf.alias_of >= 0) continue;  // placed with its parent, below
        int64_t size = (geometry(buf).image + 15) / 16 * 16;  // 64-byte aligned starts at any batch
        int first = buf.producer, last = std::max(buf.last_use, buf.producer);
        bool to_tail = last >= m.split;
        m.in_tail[b] = to_tail;
        m.offset[b] = place(to_tail ? tail : head, size, first, last);
        int64_t &arena = to_tail ? m.tail_arena : m.arena;
        arena = std::max(arena, m.offset[b] + size);
    }
    for (size_t b = 0; b < plan.buffers.size(); b++)
        if (plan.buffers[b].alias_of >= 0) {
            m.offset[b] = m.offset[plan.buffers[b].alias_of];
            m.in_tail[b] = m.in_tail[plan.buffers[b].alias_of];
        }
    const int64_t cap = 1 << 16;
    m.head_pass = pass_size(m.arena, largest, int64_t(8) << 20, cap);
    // The tail's budget is larger: its weights are what streams.
    m.tail_pass = m.split < static_cast<int>(plan.steps.size())
                      ? std::max(m.head_pass, pass_size(m.tail_arena, largest, int64_t(32) << 20, 64))
                      : m.head_pass;
    return m;
}

View operand_view(const Plan &plan, int buffer, int block, bool as_image, bool interior) {
    const Buffer &buf = plan.buffers[buffer];
    Geometry g = geometry(buf);
    View v;
    v.image = g.image;
    auto i32 = [](int64_t x) { return static_cast<int32_t>(x); };
    if (block) {
        v.dims.push_back({0, block, 1});
        v.dims.push_back({0, i32(g.c / block), block});
    } else {
        v.dims.push_back({0, i32(g.c), 1});
    }
    if (buf.shape.rank() == 4 || as_image) {
        int32_t x0 = interior ? 0 : -i32(buf.border_left);
        int32_t y0 = interior ? 0 : -i32(buf.border_top);
        v.dims.push_back({x0, i32(interior ? g.w : g.wp), i32(g.cs)});
        v.dims.push_back({y0, i32(interior ? g.h : g.hp), i32(g.cs * g.wp)});
        if (interior) v.offset = (buf.border_top * g.wp + buf.border_left) * g.cs;
    } else if (buf.shape.rank() == 3) {
        v.dims.push_back({0, i32(g.w), i32(g.c)});
    }
    v.offset += buf.channel_offset;
    return v;
}

ZeroSpans border_spans(const Buffer &b) {
    ZeroSpans z;
    if (!b.has_border()) return z;
    Geometry g = geometry(b);
    int64_t row = g.wp * g.cs, right = (b.border_left + g.w) * g.cs;
    z.first_len = b.border_top * row + b.border_left * g.cs;
    z.loop_at = b.border_top * row + right;
    z.stride = row;
    z.span = (b.border_right + b.border_left) * g.cs;
    z.count = z.span ? g.h - 1 : 0;
    z.last_at = (b.border_top + g.h - 1) * row + right;
    z.last_len = b.border_right * g.cs + b.border_bottom * row;
    return z;
}

InteriorRows interior_rows(const Buffer &b) {
    Geometry g = geometry(b);
    InteriorRows r;
    r.at = (b.border_top * g.wp + b.border_left) * g.cs;
    r.rows = g.h;
    r.row = g.w * g.c;
    r.stride = g.wp * g.cs;
    return r;
}

}  // namespace netc::lower
