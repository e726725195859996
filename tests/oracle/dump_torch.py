"""Reference oracle: dump torchvision reference networks under netc's names.

netc names every variable TF-slim style and stores tensors in TF layouts; the
torchvision nets (resnet18/34, mobilenet_v2) are its references for models
TF-slim lacks. This script builds each one (weights=None: no download, eval
mode), maps every parameter / BN buffer to its netc name with the shape
transposed to the TF layout, and writes OUT_DIR/NET.txt (format:
oracle_format.py). Run with Debian's torch:
  /usr/bin/python3 tests/oracle/dump_torch.py OUT_DIR [NET ...] [--check-forward]

build() returns the model plus a netc name -> Slot(torch tensor, layout) map;
to_netc() / load_weights() convert between the two, and forward() takes an
NHWC input; forward_torch.py runs the reference on an .npz of netc weights.
"""
import collections
import math
import os
import sys
import time

import numpy as np
import torch
import torchvision

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_format import check_weights, parse_cli, report, write_dump  # noqa: E402

# netc name -> (torchvision constructor, scope prefix, expected trainable count)
NETS = collections.OrderedDict([
    ("resnet_v1_18", (torchvision.models.resnet18, "resnet_v1_18", 11689512)),
    ("resnet_v1_34", (torchvision.models.resnet34, "resnet_v1_34", 21797672)),
    ("mobilenet_v2", (torchvision.models.mobilenet_v2, "MobilenetV2", 3504872)),
])
INPUT_SIZE = 224
# BN order as tf_slim 1.1.0 really creates it with these nets' arg_scopes (the
# Keras-layer path: gamma before beta; only _fused_batch_norm makes beta first).
# dump_tf.py shows it: resnet_v1_50/conv1/BatchNorm/{gamma,beta,moving_*}.
BN_ORDER = (("gamma", "weight"), ("beta", "bias"),
            ("moving_mean", "running_mean"), ("moving_variance", "running_var"))
Model = collections.namedtuple("Model", "name module tensors trainable")
# One netc variable: the torch tensor, its layout (vector / conv / depthwise /
# linear), for depthwise the group count C of its [C*m,1,kh,kw] weight, and
# its torchvision state_dict key (filled in by build()).
Slot = collections.namedtuple("Slot", "tensor layout groups torch_name",
                              defaults=(None,))


def to_tf(slot):
    """Torch tensor -> TF layout view (no copy)."""
    t = slot.tensor
    if slot.layout == "conv":  # [co,ci,kh,kw] -> [kh,kw,ci,co]
        return t.permute(2, 3, 1, 0)
    if slot.layout == "depthwise":  # [C*m,1,kh,kw] (o = c*m + j) -> [kh,kw,C,m]
        return t.reshape(slot.groups, -1, *t.shape[2:]).permute(2, 3, 0, 1)
    if slot.layout == "linear":  # [out,in] -> [in,out]
        return t.t()
    return t


def from_tf(slot, a):
    """TF-layout torch tensor -> the slot's torch layout (inverse of to_tf)."""
    if slot.layout == "conv":
        return a.permute(3, 2, 0, 1)
    if slot.layout == "depthwise":
        return a.permute(2, 3, 0, 1).reshape(slot.tensor.shape)
    if slot.layout == "linear":
        return a.t()
    return a


def _conv_bn(entries, scope, conv, bn):
    """Adds scope/weights (or depthwise_weights) and scope/BatchNorm/* ."""
    if conv.groups == 1:
        entries.append((scope + "/weights", Slot(conv.weight, "conv", 1)))
    else:
        assert conv.groups == conv.in_channels, conv
        entries.append((scope + "/depthwise_weights",
                        Slot(conv.weight, "depthwise", conv.groups)))
    assert conv.bias is None, scope
    for tf_name, attr in BN_ORDER:
        entries.append(("%s/BatchNorm/%s" % (scope, tf_name),
                        Slot(getattr(bn, attr), "vector", 1)))


def _resnet_entries(m, p):
    e = []
    _conv_bn(e, p + "/conv1", m.conv1, m.bn1)
    for li in range(1, 5):
        for i, blk in enumerate(getattr(m, "layer%d" % li)):
            s = "%s/block%d/unit_%d/basic_block" % (p, li, i + 1)
            _conv_bn(e, s + "/conv1", blk.conv1, blk.bn1)
            _conv_bn(e, s + "/conv2", blk.conv2, blk.bn2)
            if blk.downsample is not None:
                _conv_bn(e, s + "/shortcut", blk.downsample[0], blk.downsample[1])
    e += [(p + "/logits/weights", Slot(m.fc.weight, "linear", 1)),
          (p + "/logits/biases", Slot(m.fc.bias, "vector", 1))]
    return e


