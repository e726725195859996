"""PyTorch references of the cases in tests/ops/ops_import.net that TensorFlow
lacks (grouped and transposed convolutions with PyTorch's padding, ceil_mode
and dilated pools, edge padding, PyTorch's resize modes and activations,
channel shuffle, NCHW flatten), computed with PyTorch's own ops.

Run with Debian's python3 (python3-torch); same interface as forward_ops.py:
  python3 forward_torch.py --dir WORK CASE...   # WORK/CASE/{W.npz,X.npy} -> WORK/CASE/R.npy
  python3 forward_torch.py --list               # the case names, one a line

netc's tensors are NHWC and its weights in TF layouts; each case converts
to PyTorch's NCHW and layouts, runs the op, and converts back. Exit status:
0 when every case ran.
"""
import os
import sys
import traceback

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_grad_enabled(False)


class Weights:
    """W.npz by netc's names: w("conv/weights") reads CASE/conv/weights."""

    def __init__(self, path, case):
        self.case = case
        self.arrays = {}
        if os.path.exists(path):
            with np.load(path) as z:
                self.arrays = {k[:-4] if k.endswith(".npy") else k: z[k] for k in z.files}
        self.used = set()

    def __call__(self, leaf):
        name = self.case + "/" + leaf
        if name not in self.arrays:
            raise KeyError("%s: no variable %r (has: %s)" % (self.case, name, ", ".join(sorted(self.arrays))))
        self.used.add(name)
        return torch.from_numpy(self.arrays[name].astype(np.float32))

    def has(self, leaf):
        return self.case + "/" + leaf in self.arrays


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(y):
    return y.permute(0, 2, 3, 1)


def hwio_to_oihw(k):
    """TF's [kh, kw, in, out] (conv2d) or [kh, kw, out, in] (conv2d_transpose)
    as PyTorch's [out, in, kh, kw] or [in, out, kh, kw]: the same permutation."""
    return k.permute(3, 2, 0, 1)


def batch_norm(y, w, scope, eps=0.001, scale=False):
    """slim.batch_norm (center, inference) on NCHW, as F.batch_norm."""
    gamma = w(scope + "/gamma") if scale else None
    return F.batch_norm(y, w(scope + "/moving_mean"), w(scope + "/moving_variance"), gamma, w(scope + "/beta"),
                        False, 0.0, eps)


def finish(y, w, scope, bn, act):
    """NCHW conv output -> batch norm or biases -> activation -> NHWC."""
    if bn:
        y = batch_norm(y, w, scope + "/BatchNorm")
    elif w.has(scope + "/biases"):
        y = y + w(scope + "/biases").view(1, -1, 1, 1)
    return nhwc(act(y))


def conv(x, w, scope="conv", stride=1, padding=0, dilation=1, groups=1, act=F.relu, bn=False):
    """conv2d with PyTorch's padding: an int/pair, ((t, b), (l, r)) via F.pad, or 'same'."""
    x = nchw(x)
    if isinstance(padding, tuple) and isinstance(padding[0], tuple):
        (t, b), (l, r) = padding
        x = F.pad(x, (l, r, t, b))
        padding = 0
    y = F.conv2d(x, hwio_to_oihw(w(scope + "/weights")), None, stride, padding, dilation, groups)
    return finish(y, w, scope, bn, act)


def conv_t(x, w, scope="up", stride=1, padding=0, output_padding=0, dilation=1, groups=1, act=F.relu, bn=False,
           crop=None):
    """ConvTranspose2d; crop ((t, b), (l, r)) trims the full output for asymmetric padding."""
    y = F.conv_transpose2d(nchw(x), hwio_to_oihw(w(scope + "/weights")), None, stride, padding, output_padding,
                           groups, dilation)
    if crop:
        (t, b), (l, r) = crop
        y = y[:, :, t:y.shape[2] - b, l:y.shape[3] - r]
    return finish(y, w, scope, bn, act)


def ident(x):
    return x


def times4(x):
    return 4.0 * x


# ---------------------------------------------------------------- cases

CASES = {}


