"""grad_nets.net and digits.net written again in PyTorch from TF-slim's
definitions (TF's SAME padding, TF weight layouts, slim's l2_regularizer), as
the oracle for netc train: variables are leaf tensors in TF layout, named as
netc names them, so autograd's gradients compare name by name."""
import math

import torch
import torch.nn.functional as F


def same_pads(size, k, s, r=1):
    """TF's SAME padding along one axis: (before, after)."""
    k_eff = (k - 1) * r + 1
    out = -(-size // s)
    total = max((out - 1) * s + k_eff - size, 0)
    return total // 2, total - total // 2


class Net:
    def __init__(self, weights, decay=0.9, eps=1e-3, weight_decay=0.01):
        self.v = {k: torch.tensor(a, dtype=torch.float64, requires_grad=not k.endswith(("moving_mean", "moving_variance")))
                  for k, a in weights.items()}
        self.decay, self.eps, self.wd = decay, eps, weight_decay
        self.l2 = []  # variables slim's l2_regularizer applies to

    def conv(self, x, name, k, stride=1, rate=1, pad="SAME", act=F.relu, bn=True, bias=False, l2=True):
        w = self.v[name + "/weights"]
        if l2:
            self.l2.append(w)
        if pad == "SAME":
            (t, b), (l, r) = same_pads(x.shape[2], k, stride, rate), same_pads(x.shape[3], k, stride, rate)
        elif pad == "VALID":
            t = b = l = r = 0
        else:
            (t, b), (l, r) = pad
        x = F.pad(x, (l, r, t, b))
        y = F.conv2d(x, w.permute(3, 2, 0, 1), stride=stride, dilation=rate)
        if bias:
            y = y + self.v[name + "/biases"].view(1, -1, 1, 1)
        if bn:
            y = self.batch_norm(y, name + "/BatchNorm", scale=True)
        return act(y) if act else y

    def batch_norm(self, x, scope, scale, center=True):
        c = x.shape[1]
        gamma = self.v[scope + "/gamma"] if scale else torch.ones(c, dtype=x.dtype)
        beta = self.v[scope + "/beta"] if center else torch.zeros(c, dtype=x.dtype)
        mm, mv = self.v[scope + "/moving_mean"], self.v[scope + "/moving_variance"]
        return F.batch_norm(x, mm, mv, gamma, beta, training=True, momentum=1 - self.decay, eps=self.eps)

    def depthwise(self, x, name, k, mult, pad, act, stride=1, leaf="depthwise_weights", bias=True):
        w = self.v[name + "/" + leaf]  # [kh, kw, cin, mult]; no regularizer (not a conv2d default)
        cin = x.shape[1]
        if pad == "SAME":
            (t, b), (l, r) = same_pads(x.shape[2], k, stride), same_pads(x.shape[3], k, stride)
            x = F.pad(x, (l, r, t, b))
        wt = w.permute(2, 3, 0, 1).reshape(cin * mult, 1, k, k)
        y = F.conv2d(x, wt, groups=cin, stride=stride)
        if bias:
            y = y + self.v[name + "/biases"].view(1, -1, 1, 1)
        return act(y) if act else y

    def separable(self, x, name, outs, k, mult, stride, act):
        """slim's separable_conv2d: depthwise, then a 1x1 conv with the biases."""
        y = self.depthwise(x, name, k, mult, "SAME", None, stride, "depthwise_weights", bias=False)
        pw = self.v[name + "/pointwise_weights"]
        return act(F.conv2d(y, pw.permute(3, 2, 0, 1)) + self.v[name + "/biases"].view(1, -1, 1, 1))

    def max_pool(self, x, k, s, pad):
        (t, b), (l, r) = same_pads(x.shape[2], k, s), same_pads(x.shape[3], k, s)
        return F.max_pool2d(F.pad(x, (l, r, t, b), value=-math.inf), k, s)

    def avg_pool(self, x, k, s):
        """TF's SAME average: divides by the taps inside the image."""
        (t, b), (l, r) = same_pads(x.shape[2], k, s), same_pads(x.shape[3], k, s)
        total = F.avg_pool2d(F.pad(x, (l, r, t, b)), k, s) * (k * k)
        ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype)
        count = F.avg_pool2d(F.pad(ones, (l, r, t, b)), k, s) * (k * k)
        return total / count

    def fc(self, x, name, act, l2=True):
        w = self.v[name + "/weights"]
        if l2:
            self.l2.append(w)
        y = x @ w + self.v[name + "/biases"]
        return act(y) if act else y

    def loss(self, logits, labels):
        ce = F.cross_entropy(logits, labels)
        return ce + sum(self.wd * (w * w).sum() / 2 for w in self.l2)


def cnn(net, x, labels):
    x = x.permute(0, 3, 1, 2)
    x = net.conv(x, "cnn/conv1", 3, stride=2)
    x = net.conv(x, "cnn/conv2", 3, rate=2, act=torch.tanh, bn=False, bias=True)
    x = net.depthwise(x, "cnn/dw", 3, 2, "VALID", lambda t: torch.clamp(t, 0, 6))
    x = net.separable(x, "cnn/sep", 16, 3, 2, 2, F.relu)
    x = net.max_pool(x, 2, 1, "SAME")
    x = net.avg_pool(x, 2, 1)
    shifted = F.avg_pool2d(F.pad(x, (1, 0, 0, 1), value=0.5), 2, 1)
    x = torch.cat([x, shifted], dim=1)
    x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # NHWC order, as slim's flatten
    x = net.fc(x, "cnn/fc1", torch.sigmoid)
    logits = net.fc(x, "cnn/logits", None)
    return logits, net.loss(logits, labels)


def resnet(net, x, labels):
    x = x.permute(0, 3, 1, 2)
    x = net.conv(x, "resnet/stem", 3, pad="VALID")

    def residual(x, scope, filters, stride):
        shortcut = x if stride == 1 else net.conv(x, scope + "/shortcut", 1, stride=stride, act=None)
        y = net.conv(x, scope + "/conv1", 3, stride=stride, pad=((1, 1), (1, 1)))
        y = net.conv(y, scope + "/conv2", 3, pad=((0, 2), (1, 1)), act=None, bn=False)
        return F.relu(shortcut + y)

    x = residual(x, "resnet/block1", 6, 1)
    x = residual(x, "resnet/block2", 8, 2)
    x = F.avg_pool2d(x, 3, 1, padding=1)  # count_include_pad, as netc's explicit padding
    x = F.relu(net.batch_norm(x, "resnet/postnorm", scale=False))
    x = x.mean(dim=(2, 3), keepdim=True)
    x = net.conv(x, "resnet/logits", 1, act=None, bn=False, bias=True)
    logits = x.reshape(x.shape[0], -1)
    return logits, net.loss(logits, labels)


NETWORKS = {"cnn": cnn, "resnet": resnet}
