#include "EntryFunction.h"

#include <algorithm>

namespace netc::aot {

using namespace Halide;
using namespace Halide::Internal;

namespace {

class EntryBuilder {
public:
    EntryBuilder(const lower::Plan &plan, const lower::MemoryLayout &memory, bool gpu)
        : plan_(plan), memory_(memory), gpu_(gpu) {}

    Stmt build(const std::vector<KernelCall> &calls) {
        int steps = static_cast<int>(calls.size()), split = memory_.split;
        Stmt s = Block::make(in_passes(body(calls, 0, split), body(calls, split, steps)));
        // Outputs that are an input, or a buffer an earlier output holds.
        for (size_t k = 0; k < plan_.outputs.size(); k++) {
            int b = plan_.outputs[k];
            Expr from;
            auto first = std::find(plan_.outputs.begin(), plan_.outputs.end(), b) - plan_.outputs.begin();
            if (plan_.buffers[b].network_input) from = Variable::make(Handle(), "net_input_" + std::to_string(plan_.buffers[b].input_index));
            else if (memory_.offset[b] < 0 && first != static_cast<long>(k)) from = Variable::make(Handle(), "net_output_" + std::to_string(first));
            if (from.defined())
                s = Block::make(s, memcpy_(Variable::make(Handle(), "net_output_" + std::to_string(k)), from,
                                           i64(Variable::make(Int(32), "net_batch")) * c64(floats(plan_.buffers[b]) * 4)));
        }
        // The tail arena follows the head's, sized for this call.
        Expr net_batch = Variable::make(Int(32), "net_batch");
        Expr tail_at = i64(min(net_batch, memory_.head_pass)) * c64(memory_.arena * 4);
        return LetStmt::make("tail_arena", offset(Variable::make(Handle(), kArena), tail_at), s);
    }

    // Steps [first, last) for one pass: the body sees the pass's input,
    // output and batch.
    Stmt body(const std::vector<KernelCall> &calls, int first, int last) {
        std::vector<Stmt> body;
        if (first == 0 && first < last)
            for (int b : plan_.inputs)
                if (memory_.offset[b] >= 0) body.push_back(copy_in(b));
        for (int i = first; i < last; i++) {
            int out = plan_.steps[i].output, owner = plan_.buffers[out].owner(out);
            // An alias's parent (a concat written in place) is zeroed by its first writer.
            if (memory_.offset[out] >= 0 && plan_.buffers[owner].has_border() && plan_.buffers[owner].producer == i)
                body.push_back(zero_border(owner));
            body.push_back(call(calls[i]));
            if (memory_.offset[out] >= 0)
                for (size_t k = 0; k < plan_.outputs.size(); k++)
                    if (plan_.outputs[k] == out) body.push_back(copy_out(out, static_cast<int>(k)));
        }
        return body.empty() ? Evaluate::make(0) : Block::make(body);
    }

    // As the JIT's run: the batch in tail passes, each first through the
    // head in head passes, then through the tail at once.
    static int64_t floats(const lower::Buffer &b) {
        int64_t n = 1;
        for (size_t i = 1; i < b.shape.dims.size(); i++) n *= b.shape.dims[i];
        return n;
    }

    std::vector<Stmt> in_passes(Stmt head, Stmt tail) const {
        const int hp = memory_.head_pass, tp = memory_.tail_pass;
        Expr net_batch = Variable::make(Int(32), "net_batch");
        Expr chunk = Variable::make(Int(32), "chunk"), t0 = chunk * tp;
        Expr bt = Variable::make(Int(32), "tail_batch");
        auto at_image = [&](Expr first, Stmt s) {
            for (size_t k = 0; k < plan_.inputs.size(); k++) {
                std::string i = std::to_string(k);
                Expr in = offset(Variable::make(Handle(), "net_input_" + i),
                                 i64(first) * c64(floats(plan_.buffers[plan_.inputs[k]]) * 4));
                s = LetStmt::make("input_" + i, in, s);
            }
            for (size_t k = 0; k < plan_.outputs.size(); k++) {
                std::string o = std::to_string(k);
                Expr out = offset(Variable::make(Handle(), "net_output_" + o),
                                  i64(first) * c64(floats(plan_.buffers[plan_.outputs[k]]) * 4));
                s = LetStmt::make("output_" + o, out, s);
            }
            return s;
        };
        Expr pass = Variable::make(Int(32), "pass"), h0 = pass * hp;
        Stmt h = LetStmt::make("batch", min(hp, bt - h0), LetStmt::make("tail_image", h0, at_image(t0 + h0, head)));
        h = For::make("pass", 0, (bt + (hp - 1)) / hp, ForType::Serial, DeviceAPI::None, h);
        Stmt t = LetStmt::make("batch", bt, LetStmt::make("tail_image", 0, at_image(t0, tail)));
        Stmt c = LetStmt::make("tail_batch", min(tp, net_batch - t0), Block::make(h, t));
        return {For::make("chunk", 0, (net_batch + (tp - 1)) / tp, ForType::Serial, DeviceAPI::None, c)};
    }

private:
    static constexpr const char *kArena = "arena";
    const lower::Plan &plan_;
    const lower::MemoryLayout &memory_;
    bool gpu_;
    static Expr input(int k) { return Variable::make(Handle(), "input_" + std::to_string(k)); }
    static Expr output(int k) { return Variable::make(Handle(), "output_" + std::to_string(k)); }
    Expr batch_ = Variable::make(Int(32), "batch");
    int names_ = 0;

