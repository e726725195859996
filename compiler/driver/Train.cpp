// `netc train`: the front end, then a training step (compiler/grad) run over
// shuffled batches of an .npz dataset with an optimizer, a progress line,
// validation accuracy and a checkpoint per epoch.
#include "Driver.h"

#include "OptimizerState.h"
#include "TrainStep.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <numeric>
#include <random>
#include <sstream>

namespace netc {

namespace {

struct Dataset {
    std::string file;
    std::vector<int64_t> shape;  // of one example
    std::vector<float> images, labels;
    int64_t count = 0, per_example = 0;
};

// An .npz of `images` (float32, one example per row) and `labels` (integer
// class ids), checked against the network's input and classes.
Dataset load_dataset(const std::string &file, const ir::Node &input, int64_t classes) {
    rt::NamedArrays arrays = rt::read_npz(file, true);
    const rt::Array *im = nullptr, *lab = nullptr;
    for (auto &kv : arrays) {
        if (kv.first == "images") im = &kv.second;
        if (kv.first == "labels") lab = &kv.second;
    }
    if (!im || !lab) throw rt::IOError(file + ": needs arrays 'images' (float32, NHWC) and 'labels' (integers)");
    Dataset d;
    d.file = file;
    std::vector<int64_t> want(input.shape.dims.begin() + 1, input.shape.dims.end());
    if (im->shape.size() != want.size() + 1 || !std::equal(want.begin(), want.end(), im->shape.begin() + 1))
        throw rt::IOError(file + ": 'images' is " + im->shape_str() + " but the network's input '" + input.name +
                          "' takes " + input.shape.str());
    d.count = im->shape[0];
    if (lab->shape != std::vector<int64_t>{d.count})
        throw rt::IOError(file + ": 'labels' is " + lab->shape_str() + "; it needs one label per image, [" +
                          std::to_string(d.count) + "]");
    if (d.count == 0) throw rt::IOError(file + ": holds no examples");
    for (int64_t i = 0; i < d.count; i++) {
        float l = lab->data[i];
        if (!(l >= 0 && l < classes && l == std::floor(l))) {
            std::ostringstream v;
            v << l;
            throw rt::IOError(file + ": labels[" + std::to_string(i) + "] = " + v.str() + " is not a class id in [0, " +
                              std::to_string(classes) + ") (the network's logits have " + std::to_string(classes) +
                              " classes)");
        }
    }
    for (float v : im->data)
        if (!std::isfinite(v)) throw rt::IOError(file + ": 'images' holds a non-finite value");
    d.shape = want;
    d.per_example = im->size() / d.count;
    d.images = im->data;
    d.labels = lab->data;
    return d;
}

std::string clock_str(double s) {
    int t = int(s + 0.5);
    char b[32];
    std::snprintf(b, sizeof b, "%d:%02d", t / 60, t % 60);
    return b;
}

// Accuracy in inference mode (moving statistics, no dropout), in batches.
double evaluate(grad::TrainStep &step, const Dataset &d, int batch) {
    int64_t right = 0;
    for (int64_t at = 0; at < d.count; at += batch) {
        int n = int(std::min<int64_t>(batch, d.count - at));
        step.forward(d.images.data() + at * d.per_example, d.labels.data() + at, n, false, 0);
        right += step.correct();
    }
    return double(right) / d.count;
}

void write_checkpoint(const std::string &file, const ir::Graph &g, grad::TrainStep &step,
                      const grad::OptimizerState &opt) {
    weights::WeightMap w;
    step.store(w);
    rt::NamedArrays out = weights::in_graph_order(g, w);
    weights::WeightMap slots;
    opt.save(slots);
    for (const std::string &n : opt.slot_names()) out.emplace_back(n, slots.at(n));
    // Written aside, then renamed: an interrupted write leaves the last checkpoint whole.
    std::string tmp = file + ".tmp";
    rt::write_npz(tmp, out);
    if (std::rename(tmp.c_str(), file.c_str()) != 0) throw rt::IOError(file + ": cannot write the checkpoint");
}

void write_gradients(const std::string &file, double loss, grad::TrainStep &step) {
    rt::NamedArrays out;
    out.emplace_back("loss", rt::Array{{}, {float(loss)}});
    for (auto &v : step.variables())
        if (v.trainable)
            out.emplace_back(v.name, rt::Array{v.shape, std::vector<float>(v.grad.data(), v.grad.data() +
                                                                               v.grad.number_of_elements())});
    rt::write_npz(file, out);
}

}  // namespace

int Driver::train_command(int m) {
    auto g = entry_graph(m);
    if (!g) return fail();
    std::unique_ptr<grad::TrainStep> step;
    try {
        step = std::make_unique<grad::TrainStep>(*g);
    } catch (const grad::Unsupported &e) {
        diag_.error(e.loc, e.what());
        return fail();
    }
    if (opt_.weights.empty() && opt_.random_seed < 0) {
        err_ << "netc: error: train needs --weights INIT.npz or --random-weights SEED\n";
        return kExitUsage;
    }
    rt::NamedArrays init;
    weights::WeightMap w;
    if (!opt_.weights.empty()) {
        init = rt::read_npz(opt_.weights);
        w = weights::bind_weights(*g, init, opt_.weights);
    } else {
        w = weights::random_weights(*g, uint64_t(opt_.random_seed));
    }
    step->load(w);
    const ir::Node &input = step->images_input();
    Dataset train = load_dataset(opt_.data, input, step->classes());
    Dataset val;
    if (!opt_.validation.empty()) val = load_dataset(opt_.validation, input, step->classes());
    int batch = int(opt_.batch > 0 ? opt_.batch : 32);

    if (!opt_.gradients.empty() && opt_.output.empty()) {
        // The loss and gradients of the first `batch` examples, as they are.
        int n = int(std::min<int64_t>(batch, train.count));
        double loss = step->forward(train.images.data(), train.labels.data(), n, true, int(opt_.seed));
        if (!std::isfinite(loss)) throw rt::IOError(opt_.data + ": the loss of the first batch is not finite");
        step->backward();
        write_gradients(opt_.gradients, loss, *step);
        out_ << g->name << ": loss " << std::setprecision(6) << loss << " on " << n << " examples; gradients -> "
             << opt_.gradients << "\n";
        return kExitOk;
    }

    grad::OptimizerOptions oo;
    oo.kind = opt_.optimizer == "adam" ? "adam" : "momentum";
    oo.lr = opt_.lr;
    oo.momentum = opt_.optimizer == "sgd" ? 0 : opt_.momentum;
    grad::OptimizerState opt(oo, step->variables());
    if (!init.empty() && opt.restore(init)) err_ << "netc train: resuming the optimizer's state from " << opt_.weights << "\n";

    if (batch > train.count) batch = int(train.count);
    int64_t per_epoch = train.count / batch;
    int64_t total = per_epoch * opt_.epochs;
    if (opt_.steps > 0) total = std::min(total, opt_.steps);
    std::mt19937_64 rng(uint64_t(opt_.seed));
    std::vector<int64_t> order(train.count);
    std::vector<float> xb(size_t(batch) * size_t(train.per_example)), yb(static_cast<size_t>(batch));
    bool tty = isatty(2);
    auto t_start = std::chrono::steady_clock::now();
    auto seconds = [&]() { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(); };
    int64_t done = 0;
    for (int64_t epoch = 1; done < total; epoch++) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        double loss_sum = 0;
        int64_t right = 0, seen = 0;
        for (int64_t b = 0; b < per_epoch && done < total; b++) {
            for (int i = 0; i < batch; i++) {
                int64_t e = order[b * batch + i];
                std::copy_n(train.images.data() + e * train.per_example, train.per_example,
                            xb.data() + i * train.per_example);
                yb[i] = train.labels[e];
            }
            double loss = step->forward(xb.data(), yb.data(), batch, true, int(done + 1 + opt_.seed * 7919));
            if (!std::isfinite(loss)) {
                err_ << (tty ? "\n" : "") << "netc: error: step " << done + 1 << " (epoch " << epoch
                     << "): the loss is not finite (" << loss << "); try a smaller --lr"
                     << (epoch > 1 ? "; the checkpoint " + opt_.output + " of epoch " + std::to_string(epoch - 1) +
                                         " is intact"
                                   : "")
                     << "\n";
                return kExitUserError;
            }
            step->backward();
            if (done == 0 && !opt_.gradients.empty()) write_gradients(opt_.gradients, loss, *step);
            opt.step();
            done++;
            // The first step compiles the kernels: rates and ETA count from its end.
            if (done == 1) t_start = std::chrono::steady_clock::now();
            loss_sum += loss;
            right += step->correct();
            seen += batch;
            if (tty || done == total || (b + 1) % std::max<int64_t>(1, per_epoch / 4) == 0) {
                double s = seconds();
                err_ << (tty ? "\r" : "") << "epoch " << epoch << " step " << b + 1 << "/" << per_epoch << "  loss "
                     << std::fixed << std::setprecision(4) << loss_sum / (b + 1) << "  accuracy "
                     << std::setprecision(1) << 100.0 * right / seen << "%  " << std::setprecision(0)
                     << (done - 1) * batch / std::max(s, 1e-9) << " images/s  ETA "
                     << clock_str(done > 1 ? s / (done - 1) * (total - done) : 0) << (tty ? "   " : "\n") << std::defaultfloat;
            }
        }
        if (tty) err_ << "\n";
        std::ostringstream line;
        line << "epoch " << epoch << ": loss " << std::fixed << std::setprecision(4) << loss_sum / std::max<int64_t>(1, seen / batch)
             << ", training accuracy " << std::setprecision(2) << 100.0 * right / std::max<int64_t>(seen, 1) << "%";
        if (!val.images.empty()) line << ", validation accuracy " << 100.0 * evaluate(*step, val, batch) << "%";
        line << " (" << std::setprecision(1) << seconds() << " s after the first step)";
        out_ << line.str() << "\n" << std::flush;
        write_checkpoint(opt_.output, *g, *step, opt);
    }
    if (opt_.verbose)
        err_ << "netc train: " << grad::kernels_compiled() << " kernels compiled in " << std::fixed
             << std::setprecision(0) << grad::compile_ms() << " ms\n";
    out_ << g->name << ": " << done << " steps; weights -> " << opt_.output << "\n";
    return kExitOk;
}

}  // namespace netc