def case(fn):
    assert fn.__name__.startswith("op_") and fn.__name__ not in CASES, fn.__name__
    CASES[fn.__name__] = fn
    return fn


# grouped conv2d
@case
def op_gconv3x3_g4_pad1(x, w): return conv(x, w, padding=1, groups=4, act=ident)
@case
def op_gconv3x3_g32_s2_bn(x, w): return conv(x, w, stride=2, padding=1, groups=32, bn=True)
@case
def op_gconv1x1_g2(x, w): return conv(x, w, groups=2, act=ident)
@case
def op_gconv3x3_g6_c48(x, w): return conv(x, w, padding=1, groups=6)
@case
def op_gconv3x3_g7_c168(x, w): return conv(x, w, stride=2, padding=1, groups=7, act=ident)
@case
def op_gconv3x3_g5_odd(x, w): return conv(x, w, padding=1, groups=5, act=ident)
@case
def op_gconv3x3_depthwise_m2(x, w): return conv(x, w, padding=1, groups=16, act=ident)
@case
def op_gconv3x3_rate2_same(x, w): return conv(x, w, padding="same", dilation=2, groups=2, act=ident)
@case
def op_gconv5x5_s2_asym_nobias(x, w): return conv(x, w, stride=2, padding=((1, 2), (2, 1)), groups=8)


# pools
def pool(fn, x, *args, **kwargs):
    return nhwc(fn(nchw(x), *args, **kwargs))
