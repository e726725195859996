// `netc bench --backward`: the reference benchmark's second line. Its
// script times `tf.gradients(tf.nn.l2_loss(logits), parameters)` after the
// forward pass; netc times its training step (compiler/grad, the code netc
// train runs) on the same objective, with no weight update, so what is timed
// is what the gradient tests check.
#include "Driver.h"
#include "Execute.h"

#include "GradKernel.h"
#include "JitNetwork.h"
#include "Npy.h"
#include "TrainStep.h"

#include <cmath>
#include <iomanip>
#include <random>

namespace netc {

namespace exec {

void bench_backward_report(jit::JitNetwork *net, grad::TrainStep &step, const std::string &name,
                           const BenchOptions &o, const Compiled &compiled, std::ostream &out, std::ostream &err) {
    std::ios::fmtflags flags = out.flags();
    std::streamsize precision = out.precision();
    warn_if_busy(err);
    // The step's batch: fixed random images, and random classes for a loss.
    const ir::Shape &shape = step.images_input().shape;
    int64_t per_example = 1;
    for (int i = 1; i < shape.rank(); i++) per_example *= shape[i];
    std::vector<float> images = random_input(per_example * o.batch), labels(o.batch);
    if (step.has_labels()) {
        std::mt19937 gen(2);
        std::uniform_int_distribution<int64_t> cls(0, step.classes() - 1);
        for (float &l : labels) l = float(cls(gen));
    }
    double loss = 0;
    auto forward = [&] { loss = step.forward(images.data(), labels.data(), o.batch, true, 1); };
    auto forward_backward = [&] {
        forward();
        step.backward();
    };
    // The first step links (or compiles) the training kernels: the time
    // that takes is reported, not the step's.
    int compiled0 = grad::kernels_compiled(), cached0 = grad::kernels_from_cache();
    double ms0 = grad::compile_ms();
    forward_backward();
    double link_ms = grad::compile_ms() - ms0;
    if (!o.gradients.empty()) {
        rt::NamedArrays g;
        g.emplace_back("loss", rt::Array{{}, {float(loss)}});
        std::vector<int64_t> dims = shape.dims;
        dims[0] = o.batch;
        g.emplace_back("images", rt::Array{dims, images});
        if (step.has_labels()) g.emplace_back("labels", rt::Array{{o.batch}, labels});
        for (auto &v : step.variables())
            if (v.trainable)
                g.emplace_back(v.name, rt::Array{v.shape, std::vector<float>(v.grad.data(), v.grad.data() +
                                                                                   v.grad.number_of_elements())});
        rt::write_npz(o.gradients, g);
    }

    Timing fwd;
    if (net) {
        auto xs = random_inputs(*net, o.batch);
        std::vector<std::vector<float>> ys;
        for (int k = 0; k < net->outputs(); k++) ys.emplace_back(net->output_size(k, o.batch));
        std::vector<const float *> in;
        std::vector<float *> outp;
        for (auto &x : xs) in.push_back(x.data());
        for (auto &y : ys) outp.push_back(y.data());
        fwd = time_steps(o, [&] { net->run(in, outp, o.batch); });
    } else {
        fwd = time_steps(o, forward);
    }
    Timing fb = time_steps(o, forward_backward);
    if (!std::isfinite(loss))
        throw rt::IOError(std::string(step.l2_objective() ? "l2_loss of the output" : "the network's loss") +
                          " is not finite on these weights");

    out << name << " batch " << o.batch << ": ";
    if (net) {
        out << "JIT compile ";
        if (compiled.cached) out << "cached";
        else out << std::fixed << std::setprecision(2) << compiled.ms / 1000.0 << " s";
        out << "; ";
    }
    out << "training kernels " << std::fixed << std::setprecision(2) << link_ms / 1000.0 << " s ("
        << grad::kernels_compiled() - compiled0 << " compiled, " << grad::kernels_from_cache() - cached0
        << " from the kernel cache)\n";
    out << "objective: "
        << (step.l2_objective() ? "l2_loss of the output, sum(y^2) / 2" : "the network's loss, random labels")
        << (net ? "" : "; forward in training mode") << "\n";
    print_timing(out, "Forward", o.steps, fwd);
    print_timing(out, "Forward-backward", o.steps, fb);
    out << std::setprecision(1) << o.batch / fwd.mean << " images/s forward, " << o.batch / fb.mean
        << " images/s forward-backward\n";
    out.flags(flags);
    out.precision(precision);
}

}  // namespace exec

int Driver::bench_backward_command(int m) {
    auto g = entry_graph(m);
    if (!g) return fail();
    // Refused ops are reported before anything is compiled.
    std::unique_ptr<grad::TrainStep> step = train_step(*g, grad::Objective::Benchmark);
    if (!step) return fail();
    auto w = network_weights(*g, true);
    step->load(w);
    set_threads();
    // The Forward line is netc bench's own (the inference pipeline); a
    // network only netc train computes runs its training step's forward.
    std::unique_ptr<jit::JitNetwork> net;
    compile_ms_ = 0;
    if (ir::first_training_node(*g) < 0) net = compile(*g, w);
    stage("benchmark forward and backward");
    exec::BenchOptions o;
    o.batch = static_cast<int>(opt_.batch > 0 ? opt_.batch : 1);
    o.steps = opt_.steps > 0 ? opt_.steps : 100;
    o.burn_in = opt_.burn_in;
    o.gradients = opt_.gradients;
    exec::bench_backward_report(net.get(), *step, g->name, o, {compile_ms_, false}, out_, err_);
    if (opt_.verbose)
        err_ << "netc: training kernels: " << grad::kernels_compiled() << " compiled, " << grad::kernels_from_cache()
             << " from the kernel cache, in " << std::fixed << std::setprecision(0) << grad::compile_ms() << " ms\n";
    return kExitOk;
}

}  // namespace netc
