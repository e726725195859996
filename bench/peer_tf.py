"""TensorFlow peer for bench/compare.sh: TF-slim's own resnet_v2_50, the
very network netc compiles, random weights, graph mode (oneDNN), the
reference protocol. Prints `tf MEAN SD` (seconds per batch). Run with the
oracle venv's python (tensorflow-cpu + tf-slim)."""
import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_slim as slim  # noqa: E402
from tf_slim.nets import resnet_v2  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=1)
p.add_argument("--steps", type=int, default=100)
p.add_argument("--burn-in", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
v1 = tf.compat.v1
v1.disable_eager_execution()
x = v1.placeholder(tf.float32, [a.batch, 224, 224, 3])
with slim.arg_scope(resnet_v2.resnet_arg_scope()):
    logits, _ = resnet_v2.resnet_v2_50(x, num_classes=1000, is_training=False)
config = v1.ConfigProto(intra_op_parallelism_threads=a.threads, inter_op_parallelism_threads=1)
with v1.Session(config=config) as sess:
    sess.run(v1.global_variables_initializer())
    feed = {x: np.random.default_rng(0).standard_normal([a.batch, 224, 224, 3], dtype=np.float32)}
    for _ in range(a.burn_in):
        sess.run(logits, feed)
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        sess.run(logits, feed)
        times.append(time.perf_counter() - t0)
print("tf %.6f %.6f" % (np.mean(times), np.std(times)))