def _mobilenet_entries(m, p):
    e = []
    f = m.features
    _conv_bn(e, p + "/Conv", f[0][0], f[0][1])
    for k in range(1, 18):
        s = p + "/expanded_conv" + ("" if k == 1 else "_%d" % (k - 1))
        pairs, mods = [], list(f[k].conv)
        while mods:  # Conv2dNormActivation, or a bare Conv2d followed by its BN
            mod = mods.pop(0)
            pairs.append((mod[0], mod[1]) if isinstance(mod, torch.nn.Sequential)
                         else (mod, mods.pop(0)))
        names = ["expand", "depthwise", "project"][3 - len(pairs):]
        assert pairs[names.index("depthwise")][0].groups > 1, s
        for name, (conv, bn) in zip(names, pairs):
            _conv_bn(e, s + "/" + name, conv, bn)
    _conv_bn(e, p + "/Conv_1", f[18][0], f[18][1])
    lin = m.classifier[1]
    e += [(p + "/Logits/weights", Slot(lin.weight, "linear", 1)),
          (p + "/Logits/biases", Slot(lin.bias, "vector", 1))]
    return e


def build(name, num_classes=1000):
    """Returns Model(name, module in eval mode, tensors OrderedDict netc name ->
    Slot(tensor, layout, groups) in module order, trainable set of names).
    The module's initial values come from torch's global RNG (torch.manual_seed)."""
    ctor, prefix, _ = NETS[name]
    module = ctor(weights=None, num_classes=num_classes).eval()
    entries = (_mobilenet_entries if name.startswith("mobilenet") else _resnet_entries)(
        module, prefix)
    tensors = collections.OrderedDict(entries)
    assert len(tensors) == len(entries), "duplicate netc name"
    # Every parameter / buffer (bar num_batches_tracked) mapped exactly once.
    state = [(k, t) for k, t in module.state_dict(keep_vars=True).items()
             if not k.endswith("num_batches_tracked")]
    keys = {id(t): k for k, t in state}
    got = collections.Counter(id(slot.tensor) for slot in tensors.values())
    assert len(keys) == len(state) and got == collections.Counter(list(keys)), \
        "torch state not mapped exactly once"
    for n, slot in tensors.items():
        tensors[n] = slot._replace(torch_name=keys[id(slot.tensor)])
    params = {id(t) for t in module.parameters()}
    trainable = {n for n, slot in tensors.items() if id(slot.tensor) in params}
    return Model(name, module, tensors, trainable)


def to_netc(model):
    """netc name -> float32 ndarray in TF layout (what an .npz would hold)."""
    with torch.no_grad():
        return collections.OrderedDict(
            (n, to_tf(slot).detach().numpy().astype(np.float32).copy())
            for n, slot in model.tensors.items())


def load_weights(model, arrays):
    """Copies netc-named TF-layout arrays (e.g. np.load(npz)) into the module;
    names and shapes must match exactly (else oracle_format.WeightsError,
    before anything is copied)."""
    check_weights({n: to_tf(slot).shape for n, slot in model.tensors.items()}, arrays)
    with torch.no_grad():
        for n, slot in model.tensors.items():
            a = torch.from_numpy(np.asarray(arrays[n], dtype=np.float32))
            slot.tensor.copy_(from_tf(slot, a))


def forward(model, x_nhwc):
    """Runs the eval-mode module on an NHWC float32 input; returns an ndarray."""
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc, dtype=np.float32))
    with torch.no_grad():
        return model.module(x.permute(0, 3, 1, 2).contiguous()).numpy()


def dump(model, out_dir):
    x = np.zeros([1, INPUT_SIZE, INPUT_SIZE, 3], np.float32)
    out_shape = forward(model, x).shape
    variables = [(n, tuple(to_tf(slot).shape), n in model.trainable)
                 for n, slot in model.tensors.items()]
    return write_dump(out_dir, model.name, "torchvision", x.shape, out_shape, variables)


def check_forward(model, seed=0):
    """Smoke: randomise model A (BN stats too), export to netc arrays, load them
    into a fresh model B, and require bit-identical outputs on an NHWC input."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for n, slot in model.tensors.items():
            t = slot.tensor
            t.copy_(torch.rand_like(t) + 0.5 if n.endswith("moving_variance")
                    else torch.randn_like(t) * 0.05)
    arrays = to_netc(model)
    other = build(model.name)
    load_weights(other, arrays)
    x = np.random.default_rng(seed).standard_normal([1, INPUT_SIZE, INPUT_SIZE, 3])
    ya, yb = forward(model, x), forward(other, x)
    assert np.all(np.isfinite(ya)) and np.array_equal(ya, yb)
    return float(np.abs(ya).max())


def main(argv=None):
    args = parse_cli(__doc__, NETS, "also run the export/load/forward round-trip per net", argv)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in args.nets:
        t0 = time.time()
        model = build(name)
        path, tr, ntr = dump(model, args.out_dir)
        n_params = sum(math.prod(p.shape) for p in model.module.parameters())
        assert tr == n_params == NETS[name][2], (name, tr, n_params, NETS[name][2])
        note = " (round-trip ok, max|logit| %.3g)" % check_forward(model) if args.check_forward else ""
        report(name, t0, path, tr, ntr, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
