"""Reference outputs of the per-op cases in tests/ops/ops.net (and, from
forward_ops_import.py, those of ops_import.net TensorFlow has), computed with
TensorFlow's own ops (TF semantics are the oracle; the explicit-padding pools
follow PyTorch's semantics, built from tf.pad + a VALID pool).

Run with the TF venv (tensorflow-cpu 2.12 + tf_slim):
  python forward_ops.py CASE W.npz X.npy OUT.npy [CASE W.npz X.npy OUT.npy ...]
  python forward_ops.py --dir WORK CASE...   # WORK/CASE/{W.npz,X.npy} -> WORK/CASE/R.npy
  python forward_ops.py --list               # the case names, one a line

Weights are read by the names netc gives them (see `netc --emit=ir`):
CASE/<scope>/<leaf>, in TF layouts. Each case below restates the op's
parameters as written in ops.net (it does not read netc's IR), so a wrong
elaboration shows up as a mismatch. Exit status: 0 when every case ran.
"""
import os
import sys
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")
sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")

nn = tf.nn
relu, relu6, sigmoid, tanh = nn.relu, nn.relu6, nn.sigmoid, nn.tanh


def ident(x):
    return x


def softmax(x):
    return nn.softmax(x, axis=-1)


# ---------------------------------------------------------------- weights

class Weights:
    """W.npz keyed by netc's variable names; w("conv/weights") reads CASE/conv/weights."""

    def __init__(self, path, case):
        self.case = case
        self.arrays = {}
        if os.path.exists(path):  # a network without variables may have none
            with np.load(path) as z:
                self.arrays = {self._norm(k): z[k] for k in z.files}
        self.used = set()

    @staticmethod
    def _norm(key):
        for suffix in (".npy", ":0"):
            if key.endswith(suffix):
                key = key[: -len(suffix)]
        return key

    def __call__(self, leaf):
        name = self.case + "/" + leaf
        if name not in self.arrays:
            raise KeyError("%s: no variable %r in the weights (has: %s)"
                           % (self.case, name, ", ".join(sorted(self.arrays))))
        self.used.add(name)
        return tf.constant(self.arrays[name].astype(np.float32))


# ---------------------------------------------------------------- TF building blocks

def pads4(p):
    """netc's explicit amounts p, (ph, pw) or ((t, b), (l, r)) as tf.pad's list."""
    if isinstance(p, int):
        p = ((p, p), (p, p))
    elif isinstance(p[0], int):
        p = ((p[0], p[0]), (p[1], p[1]))
    return [[0, 0], list(p[0]), list(p[1]), [0, 0]]


def tf_padding(padding):
    return padding if isinstance(padding, str) else pads4(padding)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def batch_norm(y, w, scope, eps=0.001, center=True, scale=False):
    """slim.batch_norm in inference mode: moving statistics."""
    gamma = w(scope + "/gamma") if scale else None
    beta = w(scope + "/beta") if center else None
    return nn.batch_normalization(y, w(scope + "/moving_mean"), w(scope + "/moving_variance"),
                                  beta, gamma, eps)


def conv(x, w, scope="conv", stride=1, padding="SAME", rate=1, act=relu, biases=True, bn=None):
    """slim.conv2d: conv, then batch_norm (bn: its kwargs) or biases, then the activation."""
    y = nn.conv2d(x, w(scope + "/weights"), strides=pair(stride), padding=tf_padding(padding),
                  dilations=pair(rate))
    if bn is not None:
        y = batch_norm(y, w, scope + "/BatchNorm", **bn)
    elif biases:
        y = nn.bias_add(y, w(scope + "/biases"))
    return act(y)


def dwconv(x, w, scope="dw", stride=1, padding="SAME", rate=1, act=relu, biases=True, bn=None):
    sh, sw = pair(stride)
    y = nn.depthwise_conv2d(x, w(scope + "/depthwise_weights"), [1, sh, sw, 1], tf_padding(padding),
                            dilations=pair(rate))
    if bn is not None:
        y = batch_norm(y, w, scope + "/BatchNorm", **bn)
    elif biases:
        y = nn.bias_add(y, w(scope + "/biases"))
    return act(y)


