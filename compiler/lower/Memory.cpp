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
    g.image = g.c * g.wp * g.hp;
    return g;
}

// First fit by lifetime. The caller's own input and output are used in
// place unless they need a border.
MemoryLayout plan_memory(const Plan &plan) {
    MemoryLayout m;
    m.offset.assign(plan.buffers.size(), -1);
    struct Block {
        int64_t offset, size;
        int first, last;
    };
    std::vector<Block> placed;
    for (size_t b = 0; b < plan.buffers.size(); b++) {
        const Buffer &buf = plan.buffers[b];
        if ((buf.network_output || buf.network_input) && !buf.has_border()) continue;
        int64_t size = (geometry(buf).image + 15) / 16 * 16;  // 64-byte aligned starts at any batch
        int first = buf.producer, last = std::max(buf.last_use, buf.producer);
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
        m.offset[b] = at;
        m.arena = std::max(m.arena, at + size);
    }
    return m;
}

int images_per_pass(const Plan &plan, const MemoryLayout &m) {
    const int64_t budget = int64_t(8) << 20;
    int64_t largest = std::max<int64_t>(1, m.arena);
    for (auto &b : plan.buffers) largest = std::max(largest, geometry(b).image);
    int64_t addressable = (int64_t(INT32_MAX) / 4) / largest;
    return static_cast<int>(std::clamp<int64_t>(budget / std::max<int64_t>(1, m.arena * 4), 1,
                                                std::max<int64_t>(1, std::min<int64_t>(addressable, 1 << 16))));
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
        v.dims.push_back({x0, i32(interior ? g.w : g.wp), i32(g.c)});
        v.dims.push_back({y0, i32(interior ? g.h : g.hp), i32(g.c * g.wp)});
        if (interior) v.offset = (buf.border_top * g.wp + buf.border_left) * g.c;
    } else if (buf.shape.rank() == 3) {
        v.dims.push_back({0, i32(g.w), i32(g.c)});
    }
    return v;
}

ZeroSpans border_spans(const Buffer &b) {
    ZeroSpans z;
    if (!b.has_border()) return z;
    Geometry g = geometry(b);
    int64_t row = g.wp * g.c, right = (b.border_left + g.w) * g.c;
    z.first_len = b.border_top * row + b.border_left * g.c;
    z.loop_at = b.border_top * row + right;
    z.stride = row;
    z.span = (b.border_right + b.border_left) * g.c;
    z.count = z.span ? g.h - 1 : 0;
    z.last_at = (b.border_top + g.h - 1) * row + right;
    z.last_len = b.border_right * g.c + b.border_bottom * row;
    return z;
}

InteriorRows interior_rows(const Buffer &b) {
    Geometry g = geometry(b);
    InteriorRows r;
    r.at = (b.border_top * g.wp + b.border_left) * g.c;
    r.rows = g.h;
    r.row = g.w * g.c;
    r.stride = g.wp * g.c;
    return r;
}

}  // namespace netc::lower
