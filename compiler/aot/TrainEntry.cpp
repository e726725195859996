#include "TrainEntry.h"

#include "Diagnostics.h"

namespace netc::aot {

using namespace Halide;
using namespace Halide::Internal;

namespace {

int64_t aligned64(int64_t bytes) { return (bytes + 63) / 64 * 64; }

Expr i64(Expr e) { return cast(Int(64), std::move(e)); }
Expr c64(int64_t v) { return Expr(v); }
Expr handle(const std::string &name) { return Variable::make(Handle(), name); }

// Pointer arithmetic in bytes; Halide IR has no pointer-plus-offset node.
Expr offset(Expr p, Expr bytes) {
    return reinterpret(Handle(), reinterpret(UInt(64), std::move(p)) + cast(UInt(64), std::move(bytes)));
}

Stmt extern_call(const char *fn, std::vector<Expr> args) {
    return Evaluate::make(Call::make(Handle(), fn, args, Call::Extern));
}

Stmt memcpy_(Expr d, Expr s, Expr bytes) { return extern_call("memcpy", {std::move(d), std::move(s), cast(UInt(64), bytes)}); }

Expr host_of(const std::string &constant) {
    Expr buf = Variable::make(type_of<halide_buffer_t *>(), constant + ".buffer");
    return Call::make(Handle(), Call::buffer_get_host, {buf}, Call::Extern);
}

Stmt check(Expr call, const std::string &name) {
    Expr status = Variable::make(Int(32), name);
    return LetStmt::make(name, std::move(call), AssertStmt::make(status == 0, status));
}

class EntryBuilder {
public:
    EntryBuilder(const TrainProgram &p, const TraceEntry &e, const TrainSymbols &s) : p_(p), e_(e), s_(s) {
        // Region k starts after the regions before it, each rounded to 64 bytes.
        int64_t per = 0, fixed = 0;
        for (const Region &r : e.regions) {
            region_at_.push_back({per, fixed});
            per += aligned64(r.per_image);
            fixed += aligned64(r.fixed);
        }
    }

    Stmt body(bool training) {
        std::vector<Stmt> s;
        for (size_t i = 0; i < e_.calls.size(); i++) s.push_back(call(e_.calls[i], static_cast<int>(i)));
        Expr results = handle("results");
        s.push_back(memcpy_(results, base(e_.loss), 4));
        s.push_back(memcpy_(offset(results, 4), base(e_.correct), 4));
        Expr logits = handle("logits");
        Expr bytes = i64(batch_) * c64(p_.classes * 4);
        s.push_back(IfThenElse::make(reinterpret(UInt(64), logits) != make_zero(UInt(64)),
                                     memcpy_(logits, base(e_.logits), bytes)));
        if (training && p_.beta1_power >= 0) s.push_back(advance_powers());
        Stmt b = Block::make(s);
        if (training && p_.beta1_power >= 0) b = LetStmt::make("lr_t", adam_lr_t_expr(), b);
        return b;
    }

private:
    const TrainProgram &p_;
    const TraceEntry &e_;
    const TrainSymbols &s_;
    std::vector<std::pair<int64_t, int64_t>> region_at_;
    Expr batch_ = Variable::make(Int(32), "batch");

    Expr power(int state_array) const {
        return Load::make(Float(32), "state", Expr(int32_t(p_.state[state_array].offset)), Buffer<>(), Parameter(),
                          const_true(), ModulusRemainder());
    }

    Expr adam_lr_t_expr() const {
        Expr lr = cast<double>(Variable::make(Float(32), "lr"));
        return cast<float>(grad::adam_lr_t<Expr>(lr, cast<double>(power(p_.beta1_power)), cast<double>(power(p_.beta2_power))));
    }

    // After every update, as OptimizerState::step advances its powers.
    Stmt advance_powers() const {
        std::vector<Stmt> s;
        for (auto [k, beta] : {std::make_pair(p_.beta1_power, p_.optimizer.beta1), std::make_pair(p_.beta2_power, p_.optimizer.beta2)}) {
            Expr v = cast<float>(cast<double>(power(k)) * Expr(beta));
            s.push_back(Store::make("state", v, Expr(int32_t(p_.state[k].offset)), Parameter(), const_true(), ModulusRemainder()));
        }
        return Block::make(s);
    }