def sepconv(x, w, scope="sep", stride=1, padding="SAME", rate=1, act=relu, biases=True, bn=None):
    sh, sw = pair(stride)
    y = nn.separable_conv2d(x, w(scope + "/depthwise_weights"), w(scope + "/pointwise_weights"),
                            [1, sh, sw, 1], padding, dilations=pair(rate))
    if bn is not None:
        y = batch_norm(y, w, scope + "/BatchNorm", **bn)
    elif biases:
        y = nn.bias_add(y, w(scope + "/biases"))
    return act(y)


def fc(x, w, scope="fc", act=relu, biases=True, bn=None):
    y = tf.matmul(x, w(scope + "/weights"))
    if bn is not None:
        y = batch_norm(y, w, scope + "/BatchNorm", **bn)
    elif biases:
        y = nn.bias_add(y, w(scope + "/biases"))
    return act(y)


def conv2d_same(x, w, num_outputs, k, stride, scope="conv"):
    """tf_slim.nets.resnet_utils.conv2d_same (rate 1), activation relu as ops.net's default."""
    if stride == 1:
        return conv(x, w, scope, 1, "SAME")
    beg = (k - 1) // 2
    end = k - 1 - beg
    x = tf.pad(x, [[0, 0], [beg, end], [beg, end], [0, 0]])
    return conv(x, w, scope, stride, "VALID")


def max_pool(x, k, stride=2, padding="VALID"):
    if not isinstance(padding, str):
        # PyTorch's MaxPool2d: the padding never wins the max.
        x = tf.pad(x, pads4(padding), constant_values=-np.inf)
        padding = "VALID"
    return nn.max_pool2d(x, pair(k), pair(stride), padding)


def avg_pool(x, k, stride=2, padding="VALID"):
    if not isinstance(padding, str):
        # PyTorch's AvgPool2d(count_include_pad=True): zeros count.
        x = tf.pad(x, pads4(padding))
        padding = "VALID"
    # TF's SAME average excludes the padding from the count.
    return nn.avg_pool2d(x, pair(k), pair(stride), padding)


def flatten(x):
    return tf.reshape(x, [tf.shape(x)[0], -1])


def mean(x, keep=False):
    return tf.reduce_mean(x, [1, 2], keepdims=keep)


# ---------------------------------------------------------------- cases

CASES = {}


def case(fn):
    name = fn.__name__
    assert name.startswith("op_") and name not in CASES, name
    CASES[name] = fn
    return fn


BN_SCALE5 = dict(scale=True, eps=1e-5)

