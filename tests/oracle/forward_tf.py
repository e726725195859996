"""Reference forward pass of a TF-slim net on netc-named weights.

  VENV/bin/python tests/oracle/forward_tf.py NET W.npz X.npy OUT.npy
  VENV/bin/python tests/oracle/forward_tf.py NET W.npz X.npy OUT.npy --export-init SEED

Builds NET (dump_tf.build) for X's batch and spatial size, loads W by exact
name set, and writes the network output (the squeezed main logits
[N, classes]) as float32 .npy. --export-init is the self-check: W.npz is
written from TF's own seeded initializers instead (see
oracle_format.forward_main). Graph mode, is_training=False, CPU only, a
fixed thread count and op determinism, so reruns give the same bits.
"""
import os
import sys
import time

STARTED = time.time()
os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the reference is the CPU kernels

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dump_tf  # noqa: E402  (imports TensorFlow, quietly)
from oracle_format import forward_main  # noqa: E402

tf, v1 = dump_tf.tf, dump_tf.v1
THREADS = 2  # fixed, so Eigen splits reductions the same way on any machine


def logits_weights(net):
    if net == "inception_v3":
        return "InceptionV3/Logits/Conv2d_1c_1x1/weights"
    if net.startswith("resnet"):
        return net + "/logits/weights"
    return net + "/fc8/weights"  # vgg_*, alexnet_v2


class Runner:
    def __init__(self, net, x_shape, num_classes, seed):
        n, h, w, _ = x_shape
        self.model = dump_tf.build(net, n, num_classes, (h, w), seed)
        config = v1.ConfigProto(intra_op_parallelism_threads=THREADS,
                                inter_op_parallelism_threads=THREADS)
        self.sess = v1.Session(graph=self.model.graph, config=config)

    def values(self):
        """TF's own initial values (seeded by build()); only --export-init needs them."""
        self.sess.run([v.initializer for v in self.model.variables.values()])
        return dict(self.sess.run(self.model.variables))

    def load(self, arrays):
        dump_tf.load_weights(self.model, self.sess, arrays)

    def forward(self, x):
        return dump_tf.forward(self.model, self.sess, x)


if __name__ == "__main__":
    tf.config.experimental.enable_op_determinism()
    sys.exit(forward_main("forward_tf", dump_tf.NETS, logits_weights, Runner, STARTED))