    Expr base(const TraceBuffer &t) const {
        Expr start;
        switch (t.home) {
        case Home::Weights: start = handle("weights"); break;
        case Home::Grads: start = handle("grads"); break;
        case Home::State: start = handle("state"); break;
        case Home::Images: start = handle("images"); break;
        case Home::Labels: start = handle("labels"); break;
        case Home::Constant: start = host_of(s_.constants.at(t.index)); break;
        case Home::Workspace: {
            auto [per, fixed] = region_at_.at(t.index);
            start = offset(handle("workspace"), i64(batch_) * c64(per) + c64(fixed));
            break;
        }
        }
        return t.offset ? offset(start, c64(t.offset)) : start;
    }

    Expr view(const TraceBuffer &t) const {
        BufferBuilder b;
        b.host = base(t);
        b.type = Float(32);
        b.dimensions = static_cast<int>(t.dims.size());
        for (size_t d = 0; d < t.dims.size(); d++) {
            b.mins.push_back(t.dims[d].min);
            b.extents.push_back(static_cast<int>(d) == t.batch_dim ? batch_ : Expr(t.dims[d].extent));
            b.strides.push_back(t.dims[d].stride);
        }
        b.host_dirty = const_false();
        b.device_dirty = const_false();
        return b.build();
    }

    Expr scalar(const TraceScalar &s) const {
        switch (s.role) {
        case ScalarRole::LearningRate: return Variable::make(Float(32), "lr");
        case ScalarRole::AdamLearningRate: return Variable::make(Float(32), "lr_t");
        case ScalarRole::Seed: return cast<float>(Variable::make(Int(32), "seed") & 0xffffff);
        case ScalarRole::Constant: break;
        }
        return make_const(Float(32), s.value);
    }

    Stmt call(const TraceCall &c, int i) {
        std::vector<Expr> args;
        for (const TraceBuffer &t : c.ins) args.push_back(view(t));
        for (const TraceScalar &s : c.scalars) args.push_back(scalar(s));
        for (const TraceBuffer &t : c.outs) args.push_back(view(t));
        if (p_.beta1_power < 0)
            for (const TraceScalar &s : c.scalars)
                if (s.role == ScalarRole::AdamLearningRate) throw InternalError("Adam's learning rate without its powers");
        return check(Call::make(Int(32), s_.kernels.at(c.kernel), args, Call::Extern), "status" + std::to_string(i));
    }
};

LoweredArgument scalar_arg(const std::string &name, Type t) {
    return LoweredArgument(name, Argument::InputScalar, t, 0, ArgumentEstimates{});
}

}  // namespace

Region workspace(const TraceEntry &e) {
    Region w;
    for (const Region &r : e.regions) {
        w.per_image += aligned64(r.per_image);
        w.fixed += aligned64(r.fixed);
    }
    return w;
}

LoweredFunc train_entry(const std::string &name, const TrainProgram &p, const TraceEntry &e, bool training,
                        const TrainSymbols &symbols) {
    std::vector<LoweredArgument> args;
    for (const char *h : {"weights", "grads", "state", "images", "labels"}) args.push_back(scalar_arg(h, Handle()));
    args.push_back(scalar_arg("batch", Int(32)));
    args.push_back(scalar_arg("lr", Float(32)));
    args.push_back(scalar_arg("seed", Int(32)));
    for (const char *h : {"workspace", "results", "logits"}) args.push_back(scalar_arg(h, Handle()));
    return LoweredFunc(name, args, EntryBuilder(p, e, symbols).body(training), LinkageType::Internal);
}

LoweredFunc init_entry(const std::string &name, const TrainProgram &p, const TrainSymbols &symbols) {
    std::vector<Stmt> s;
    s.push_back(memcpy_(handle("weights"), host_of(symbols.initial_weights), c64(p.weight_floats * 4)));
    if (p.state_floats)
        s.push_back(extern_call("memset", {handle("state"), 0, cast(UInt(64), c64(p.state_floats * 4))}));
    for (const auto &[k, constant] : symbols.initial_state)
        s.push_back(memcpy_(offset(handle("state"), c64(p.state[k].offset * 4)), host_of(constant), c64(p.state[k].size * 4)));
    std::vector<LoweredArgument> args = {scalar_arg("weights", Handle()), scalar_arg("state", Handle())};
    return LoweredFunc(name, args, Block::make(s), LinkageType::Internal);
}

}  // namespace netc::aot