    static Expr i64(Expr e) { return cast(Int(64), std::move(e)); }
    static Expr c64(int64_t v) { return Expr(v); }  // never narrowed to int32
    // Pointer arithmetic in bytes; Halide IR has no pointer-plus-offset node.
    static Expr offset(Expr p, Expr bytes) {
        return reinterpret(Handle(), reinterpret(UInt(64), std::move(p)) + cast(UInt(64), std::move(bytes)));
    }
    static Stmt extern_call(const char *fn, std::vector<Expr> args) {
        return Evaluate::make(Call::make(Handle(), fn, args, Call::Extern));
    }
    static Stmt memset_(Expr p, Expr bytes) { return extern_call("memset", {std::move(p), 0, cast(UInt(64), bytes)}); }
    static Stmt memcpy_(Expr d, Expr s, Expr bytes) {
        return extern_call("memcpy", {std::move(d), std::move(s), cast(UInt(64), bytes)});
    }
    std::string fresh(const char *stem) { return stem + std::to_string(names_++); }

    // Where buffer b starts for this pass: head buffers scale with the head
    // pass; tail-arena ones with the tail pass, a head pass writing them at
    // its first image's place.
    Expr base(int b) const {
        int64_t at = memory_.offset[b];
        if (at < 0) {
            if (plan_.buffers[b].network_input) return input(plan_.buffers[b].input_index);
            return output(static_cast<int>(std::find(plan_.outputs.begin(), plan_.outputs.end(), b) - plan_.outputs.begin()));
        }
        if (!memory_.in_tail[b]) return offset(Variable::make(Handle(), kArena), i64(batch_) * c64(at * 4));
        Expr bt = Variable::make(Int(32), "tail_batch"), first = Variable::make(Int(32), "tail_image");
        return offset(Variable::make(Handle(), "tail_arena"),
                      i64(bt) * c64(at * 4) + i64(first) * c64(lower::geometry(plan_.buffers[b]).image * 4));
    }

    Stmt per_image(int b, const std::function<Stmt(Expr)> &body) {
        std::string n = fresh("n");
        Expr image = offset(base(b), i64(Variable::make(Int(32), n)) * c64(lower::geometry(plan_.buffers[b]).image * 4));
        return For::make(n, 0, batch_, ForType::Serial, DeviceAPI::None, body(image));
    }

    // Arena bytes are reused, so a padded buffer's border is zeroed before
    // its producer writes the interior.
    Stmt zero_border(int b) {
        lower::ZeroSpans z = lower::border_spans(plan_.buffers[b]);
        return per_image(b, [&](Expr p) {
            std::vector<Stmt> s;
            if (z.first_len) s.push_back(memset_(offset(p, c64(z.first_at * 4)), c64(z.first_len * 4)));
            if (z.count) {
                std::string i = fresh("row");
                Expr at = i64(Variable::make(Int(32), i)) * c64(z.stride * 4) + c64(z.loop_at * 4);
                s.push_back(For::make(i, 0, static_cast<int32_t>(z.count), ForType::Serial, DeviceAPI::None,
                                      memset_(offset(p, at), c64(z.span * 4))));
            }
            if (z.last_len) s.push_back(memset_(offset(p, c64(z.last_at * 4)), c64(z.last_len * 4)));
            return Block::make(s);
        });
    }

    // A network input with a border is copied into its padded arena buffer;
    // an output a padded convolution also reads is copied out of it.
    Stmt copy_in(int b) { return Block::make(zero_border(b), copy_rows(b, input(plan_.buffers[b].input_index), true)); }
    Stmt copy_out(int b, int k) { return copy_rows(b, output(k), false); }

    Stmt copy_rows(int b, Expr caller, bool in) {
        const lower::Buffer &buf = plan_.buffers[b];
        lower::InteriorRows r = lower::interior_rows(buf);
        std::string n = fresh("n"), y = fresh("y");
        Expr row = i64(Variable::make(Int(32), n)) * c64(r.rows) + i64(Variable::make(Int(32), y));
        Expr arena = offset(base(b), i64(Variable::make(Int(32), n)) * c64(lower::geometry(buf).image * 4) +
                                         c64(r.at * 4) + i64(Variable::make(Int(32), y)) * c64(r.stride * 4));
        Expr flat = offset(caller, row * c64(r.row * 4));
        Stmt copy = in ? memcpy_(arena, flat, c64(r.row * 4)) : memcpy_(flat, arena, c64(r.row * 4));
        copy = For::make(y, 0, static_cast<int32_t>(r.rows), ForType::Serial, DeviceAPI::None, copy);
        return For::make(n, 0, batch_, ForType::Serial, DeviceAPI::None, copy);
    }

