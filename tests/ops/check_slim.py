"""Cross-check of forward_ops.py against tf_slim's own layers (optional).

After `run_ops.sh --self-check NETC VENV WORK`, rebuilds a few composite cases
with tf_slim (conv2d/separable_conv2d/fully_connected with a batch_norm
normalizer, resnet_utils.conv2d_same, batch_norm, avg_pool2d) in graph mode,
loads WORK/CASE/W.npz into slim's variables (so netc's variable names must be
slim's: every W.npz key must be a slim variable and vice versa), and compares
with WORK/CASE/R.npy.
  VENV/bin/python tests/ops/check_slim.py WORK
"""
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")
sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_slim as slim  # noqa: E402
from tf_slim.nets import resnet_utils  # noqa: E402

tf.get_logger().setLevel("ERROR")
v1 = tf.compat.v1
v1.disable_eager_execution()


def bn(**kw):
    return dict(normalizer_fn=slim.batch_norm, normalizer_params=dict(is_training=False, **kw))


CASES = {
    "op_conv3x3_bn_scale": lambda x: slim.conv2d(x, 24, 3, stride=2, scope="conv", **bn(scale=True, epsilon=1e-5)),
    "op_conv3x3_bn_plain": lambda x: slim.conv2d(x, 8, 3, activation_fn=tf.nn.tanh, scope="conv",
                                                 **bn(center=False, scale=False, epsilon=0.01)),
    "op_sep3x3_bn": lambda x: slim.separable_conv2d(x, 16, 3, 1, scope="sep", **bn(scale=True)),
    "op_sep3x3_m2_s2_same": lambda x: slim.separable_conv2d(x, 24, 3, 2, stride=2, scope="sep"),
    "op_sep3x3_rate2_valid": lambda x: slim.separable_conv2d(x, 8, 3, 1, rate=2, padding="VALID",
                                                             activation_fn=None, scope="sep"),
    "op_sep3x3_dw_only": lambda x: slim.separable_conv2d(x, None, 3, 2, stride=2, activation_fn=None, scope="sep"),
    "op_conv2d_same_k7_s2": lambda x: resnet_utils.conv2d_same(x, 8, 7, 2, scope="conv"),
    "op_conv2d_same_k4_s2": lambda x: resnet_utils.conv2d_same(x, 8, 4, 2, scope="conv"),
    "op_fc_bn": lambda x: slim.fully_connected(slim.flatten(x), 24, scope="fc", **bn(scale=True)),
    "op_fc": lambda x: slim.fully_connected(slim.flatten(x), 10, scope="fc"),
    "op_bn_relu": lambda x: slim.batch_norm(x, is_training=False, scale=True, epsilon=1e-5,
                                            activation_fn=tf.nn.relu, scope="bn"),
    "op_bn_rank2": lambda x: slim.batch_norm(slim.flatten(x), is_training=False, scale=True, scope="bn"),
    "op_avgpool3x3_s2_same": lambda x: slim.avg_pool2d(x, 3, stride=2, padding="SAME"),
    "op_logits_squeeze": lambda x: tf.squeeze(slim.conv2d(tf.reduce_mean(x, [1, 2], keepdims=True), 10, 1,
                                                          activation_fn=None, scope="logits"), [1, 2]),
}


def main(work):
    bad = 0
    for c, build in CASES.items():
        d = os.path.join(work, c)
        x_val = np.load(os.path.join(d, "X.npy"))
        weights = dict(np.load(os.path.join(d, "W.npz")))
        g = tf.Graph()
        with g.as_default():
            x = v1.placeholder(tf.float32, x_val.shape)
            with v1.variable_scope(c):
                y = build(x)
            variables = {v.op.name: v for v in v1.global_variables()}
            names_differ = sorted(set(weights) ^ set(variables))
            with v1.Session() as s:
                s.run(v1.global_variables_initializer())
                for k, v in variables.items():
                    if k in weights:
                        s.run(v.assign(weights[k]))
                out = s.run(y, {x: x_val})
        r = np.load(os.path.join(d, "R.npy"))
        diff = float(np.abs(out - r).max()) if out.shape == r.shape else float("inf")
        ok = not names_differ and diff <= 1e-5 * max(1.0, float(np.abs(r).max()))
        bad += not ok
        print("slim %s: max|slim-R| %.3g%s %s" % (c, diff, " names differ: %s" % names_differ if names_differ else "",
                                                 "ok" if ok else "FAIL"))
    print("check_slim: %d cases, %d failed" % (len(CASES), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