# conv2d
@case
def op_conv1x1_s1(x, w): return conv(x, w)
@case
def op_conv1x1_s2_same(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv1x1_s2_valid(x, w): return conv(x, w, stride=2, padding="VALID", act=ident)
@case
def op_conv3x3_s1_same(x, w): return conv(x, w, act=ident)
@case
def op_conv3x3_s1_valid(x, w): return conv(x, w, padding="VALID")
@case
def op_conv3x3_s2_same(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv3x3_s2_same_even(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv3x3_s2_valid(x, w): return conv(x, w, stride=2, padding="VALID", act=ident)
@case
def op_conv3x3_s1x2_same(x, w): return conv(x, w, stride=(1, 2), act=ident)
@case
def op_conv3x3_c16(x, w): return conv(x, w, act=ident)
@case
def op_conv3x3_c40(x, w): return conv(x, w, act=ident)
@case
def op_conv2x2_s1_same(x, w): return conv(x, w, act=ident)
@case
def op_conv4x4_s2_same(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv5x5_s1_same(x, w): return conv(x, w, act=ident)
@case
def op_conv5x5_s2_same(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv5x5_s2_valid(x, w): return conv(x, w, stride=2, padding="VALID", act=ident)
@case
def op_conv7x7_s1_same(x, w): return conv(x, w, act=ident)
@case
def op_conv7x7_s1_valid(x, w): return conv(x, w, padding="VALID", act=ident)
@case
def op_conv7x7_s2_same(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv1x7_same(x, w): return conv(x, w, act=ident)
@case
def op_conv7x1_same(x, w): return conv(x, w, act=ident)
@case
def op_conv1x7_valid(x, w): return conv(x, w, padding="VALID", act=ident)
@case
def op_conv7x1_valid(x, w): return conv(x, w, padding="VALID", act=ident)
@case
def op_conv1x7_s2_same(x, w): return conv(x, w, stride=2, act=ident)
@case
def op_conv3x3_rate2_same(x, w): return conv(x, w, rate=2, act=ident)
@case
def op_conv3x3_rate2_valid(x, w): return conv(x, w, rate=2, padding="VALID", act=ident)
@case
def op_conv3x3_rate2x3_same(x, w): return conv(x, w, rate=(2, 3), act=ident)
@case
def op_conv2x2_rate2_same(x, w): return conv(x, w, rate=2, act=ident)
@case
def op_conv3x3_nobias(x, w): return conv(x, w, biases=False, act=ident)
@case
def op_conv3x3_nobias_relu(x, w): return conv(x, w, stride=2, biases=False)

# conv2d activations
@case
def op_conv3x3_relu(x, w): return conv(x, w, act=relu)
@case
def op_conv3x3_relu6(x, w): return conv(x, w, act=relu6)
@case
def op_conv3x3_sigmoid(x, w): return conv(x, w, act=sigmoid)
@case
def op_conv3x3_tanh(x, w): return conv(x, w, act=tanh)
@case
def op_conv3x3_identity(x, w): return conv(x, w, act=ident)
@case
def op_conv1x1_softmax(x, w): return conv(x, w, act=softmax)

# conv2d + batch_norm
@case
def op_conv3x3_bn(x, w): return conv(x, w, bn={})
@case
def op_conv3x3_bn_scale(x, w): return conv(x, w, stride=2, bn=BN_SCALE5)
@case
def op_conv3x3_bn_nocenter(x, w): return conv(x, w, bn=dict(center=False, scale=True), act=ident)
@case
def op_conv3x3_bn_plain(x, w): return conv(x, w, bn=dict(center=False, eps=0.01), act=tanh)
@case
def op_conv1x1_bn_relu6(x, w): return conv(x, w, bn=BN_SCALE5, act=relu6)

# explicit conv padding
@case
def op_conv3x3_s2_pad1(x, w): return conv(x, w, stride=2, padding=1, act=ident)
@case
def op_conv7x7_s2_pad3(x, w): return conv(x, w, stride=2, padding=3, biases=False, act=ident)
@case
def op_conv3x3_pad_hw(x, w): return conv(x, w, padding=(0, 2), act=ident)
@case
def op_conv5x5_pad_asym(x, w): return conv(x, w, padding=((1, 2), (0, 3)), act=ident)

# resnet_utils.conv2d_same
@case
def op_conv2d_same_k3_s2(x, w): return conv2d_same(x, w, 16, 3, 2)
@case
def op_conv2d_same_k7_s2(x, w): return conv2d_same(x, w, 8, 7, 2)
@case
def op_conv2d_same_k3_s1(x, w): return conv2d_same(x, w, 8, 3, 1)
@case
def op_conv2d_same_k4_s2(x, w): return conv2d_same(x, w, 8, 4, 2)
@case
def op_conv5x5_same_tiny(x, w): return conv(x, w, act=ident)
@case
def op_conv3x3_s2_same_tiny(x, w): return conv(x, w, stride=2, act=ident)

# pad
@case
def op_pad_int(x, w): return tf.pad(x, pads4(2))
@case
def op_pad_asym(x, w): return tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]])
@case
def op_pad_value(x, w): return tf.pad(x, [[0, 0], [2, 1], [0, 1], [0, 0]], constant_values=-1.5)

# inverted residuals
@case
def op_invres_s1_add(x, w):
    d = dwconv(conv(x, w, "expand", act=relu6), w, "dw", act=relu6)
    return x + conv(d, w, "project", act=ident)
@case
def op_invres_s2_same_even(x, w):
    d = dwconv(conv(x, w, "expand", act=relu6), w, "dw", stride=2, act=relu6)
    return conv(d, w, "project", act=ident)
@case
def op_invres_s2_explicit_bn(x, w):
    e = conv(x, w, "expand", act=relu6, bn={})
    d = dwconv(tf.pad(e, pads4(1)), w, "dw", stride=2, padding="VALID", act=relu6, bn={})
    return conv(d, w, "project", act=ident, bn={})
@case
def op_invres_no_expand(x, w):
    return conv(dwconv(x, w, "dw", act=relu6), w, "project", act=ident)

# depthwise
@case
def op_dw3x3_s1_same(x, w): return dwconv(x, w)
@case
def op_dw3x3_s2_same(x, w): return dwconv(x, w, stride=2, act=ident)
@case
def op_dw3x3_s2_same_even(x, w): return dwconv(x, w, stride=2, act=ident)
@case
def op_dw3x3_m2_s1_same(x, w): return dwconv(x, w, act=ident)
@case
def op_dw3x3_m2_s2_same(x, w): return dwconv(x, w, stride=2, act=ident)
@case
def op_dw3x3_m2_c16(x, w): return dwconv(x, w, stride=2, act=ident)
@case
def op_dw5x5_s2_same(x, w): return dwconv(x, w, stride=2, act=ident)
@case
def op_dw3x3_valid(x, w): return dwconv(x, w, padding="VALID", act=ident)
@case
def op_dw3x3_rate2_m2(x, w): return dwconv(x, w, rate=2, act=ident)
@case
def op_dw1x5_same(x, w): return dwconv(x, w, act=tanh)
@case
def op_dw3x3_nobias(x, w): return dwconv(x, w, biases=False, act=ident)
@case
def op_dw3x3_s2_pad1_bn_relu6(x, w): return dwconv(x, w, stride=2, padding=1, bn=BN_SCALE5, act=relu6)

# separable
@case
def op_sep3x3_s1_same(x, w): return sepconv(x, w, act=ident)
@case
def op_sep3x3_m2_s2_same(x, w): return sepconv(x, w, stride=2)
@case
def op_sep3x3_rate2_valid(x, w): return sepconv(x, w, rate=2, padding="VALID", act=ident)
@case
def op_sep3x3_bn(x, w): return sepconv(x, w, bn=dict(scale=True))
@case
def op_sep3x3_dw_only(x, w): return dwconv(x, w, "sep", stride=2, act=ident)

# batch_norm
@case
def op_bn_default(x, w): return batch_norm(x, w, "bn")
@case
def op_bn_scale(x, w): return batch_norm(x, w, "bn", scale=True)
@case
def op_bn_nocenter_scale(x, w): return batch_norm(x, w, "bn", center=False, scale=True, eps=1e-5)
@case
def op_bn_plain(x, w): return batch_norm(x, w, "bn", center=False)
@case
def op_bn_relu(x, w): return relu(batch_norm(x, w, "bn", **BN_SCALE5))
@case
def op_bn_rank2(x, w): return batch_norm(flatten(x), w, "bn", scale=True)

# pools
@case
def op_maxpool3x3_s2_same(x, w): return max_pool(x, 3, 2, "SAME")
@case
def op_maxpool3x3_s2_valid(x, w): return max_pool(x, 3, 2, "VALID")
@case
def op_maxpool3x3_s2_same_even(x, w): return max_pool(x, 3, 2, "SAME")
@case
def op_maxpool2x2_s2_same(x, w): return max_pool(x, 2, 2, "SAME")
@case
def op_maxpool2x2_s2_valid(x, w): return max_pool(x, 2)
@case
def op_maxpool3x3_s1_same(x, w): return max_pool(x, 3, 1, "SAME")
@case
def op_maxpool1x3_s1x2_valid(x, w): return max_pool(x, (1, 3), (1, 2))
@case
def op_maxpool1x1_s2(x, w): return max_pool(x, 1, 2, "SAME")
@case
def op_avgpool3x3_s2_same(x, w): return avg_pool(x, 3, 2, "SAME")
@case
def op_avgpool3x3_s2_same_even(x, w): return avg_pool(x, 3, 2, "SAME")
@case
def op_avgpool3x3_s2_valid(x, w): return avg_pool(x, 3, 2, "VALID")
@case
def op_avgpool2x2_s2_same(x, w): return avg_pool(x, 2, 2, "SAME")
@case
def op_avgpool2x2_s2_valid(x, w): return avg_pool(x, 2)
@case
def op_avgpool3x3_s1_same(x, w): return avg_pool(x, 3, 1, "SAME")
@case
def op_avgpool5x5_s3_same(x, w): return avg_pool(x, 5, 3, "SAME")
@case
def op_avgpool_whole_valid(x, w): return avg_pool(x, (7, 9), 1)
@case
def op_maxpool3x3_s2_same_tiny(x, w): return max_pool(x, 3, 2, "SAME")
@case
def op_avgpool3x3_s2_same_tiny(x, w): return avg_pool(x, 3, 2, "SAME")
@case
def op_maxpool3x3_s2_pad1(x, w): return max_pool(x, 3, 2, 1)
@case
def op_maxpool3x3_s2_pad1_c5(x, w): return max_pool(x, 3, 2, 1)
@case
def op_avgpool3x3_s2_pad1(x, w): return avg_pool(x, 3, 2, 1)
@case
def op_avgpool3x3_s1_pad1(x, w): return avg_pool(x, 3, 1, 1)
@case
def op_avgpool2x2_pad_asym(x, w): return avg_pool(x, 2, 2, ((0, 1), (1, 0)))

# means
@case
def op_reduce_mean_keep(x, w): return mean(x, keep=True)
@case
def op_reduce_mean_nokeep(x, w): return mean(x)
@case
def op_reduce_mean_21(x, w): return tf.reduce_mean(x, [2, 1])
@case
def op_global_avg_pool(x, w): return mean(x, keep=True)
@case
def op_global_avg_pool_nokeep(x, w): return mean(x)

# concat, add
@case
def op_concat(x, w): return tf.concat([x, conv(x, w, act=ident), max_pool(x, 3, 1, "SAME")], 3)
@case
def op_concat_c16(x, w): return tf.concat([conv(x, w, act=ident), x], -1)
@case
def op_add(x, w): return tf.add(x, conv(x, w, act=ident))
@case
def op_add_fn(x, w): return tf.add(relu(x), x)
@case
def op_add_2d(x, w):
    m = mean(x)
    return m + fc(m, w, act=ident)

# activations
@case
def op_relu(x, w): return relu(x)
@case
def op_relu6(x, w): return relu6(8.0 * x)
@case
def op_sigmoid(x, w): return sigmoid(x)
@case
def op_tanh(x, w): return tanh(x)
@case
def op_identity(x, w): return tf.identity(tanh(x))
@case
def op_softmax_4d(x, w): return softmax(x)
@case
def op_softmax_4d_c40(x, w): return softmax(x + x)
@case
def op_softmax_2d(x, w): return softmax(flatten(x))

# flatten, fully_connected, squeeze, dropout
@case
def op_flatten(x, w): return flatten(x)
@case
def op_fc(x, w): return fc(flatten(x), w)
@case
def op_fc_none_c16(x, w): return fc(flatten(x), w, act=ident)
@case
def op_fc_nobias(x, w): return fc(mean(x), w, biases=False, act=ident)
@case
def op_fc_tanh(x, w): return fc(flatten(x), w, act=tanh)
@case
def op_fc_bn(x, w): return fc(flatten(x), w, bn=dict(scale=True))
@case
def op_squeeze(x, w): return tf.squeeze(mean(x, keep=True), [1, 2])
@case
def op_squeeze_all(x, w): return tf.squeeze(mean(x, keep=True), [1, 2])
@case
def op_logits_squeeze(x, w): return tf.squeeze(conv(mean(x, keep=True), w, "logits", act=ident), [1, 2])
@case
def op_squeeze_h(x, w): return tf.squeeze(conv(x, w, padding="VALID", act=ident), [1])
@case
def op_dropout(x, w): return tf.identity(relu(x))  # slim.dropout at inference
@case
def op_dropout_passthrough(x, w): return tf.identity(x)


# ---------------------------------------------------------------- driver

def run_case(name, w_path, x_path, out_path):
    x = tf.constant(np.load(x_path).astype(np.float32))
    w = Weights(w_path, name)
    y = CASES[name](x, w).numpy()
    unused = sorted(set(w.arrays) - w.used)
    if unused:
        raise ValueError("%s: weights not used by the reference: %s" % (name, ", ".join(unused)))
    np.save(out_path, y.astype(np.float32))


def main(argv):
    # The cases of ops_import.net that TensorFlow's ops compute.
    import forward_ops_import
    CASES.update(forward_ops_import.CASES)
    if argv[:1] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if argv[:1] == ["--dir"] and len(argv) >= 2:
        work = argv[1]
        jobs = [(c, os.path.join(work, c, "W.npz"), os.path.join(work, c, "X.npy"),
                 os.path.join(work, c, "R.npy")) for c in argv[2:]]
    elif argv and len(argv) % 4 == 0:
        jobs = [tuple(argv[i:i + 4]) for i in range(0, len(argv), 4)]
    else:
        sys.stderr.write(__doc__)
        return 2
    failed = 0
    for job in jobs:
        name = job[0]
        try:
            if os.path.exists(job[3]):
                os.remove(job[3])
            if name not in CASES:
                raise KeyError("no reference for case %r" % name)
            run_case(*job)
        except Exception as e:  # report and go on with the other cases
            failed += 1
            sys.stderr.write("forward_ops: %s: %s: %s\n" % (name, type(e).__name__, e))
            if os.environ.get("FORWARD_OPS_TRACE"):
                traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