    Expr view(const CallArg &a, bool interior, bool input) {
        if (a.buffer < 0) return Variable::make(type_of<halide_buffer_t *>(), a.constant + ".buffer");
        lower::View v = lower::operand_view(plan_, a.buffer, a.block, a.as_image, interior);
        BufferBuilder b;
        b.host = offset(base(a.buffer), c64(v.offset * 4));
        b.type = Float(32);
        b.dimensions = static_cast<int>(v.dims.size()) + 1;
        for (auto &d : v.dims) {
            b.mins.push_back(d.min);
            b.extents.push_back(d.extent);
            b.strides.push_back(d.stride);
        }
        b.mins.push_back(0);
        b.extents.push_back(batch_);
        b.strides.push_back(static_cast<int32_t>(v.image));
        // On a GPU target a kernel copies its inputs over only if they are host-dirty.
        b.host_dirty = gpu_ && input ? const_true() : const_false();
        b.device_dirty = const_false();
        return b.build();
    }

    static Stmt check(Expr call, const std::string &name) {
        Expr status = Variable::make(Int(32), name);
        return LetStmt::make(name, std::move(call), AssertStmt::make(status == 0, status));
    }

    Stmt call(const KernelCall &c) {
        std::vector<Expr> args;
        for (size_t i = 0; i < c.args.size(); i++)
            args.push_back(view(c.args[i], i + 1 == c.args.size(), i + 1 < c.args.size()));
        if (gpu_) return around_gpu_call(c, args);
        return check(Call::make(Int(32), c.function, args, Call::Extern), fresh("status"));
    }

    // (Halide's code generator adds the user context to runtime calls.)
    // Activations live on the host between steps (kernels run one at a time,
    // and each step's views are built afresh): the output comes back after
    // the kernel and every view's device memory is freed. Weights stay on
    // the device once uploaded.
    Stmt around_gpu_call(const KernelCall &c, std::vector<Expr> args) {
        std::vector<Stmt> before, after;
        std::vector<std::pair<std::string, Expr>> lets;
        for (size_t i = 0; i < args.size(); i++) {
            if (c.args[i].buffer < 0) {
                Expr no_device = Call::make(UInt(64), "_halide_buffer_get_device", {args[i]}, Call::Extern) == 0;
                Expr dirty = Call::make(Int(32), "_halide_buffer_set_host_dirty", {args[i], const_true()}, Call::Extern);
                before.push_back(IfThenElse::make(no_device, Evaluate::make(dirty)));
                continue;
            }
            std::string name = fresh("view");
            lets.emplace_back(name, args[i]);
            args[i] = Variable::make(type_of<halide_buffer_t *>(), name);
            if (i + 1 == args.size())
                after.push_back(check(Call::make(Int(32), "halide_copy_to_host", {args[i]}, Call::Extern),
                                      fresh("status")));
            after.push_back(check(Call::make(Int(32), "halide_device_free", {args[i]}, Call::Extern),
                                  fresh("status")));
        }
        before.push_back(check(Call::make(Int(32), c.function, args, Call::Extern), fresh("status")));
        before.insert(before.end(), after.begin(), after.end());
        Stmt s = Block::make(before);
        for (auto it = lets.rbegin(); it != lets.rend(); ++it) s = LetStmt::make(it->first, it->second, s);
        return s;
    }
};

}  // namespace

LoweredFunc entry_function(const std::string &name, const lower::Plan &plan, const lower::MemoryLayout &memory,
                           const std::vector<KernelCall> &calls, bool gpu) {
    std::vector<LoweredArgument> args;
    for (size_t k = 0; k < plan.inputs.size(); k++)
        args.emplace_back("net_input_" + std::to_string(k), Argument::InputScalar, Handle(), 0, ArgumentEstimates{});
    for (size_t k = 0; k < plan.outputs.size(); k++)
        args.emplace_back("net_output_" + std::to_string(k), Argument::InputScalar, Handle(), 0, ArgumentEstimates{});
    std::vector<LoweredArgument> rest = {
        LoweredArgument("net_batch", Argument::InputScalar, Int(32), 0, ArgumentEstimates{}),
        LoweredArgument("arena", Argument::InputScalar, Handle(), 0, ArgumentEstimates{})};
    args.insert(args.end(), rest.begin(), rest.end());
    return LoweredFunc(name, args, EntryBuilder(plan, memory, gpu).build(calls), LinkageType::Internal);
}

}  // namespace netc::aot
