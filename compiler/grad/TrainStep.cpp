// Running a training step: the stages forward (training or inference
// mode), then backward from the loss, accumulating where a tensor feeds
// several stages. Everything a step computes is a kernel call (copies and
// reductions included), so that the calls, recorded, are the AOT step.
#include "TrainStep.h"

#include "Diagnostics.h"

#include <cmath>
#include <cstring>

namespace netc::grad {

namespace {

// Channels [at, at + count) of b, seen as a tensor of their own.
Buf channels(const Buf &b, int at, int count) {
    // A new view on b's memory (a copy of a Halide::Buffer would share,
    // and a crop would change, b's own shape).
    std::vector<halide_dimension_t> d(b.dimensions());
    for (int i = 0; i < b.dimensions(); i++) d[i] = {0, b.dim(i).extent(), b.dim(i).stride(), 0};
    d[0].extent = count;
    return Buf(const_cast<float *>(b.data()) + at, b.dimensions(), d.data());
}

// A view of b's memory with other dimensions (same number of values).
Buf view(const Buf &b, std::vector<int> dims) { return Buf(const_cast<float *>(b.data()), dims); }

// b's memory with shape's dimensions (a reshape).
Buf view_as(const Buf &b, const Buf &shape) {
    std::vector<int> dims;
    for (int i = 0; i < shape.dimensions(); i++) dims.push_back(shape.dim(i).extent());
    return view(b, dims);
}

Buf flat(const Buf &b) { return view(b, {int(b.number_of_elements())}); }

}  // namespace

void TrainStep::load(const weights::WeightMap &w) {
    for (Variable &v : vars_) {
        const rt::Array &a = w.at(v.name);
        std::memcpy(v.value.data(), a.data.data(), a.data.size() * sizeof(float));
    }
}

void TrainStep::store(weights::WeightMap &w) const {
    for (const Variable &v : vars_) {
        rt::Array &a = w[v.name];
        a.shape = v.shape;
        a.data.assign(v.value.data(), v.value.data() + v.value.number_of_elements());
    }
}

void TrainStep::allocate(int batch) {
    if (batch == batch_) return;
    batch_ = batch;
    for (Tensor &t : tensors_) {
        std::vector<int> d = t.dims;
        d.push_back(batch);
        t.value = Buf(d);
        t.grad = Buf(d);
        t.own_grad = t.grad;
        t.scratch = Buf(d);
    }
    for (Stage &s : stages_) {
        std::vector<int> d = tensors_[s.out].dims;
        d.push_back(batch);
        if (s.kind == StageKind::MaxPool || s.kind == StageKind::Dropout) s.scratch = Buf(d);
    }
    loss_per_example_ = Buf(batch);
}

std::vector<int> TrainStep::batch_dims(int tensor) const {
    std::vector<int> d = tensors_[tensor].dims;
    d.push_back(batch_);
    return d;
}

double TrainStep::forward(const float *images, const float *labels, int batch, bool training, int seed) {
    allocate(batch);
    training_ = training;
    // The caller's batch is read where it is (by backward and correct too).
    tensors_[images_].value = Buf(const_cast<float *>(images), batch_dims(images_));
    if (labels_ >= 0) tensors_[labels_].value = Buf(const_cast<float *>(labels), batch_dims(labels_));
    for (Stage &s : stages_) run_stage(s, seed);
    if (!l2_) mean_loss(loss_per_example_, loss_);
    for (const Variable &v : vars_)
        if (v.l2 > 0) add_l2_penalty(v.l2, flat(v.value), loss_);
    return loss_(0);
}

int TrainStep::correct() const {
    if (labels_ < 0) throw InternalError("correct predictions without labels");
    count_correct(tensors_[logits_].value, tensors_[labels_].value, correct_);
    return int(correct_(0));
}

void TrainStep::run_stage(Stage &s, int seed) {
    Buf &y = tensors_[s.out].value;
    const Buf &x = tensors_[s.in[0]].value;
    switch (s.kind) {
    case StageKind::Conv: {
        const Buf &w = vars_[s.weights].value;
        const Buf *b = s.bias_stage >= 0 ? &vars_[stages_[s.bias_stage].biases].value : nullptr;
        const Buf *res = s.add_stage >= 0 ? &tensors_[s.residual].value : nullptr;
        Buf &out = s.add_stage >= 0    ? tensors_[stages_[s.add_stage].out].value
                   : s.bias_stage >= 0 ? tensors_[stages_[s.bias_stage].out].value
                                       : y;
        conv_forward(s.geom, x, w.dimensions() == 4 ? w : view(w, {w.dim(0).extent(), w.dim(1).extent(), 1, 1}), b,
                     res, out);
        break;
    }
    case StageKind::Depthwise:
        depthwise_forward(s.geom, int(s.node->multiplier), x, vars_[s.weights].value, y);
        break;
    case StageKind::Bias:
        if (!s.into_conv) bias_forward(x, vars_[s.biases].value, y);  // else the conv's forward added them
        break;
    case StageKind::BatchNorm: {
        const Buf &gamma = s.gamma >= 0 ? vars_[s.gamma].value : s.ones;
        const Buf &beta = s.beta >= 0 ? vars_[s.beta].value : s.zeros;
        float eps = float(s.node->norm->epsilon);
        // The activation that follows is applied here, into its own output.
        ir::Activation act = s.act_stage >= 0 ? stages_[s.act_stage].act : ir::Activation::None;
        Buf &out = s.act_stage >= 0 ? tensors_[stages_[s.act_stage].out].value : y;
        if (training_ && s.node->norm->training) {
            batch_stats(x, s.mean, s.var);
            batch_norm_forward(eps, act, x, s.mean, s.var, gamma, beta, out);
            moving_averages(s.node->norm->decay, x, s.mean, s.var, vars_[s.moving_mean].value,
                            vars_[s.moving_var].value);
        } else {
            batch_norm_forward(eps, act, x, vars_[s.moving_mean].value, vars_[s.moving_var].value, gamma, beta,
                               out);
        }
        break;
    }
    case StageKind::Activation:
        if (!s.into_norm) activation_forward(s.act, x, y);  // else the batch norm's forward applied it
        break;
    case StageKind::MaxPool: max_pool_forward(s.geom, x, y, s.scratch); break;
    case StageKind::AvgPool: avg_pool_forward(s.geom, s.node->count_padding, x, y); break;
    case StageKind::Mean: spatial_mean_forward(x, y); break;
    case StageKind::Reshape: copy(view_as(x, y), y); break;
    case StageKind::Add:
        if (!s.into_conv) add_forward(x, tensors_[s.in[1]].value, y);  // else the conv's forward added them
        break;
    case StageKind::Concat: {
        int at = 0;
        for (int i : s.in) {
            const Buf &xi = tensors_[i].value;
            Buf slice = channels(y, at, xi.dim(0).extent());
            copy(xi, slice);
            at += xi.dim(0).extent();
        }
        break;
    }
    case StageKind::Pad:
        pad_forward(int(s.node->padding.top), int(s.node->padding.left), float(s.node->pad_value), x, y);
        break;
    case StageKind::Dropout:
        if (training_) dropout_forward(float(s.node->keep_prob), seed, x, y, s.scratch);
        else copy(x, y);
        break;
    case StageKind::Loss: {
        Tensor &z = tensors_[s.in[0]];
        if (l2_) {
            l2_loss(z.value, loss_, z.scratch);
            break;
        }
        softmax_cross_entropy(z.value, tensors_[s.in[1]].value, loss_per_example_, z.scratch);
        break;
    }
    }
}

Buf &TrainStep::grad_target(int t) {
    Tensor &x = tensors_[t];
    x.into_scratch = x.grad_set;
    return x.grad_set ? x.scratch : x.grad;
}

void TrainStep::pass_grad(int t, const Buf &dy) {
    Tensor &x = tensors_[t];
    if (x.grad_set) {
        copy(dy, grad_target(t));
        grad_done(t);
        return;
    }
    x.grad = dy;
    x.grad_set = true;
    x.into_scratch = false;
}

void TrainStep::grad_done(int t) {
    Tensor &x = tensors_[t];
    if (x.into_scratch) accumulate(x.grad, x.scratch);
    x.grad_set = true;
}

void TrainStep::backward() {
    for (Tensor &t : tensors_) {
        t.grad_set = false;
        t.grad = t.own_grad;
    }
    // The loss stage left dL/dlogits in the logits' scratch.
    Tensor &z = tensors_[logits_];
    copy(z.scratch, z.grad);
    z.grad_set = true;
    // A stage's backward writes (never adds to) its variables' gradients;
    // variables no stage reaches keep a zero gradient, zeroed after.
    std::vector<bool> written(vars_.size(), false);
    for (int i = int(stages_.size()) - 1; i >= 0; i--)
        if (stages_[i].kind != StageKind::Loss && tensors_[stages_[i].out].grad_set &&
            tensors_[stages_[i].out].needs_grad) {
            Stage &s = stages_[i];
            backward_stage(s);
            for (int v : {s.weights, s.biases, s.gamma, s.beta})
                if (v >= 0) written[v] = true;
        }
    for (size_t i = 0; i < vars_.size(); i++)
        if (vars_[i].trainable && !written[i]) {
            Buf g = flat(vars_[i].grad);
            zero(g);
        }
    for (Variable &v : vars_)
        if (v.trainable && v.l2 > 0) {
            Buf g = flat(v.grad);
            add_scaled(float(v.l2), flat(v.value), g);
        }
}

void TrainStep::backward_stage(Stage &s) {
    const Buf &dy = tensors_[s.out].grad;
    const Buf &y = tensors_[s.out].value;
    int xi = s.in[0];
    const Buf &x = tensors_[xi].value;
    bool to_x = tensors_[xi].needs_grad;
    switch (s.kind) {
    case StageKind::Conv: {
        Variable &w = vars_[s.weights];
        bool fc = w.value.dimensions() == 2;
        Buf wv = fc ? view(w.value, {w.value.dim(0).extent(), w.value.dim(1).extent(), 1, 1}) : w.value;
        Buf wg = fc ? view(w.grad, {w.grad.dim(0).extent(), w.grad.dim(1).extent(), 1, 1}) : w.grad;
        conv_backward_filter(s.geom, dy, x, wg);
        if (to_x) {
            conv_backward_data(s.geom, dy, wv, grad_target(xi));
            grad_done(xi);
        }
        return;
    }
    case StageKind::Depthwise: {
        Variable &w = vars_[s.weights];
        int m = int(s.node->multiplier);
        depthwise_backward_filter(s.geom, m, dy, x, w.grad);
        if (to_x) {
            depthwise_backward_data(s.geom, m, dy, w.value, grad_target(xi));
            grad_done(xi);
        }
        return;
    }
    case StageKind::Bias:
        channel_sum(dy, vars_[s.biases].grad);
        break;
    case StageKind::BatchNorm: {
        const Buf &gamma = s.gamma >= 0 ? vars_[s.gamma].value : s.ones;
        bool batch = training_ && s.node->norm->training;
        const Buf &mean = batch ? s.mean : vars_[s.moving_mean].value;
        const Buf &var = batch ? s.var : vars_[s.moving_var].value;
        // Without scale or center, their gradients go to the stage's scratch.
        Buf &dgamma = s.gamma >= 0 ? vars_[s.gamma].grad : s.scratch;
        Buf &dbeta = s.beta >= 0 ? vars_[s.beta].grad : s.scratch2;
        if (s.act_stage >= 0) {
            const Stage &a = stages_[s.act_stage];
            batch_norm_activation_backward(float(s.node->norm->epsilon), batch, a.act, tensors_[a.out].grad,
                                           tensors_[a.out].value, x, mean, var, gamma, grad_target(xi), dgamma,
                                           dbeta);
        } else {
            batch_norm_backward(float(s.node->norm->epsilon), batch, dy, x, mean, var, gamma, grad_target(xi),
                                dgamma, dbeta);
        }
        grad_done(xi);
        return;
    }
    case StageKind::Activation:
        if (s.into_norm) {
            tensors_[xi].grad_set = true;  // the batch norm's backward reads dy through the activation
            return;
        }
        activation_backward(s.act, dy, y, grad_target(xi));
        grad_done(xi);
        return;
    case StageKind::MaxPool:
        max_pool_backward(s.geom, dy, s.scratch, grad_target(xi));
        grad_done(xi);
        return;
    case StageKind::AvgPool:
        avg_pool_backward(s.geom, s.node->count_padding, dy, grad_target(xi));
        grad_done(xi);
        return;
    case StageKind::Mean:
        spatial_mean_backward(dy, grad_target(xi));
        grad_done(xi);
        return;
    case StageKind::Add:
        // One input takes dy itself, the others copies: two gradients
        // sharing memory would add into each other.
        for (size_t j = 0; j < s.in.size(); j++) {
            int i = s.in[j];
            if (!tensors_[i].needs_grad) continue;
            bool first = true;
            for (size_t k = 0; k < j; k++) first = first && !tensors_[s.in[k]].needs_grad;
            if (first) {
                pass_grad(i, dy);
            } else {
                copy(dy, grad_target(i));
                grad_done(i);
            }
        }
        return;
    case StageKind::Concat: {
        int at = 0;
        for (int i : s.in) {
            int c = tensors_[i].dims[0];
            if (tensors_[i].needs_grad) {
                copy(channels(dy, at, c), grad_target(i));
                grad_done(i);
            }
            at += c;
        }
        return;
    }
    case StageKind::Pad:
        if (to_x) {
            pad_backward(int(s.node->padding.top), int(s.node->padding.left), dy, grad_target(xi));
            grad_done(xi);
        }
        return;
    case StageKind::Dropout:
        if (training_) dropout_backward(float(s.node->keep_prob), dy, s.scratch, grad_target(xi));
        else copy(dy, grad_target(xi));
        grad_done(xi);
        return;
    case StageKind::Reshape: {
        Buf t = view_as(grad_target(xi), dy);
        copy(dy, t);
        grad_done(xi);
        return;
    }
    case StageKind::Loss: return;
    }
    // Bias: the gradient passes through unchanged.
    if (to_x) pass_grad(xi, dy);
}

}  // namespace netc::grad
