"""Reference oracle: dump TF-slim reference networks for netc's tests.

netc describes networks that mirror tf_slim.nets; its C++ tests compare netc's
IR (variable names, shapes, trainability, output / end-point shapes) with the
real framework. This script builds each net in graph mode with its own
arg_scope (num_classes=1000, batch 1, default input size, is_training=False)
and writes OUT_DIR/NET.txt (format: oracle_format.py).

Run with the venv from setup_oracle.sh:
  VENV/bin/python tests/oracle/dump_tf.py OUT_DIR [NET ...] [--check-forward]

build() returns the graph plus a name -> tf.Variable map, and load_weights() /
forward() take arrays keyed by those names (TF layouts, e.g. an .npz);
forward_tf.py runs the reference that way for the forward conformance tests.
"""
import collections
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide C++ INFO/WARNING noise
warnings.filterwarnings("ignore")  # tf_slim's tf.compat.v1.layers deprecations

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_slim as slim  # noqa: E402
from tf_slim.nets import alexnet, inception_v3, resnet_v1, resnet_v2, vgg  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_format import check_weights, parse_cli, report, write_dump  # noqa: E402

tf.get_logger().setLevel("ERROR")
v1 = tf.compat.v1

# netc name -> (net fn, arg_scope fn); input size is the fn's default_image_size.
NETS = collections.OrderedDict([
    ("resnet_v1_50", (resnet_v1.resnet_v1_50, resnet_v1.resnet_arg_scope)),
    ("resnet_v1_101", (resnet_v1.resnet_v1_101, resnet_v1.resnet_arg_scope)),
    ("resnet_v1_152", (resnet_v1.resnet_v1_152, resnet_v1.resnet_arg_scope)),
    ("resnet_v2_50", (resnet_v2.resnet_v2_50, resnet_v2.resnet_arg_scope)),
    ("resnet_v2_101", (resnet_v2.resnet_v2_101, resnet_v2.resnet_arg_scope)),
    ("resnet_v2_152", (resnet_v2.resnet_v2_152, resnet_v2.resnet_arg_scope)),
    ("resnet_v2_200", (resnet_v2.resnet_v2_200, resnet_v2.resnet_arg_scope)),
    ("inception_v3", (inception_v3.inception_v3, inception_v3.inception_v3_arg_scope)),
    ("vgg_a", (vgg.vgg_a, vgg.vgg_arg_scope)),
    ("vgg_16", (vgg.vgg_16, vgg.vgg_arg_scope)),
    ("vgg_19", (vgg.vgg_19, vgg.vgg_arg_scope)),
    ("alexnet_v2", (alexnet.alexnet_v2, alexnet.alexnet_v2_arg_scope)),
])

Model = collections.namedtuple(
    "Model", "name graph inputs logits end_points variables trainable")


def input_size(name):
    fn = NETS[name][0]
    return getattr(fn, "default_image_size", 224)


def build(name, batch=1, num_classes=1000, size=None, seed=0):
    """Builds NET in a fresh tf.Graph (inference mode) for a [batch, H, W, 3]
    input; size is H = W, an (H, W) pair, or None for the net's default size.
    seed is the graph-level seed, so running the initializers is repeatable.

    Returns Model(name, graph, inputs placeholder [N,H,W,3], logits [N,classes]
    (spatially squeezed here for the resnets, whose fn returns [N,1,1,classes]),
    end_points dict, variables OrderedDict name -> tf.Variable in creation
    order (names without ':0'), trainable set of names).
    """
    fn, arg_scope = NETS[name]
    size = size or input_size(name)
    height, width = (size, size) if isinstance(size, int) else size
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        inputs = v1.placeholder(tf.float32, [batch, height, width, 3], name="input")
        with slim.arg_scope(arg_scope()):
            logits, end_points = fn(inputs, num_classes=num_classes, is_training=False)
        if logits.shape.rank == 4:  # tf_slim resnets have no spatial_squeeze
            logits = tf.squeeze(logits, [1, 2], name="logits_squeezed")
        variables = collections.OrderedDict(
            (v.op.name, v) for v in v1.global_variables())
        trainable = {v.op.name for v in v1.trainable_variables()}
    return Model(name, graph, inputs, logits, end_points, variables, trainable)


def dump(model, out_dir):
    variables = [(n, v.shape.as_list(), n in model.trainable)
                 for n, v in model.variables.items()]
    endpoints = [(k, t.shape.as_list()) for k, t in model.end_points.items()
                 if t.shape.is_fully_defined()]
    return write_dump(out_dir, model.name, "tf-slim", model.inputs.shape.as_list(),
                      model.logits.shape.as_list(), variables, endpoints)


def load_weights(model, sess, arrays):
    """Assigns arrays (mapping netc/TF name -> ndarray, e.g. np.load(npz)) to
    every variable of model in sess; names and shapes must match exactly
    (else oracle_format.WeightsError, before anything is assigned)."""
    check_weights({n: v.shape.as_list() for n, v in model.variables.items()}, arrays)
    feed = {}
    for name, var in model.variables.items():
        value = np.asarray(arrays[name], dtype=np.float32)
        feed[var.initializer.inputs[1]] = value  # what var.load() feeds, but in one run
    sess.run([v.initializer for v in model.variables.values()], feed)


def forward(model, sess, x):
    """Runs the logits on an NHWC float32 input; returns an ndarray."""
    return sess.run(model.logits, {model.inputs: np.asarray(x, np.float32)})


def check_forward(model, seed=0):
    """Smoke: random TF-layout arrays -> load_weights() -> every variable reads
    back equal, and forward() gives finite logits of the dumped output shape."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for n, v in model.variables.items():
        a = rng.standard_normal(v.shape.as_list(), dtype=np.float32) * 0.05
        arrays[n] = np.abs(a) + 0.5 if n.endswith("moving_variance") else a
    x = rng.standard_normal(model.inputs.shape.as_list(), dtype=np.float32)
    with v1.Session(graph=model.graph) as sess:
        load_weights(model, sess, arrays)
        back = sess.run(model.variables)
        assert all(np.array_equal(back[n], arrays[n]) for n in arrays)
        y = forward(model, sess, x)
    assert y.shape == tuple(model.logits.shape.as_list()) and np.all(np.isfinite(y))
    return float(np.abs(y).max())


def main(argv=None):
    args = parse_cli(__doc__, NETS, "also run the load_weights/forward smoke per net", argv)
    for name in args.nets:
        t0 = time.time()
        model = build(name)
        path, tr, ntr = dump(model, args.out_dir)
        note = " (forward ok, max|logit| %.3g)" % check_forward(model) if args.check_forward else ""
        report(name, t0, path, tr, ntr, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
