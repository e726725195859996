"""TensorFlow peer: TF-slim's own resnet_v2_50, the very network netc
compiles, random weights, graph mode (oneDNN), the reference protocol. Run
with the oracle venv's python (tests/oracle/setup_oracle.sh: tensorflow-cpu
2.12 + tf-slim)."""
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_slim as slim  # noqa: E402
from tf_slim.nets import resnet_v2  # noqa: E402

import protocol  # noqa: E402

a = protocol.arguments(__doc__).parse_args()
v1 = tf.compat.v1
v1.disable_eager_execution()
x = v1.placeholder(tf.float32, [a.batch, 224, 224, 3])
with slim.arg_scope(resnet_v2.resnet_arg_scope()):
    logits, _ = resnet_v2.resnet_v2_50(x, num_classes=1000, is_training=False)
config = v1.ConfigProto(intra_op_parallelism_threads=a.threads, inter_op_parallelism_threads=1)
with v1.Session(config=config) as sess:
    sess.run(v1.global_variables_initializer())
    feed = {x: np.random.default_rng(0).standard_normal([a.batch, 224, 224, 3], dtype=np.float32)}
    protocol.run("tf", lambda: sess.run(logits, feed), a, version=tf.__version__)