@case
def op_maxpool3x3_s2_ceil(x, w): return pool(F.max_pool2d, x, 3, 2, ceil_mode=True)
@case
def op_maxpool3x3_s2_pad1_ceil(x, w): return pool(F.max_pool2d, x, 3, 2, 1, ceil_mode=True)
@case
def op_maxpool2x2_s2_pad1_ceil_drop(x, w): return pool(F.max_pool2d, x, 2, 2, 1, ceil_mode=True)
@case
def op_maxpool3x3_rate2(x, w): return pool(F.max_pool2d, x, 3, 1, 1, dilation=2)
@case
def op_maxpool3x3_rate2_s2_ceil(x, w): return pool(F.max_pool2d, x, 3, 2, 1, dilation=(2, 1), ceil_mode=True)
@case
def op_avgpool3x3_s2_ceil_incl(x, w): return pool(F.avg_pool2d, x, 3, 2, 1, ceil_mode=True)
@case
def op_avgpool3x3_s2_ceil_excl(x, w):
    return pool(F.avg_pool2d, x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
@case
def op_avgpool3x3_s1_pad1_excl(x, w): return pool(F.avg_pool2d, x, 3, 1, 1, count_include_pad=False)
@case
def op_avgpool2x2_s2_ceil_valid(x, w): return pool(F.avg_pool2d, x, 2, 2, ceil_mode=True)


# pad, resize
@case
def op_pad_edge(x, w): return nhwc(F.pad(nchw(x), (2, 4, 3, 1), mode="replicate"))
@case
def op_resize_nearest_x2(x, w): return nhwc(F.interpolate(nchw(x), scale_factor=2, mode="nearest"))
@case
def op_resize_nearest_size(x, w): return nhwc(F.interpolate(nchw(x), size=(11, 9), mode="nearest"))
@case
def op_resize_nearest_prefer_floor_ties(x, w):
    # Asymmetric x / 2 rounded half down is PyTorch's floor(x / 2).
    return nhwc(F.interpolate(nchw(x), scale_factor=2, mode="nearest"))
@case
def op_resize_bilinear_torch(x, w):
    return nhwc(F.interpolate(nchw(x), scale_factor=2, mode="bilinear", align_corners=False))
@case
def op_resize_bilinear_align(x, w):
    return nhwc(F.interpolate(nchw(x), size=(9, 8), mode="bilinear", align_corners=True))


# conv2d_transpose
@case
def op_convt3x3_s2_p1_op1(x, w): return conv_t(x, w, stride=2, padding=1, output_padding=1, act=ident)
@case
def op_convt4x4_s2_p1(x, w): return conv_t(x, w, stride=2, padding=1)
@case
def op_convt2x2_s2(x, w): return conv_t(x, w, stride=2, act=ident)
@case
def op_convt3x3_rate2(x, w): return conv_t(x, w, padding=1, dilation=2, act=ident)
@case
def op_convt3x3_g4(x, w): return conv_t(x, w, stride=2, padding=1, output_padding=1, groups=4, act=ident)
@case
def op_convt_s2x3_asym_bn(x, w): return conv_t(x, w, stride=(2, 3), crop=((1, 0), (2, 1)), bn=True)


# activations
@case
def op_hard_sigmoid(x, w): return F.hardsigmoid(times4(x))
@case
def op_hard_swish(x, w): return F.hardswish(times4(x))
@case
def op_conv_hard_swish(x, w): return conv(x, w, padding=1, act=F.hardswish)
@case
def op_conv_hard_sigmoid_scope(x, w): return conv(x, w, act=F.hardsigmoid)
@case
def op_invres_hard_swish(x, w):
    e = conv(x, w, "expand", act=F.hardswish)
    c = e.shape[3]
    d = F.conv2d(nchw(e), w("dw/depthwise_weights").permute(2, 3, 0, 1), w("dw/biases"), 1, 1, 1, c)
    return x + conv(nhwc(F.hardswish(d)), w, "project", act=ident)


# channels
def shuffle(x, groups):
    return nhwc(torch.nn.ChannelShuffle(groups)(nchw(x)))
@case
def op_channel_shuffle_g2(x, w): return shuffle(x, 2)
@case
def op_channel_shuffle_g3(x, w): return shuffle(x, 3)
@case
def op_channel_shuffle_g4_c20(x, w): return shuffle(F.relu(x), 4)
@case
def op_shufflenet_unit(x, w):
    # torchvision's InvertedResidual (stride 1): chunk, branch2, cat, channel_shuffle.
    a, b = nchw(x).chunk(2, dim=1)
    b = conv(nhwc(b), w, "conv1", bn=True)
    d = F.conv2d(nchw(b), w("dw/depthwise_weights").permute(2, 3, 0, 1), None, 1, 1, 1, b.shape[3])
    b = conv(nhwc(batch_norm(d, w, "dw/BatchNorm")), w, "conv2", bn=True)
    return shuffle(nhwc(torch.cat([a, nchw(b)], dim=1)), 2)
@case
def op_gather_shuffle3(x, w):
    a, b, c = nchw(x).chunk(3, dim=1)
    return shuffle(nhwc(torch.cat([c, F.relu(a), b], dim=1)), 3)
@case
def op_flatten_nchw(x, w): return torch.flatten(nchw(x), 1)
@case
def op_flatten_nchw_fc(x, w):
    return F.linear(torch.flatten(nchw(x), 1), w("fc/weights").t(), w("fc/biases"))


# ---------------------------------------------------------------- driver

def run_case(name, w_path, x_path, out_path):
    x = torch.from_numpy(np.load(x_path).astype(np.float32))
    w = Weights(w_path, name)
    y = CASES[name](x, w).contiguous().numpy()
    unused = sorted(set(w.arrays) - w.used)
    if unused:
        raise ValueError("%s: weights not used by the reference: %s" % (name, ", ".join(unused)))
    np.save(out_path, y.astype(np.float32))


def main(argv):
    if argv[:1] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if argv[:1] != ["--dir"] or len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    work, failed = argv[1], 0
    for name in argv[2:]:
        d = os.path.join(work, name)
        out = os.path.join(d, "R.npy")
        try:
            if os.path.exists(out):
                os.remove(out)
            if name not in CASES:
                raise KeyError("no reference for case %r" % name)
            run_case(name, os.path.join(d, "W.npz"), os.path.join(d, "X.npy"), out)
        except Exception as e:  # report and go on with the other cases
            failed += 1
            sys.stderr.write("forward_torch: %s: %s: %s\n" % (name, type(e).__name__, e))
            if os.environ.get("FORWARD_OPS_TRACE"):
                traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
