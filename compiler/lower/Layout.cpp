// Steps that only move data: an explicit pad that no convolution absorbed
// (or a reflect, symmetric or edge one), concat along channels, and
// flatten/squeeze (NHWC order is kept, so both are a copy by flat index;
// a flatten in NCHW order gathers).
#include "Diagnostics.h"
#include "Kernel.h"
#include "Schedules.h"

namespace netc::lower {

using namespace Halide;
using ir::OpKind;

Kernel lower_layout(KernelBuilder &kb, const Target &target) {
    const ir::Node &n = kb.anchor();
    const Step &s = kb.step();
    const ir::Shape &shape = n.shape;
    Var c("c"), x("x"), y("y"), b("n");
    Func out = kb.output_func();
    std::string dims;
    for (size_t i = 1; i < shape.dims.size(); i++) dims += "x" + std::to_string(shape.dims[i]);
    std::string key;
    if (n.op == OpKind::Pad) {
        ImageParam in = kb.buffer(s.inputs[0], "input");
        const ir::Shape &is = kb.plan().buffers[s.inputs[0]].shape;
        int H = static_cast<int>(is[1]), W = static_cast<int>(is[2]);
        Expr ix = x - static_cast<int>(n.padding.left), iy = y - static_cast<int>(n.padding.top);
        Expr v;
        if (n.pad_mode == "CONSTANT") {
            Expr inside = ix >= 0 && ix < W && iy >= 0 && iy < H;
            v = select(inside, in(c, clamp(ix, 0, W - 1), clamp(iy, 0, H - 1), b), static_cast<float>(n.pad_value));
        } else {
            // The source pixel of a border one (tf.pad's REFLECT and SYMMETRIC,
            // ONNX's edge); sema keeps REFLECT/SYMMETRIC pads within one mirror.
            auto source = [&](Expr i, int size) {
                if (n.pad_mode == "REFLECT") return select(i < 0, -i, i >= size, 2 * (size - 1) - i, i);
                if (n.pad_mode == "SYMMETRIC") return select(i < 0, -1 - i, i >= size, 2 * size - 1 - i, i);
                return clamp(i, 0, size - 1);  // EDGE
            };
            v = in(c, clamp(source(ix, W), 0, W - 1), clamp(source(iy, H), 0, H - 1), b);
        }
        out(c, x, y, b) = kb.epilogue(v, {c, x, y, b}, 0);
        key = "pad " + n.pad_mode + " " + std::to_string(n.padding.top) + "," + std::to_string(n.padding.left) + " " +
              std::to_string(n.pad_value) + " in" + std::to_string(W) + "x" + std::to_string(H);
    } else if (n.op == OpKind::Concat) {
        // A select per input; each input's index is clamped so every load
        // stays in its buffer.
        Expr v = 0.0f;
        int64_t offset = 0;
        std::vector<std::pair<int64_t, Expr>> parts;
        for (size_t i = 0; i < s.inputs.size(); i++) {
            ImageParam in = kb.buffer(s.inputs[i], "input" + std::to_string(i));
            int64_t ci = kb.plan().buffers[s.inputs[i]].shape[3];
            Expr local = clamp(c - static_cast<int>(offset), 0, static_cast<int>(ci - 1));
            parts.push_back({offset + ci, in(local, x, y, b)});
            key += " " + std::to_string(ci);
            offset += ci;
        }
        v = parts.back().second;
        for (int i = static_cast<int>(parts.size()) - 2; i >= 0; i--)
            v = select(c < static_cast<int>(parts[i].first), parts[i].second, v);
        out(c, x, y, b) = kb.epilogue(v, {c, x, y, b}, 0);
        key = "concat" + key;
    } else if (n.op == OpKind::Flatten && n.nchw_order) {
        // ONNX's flatten of NCHW: output k = c * H * W + y * W + x.
        ImageParam in = kb.buffer(s.inputs[0], "input");
        const ir::Shape &is = kb.plan().buffers[s.inputs[0]].shape;
        int H = static_cast<int>(is[1]), W = static_cast<int>(is[2]);
        Var k("k");
        out(k, b) = kb.epilogue(in(k / (H * W), k % W, (k / W) % H, b), {k, b}, 0);
        key = "flatten_nchw " + is.str();
    } else {  // Flatten, Squeeze: NHWC order is kept, so copy by flat index
        ImageParam in = kb.buffer(s.inputs[0], "input");
        const ir::Shape &is = kb.plan().buffers[s.inputs[0]].shape;
        std::vector<Var> at;
        for (int d = shape.rank() - 1; d >= 1; d--) at.push_back(Var("d" + std::to_string(d)));
        at.push_back(b);
        Expr flat = 0;
        for (int d = 1; d < shape.rank(); d++) flat = flat * static_cast<int>(shape[d]) + at[shape.rank() - 1 - d];
        std::vector<Expr> from(is.rank());
        for (int d = is.rank() - 1; d >= 1; d--) {
            from[is.rank() - 1 - d] = flat % static_cast<int>(is[d]);
            flat = flat / static_cast<int>(is[d]);
        }
        from.back() = b;
        out(at) = kb.epilogue(in(from), at, 0);
        key = "reshape " + is.str();
    }
    schedule::schedule_channels_last(out, Func(), shape.dims.back(), shape.rank(), shape.rank() == 4 ? shape[1] : 1,
                                     target);
    return kb.finish(out, 0, key + " " + dims);
}

}  // namespace netc::lower
