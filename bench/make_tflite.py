"""Makes the TFLite peer's model: Keras' MobileNetV2 (weights=None: random,
nothing downloaded), converted by TFLiteConverter at a static batch, with its
FLOPs per image beside it (OUT.json) so bench/ can check them against netc's.

  build/oracle-venv/bin/python bench/make_tflite.py --batch B -o OUT.tflite

Runs in the oracle venv (tests/oracle/setup_oracle.sh: TensorFlow 2.12),
the TF venv the tests already keep."""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
from tensorflow.python.framework.convert_to_constants import (  # noqa: E402
    convert_variables_to_constants_v2)

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--batch", type=int, required=True)
p.add_argument("-o", "--output", required=True)
a = p.parse_args()

tf.keras.utils.set_random_seed(0)
model = tf.keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3))
# BN statistics from a random batch (momentum 0: one training call sets
# them), as twins.py does for the other peers: left at mean 0 and variance
# 1, this network's activations shrink to 1e-12 by its last layer.
for layer in model.layers:
    if isinstance(layer, tf.keras.layers.BatchNormalization):
        layer.momentum = 0.0
model(tf.random.normal([2, 224, 224, 3]), training=True)


def flops_per_image(model):
    """2 per multiply-add of convolutions and dense layers, netc's count."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "DepthwiseConv2D", "Dense"):
            continue
        out = layer.output.shape  # [N, H, W, C] or [N, C]
        kernel = layer.get_weights()[0].shape
        if kind == "Conv2D":  # [kh, kw, ci, co]
            total += 2 * out[1] * out[2] * kernel[0] * kernel[1] * kernel[2] * kernel[3]
        elif kind == "DepthwiseConv2D":  # [kh, kw, c, multiplier]
            total += 2 * out[1] * out[2] * kernel[0] * kernel[1] * kernel[2] * kernel[3]
        else:
            total += 2 * kernel[0] * kernel[1]
    return int(total)


# Converting the Keras model directly keeps its variables as resources and
# the converted model comes out broken (tiny, wrong): freeze them into
# constants of one concrete function first.
spec = tf.TensorSpec([a.batch, 224, 224, 3], tf.float32)
fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
frozen = convert_variables_to_constants_v2(fn)
converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen], model)
blob = converter.convert()
if len(blob) < 4 * model.count_params() // 2:
    raise SystemExit("make_tflite: the converted model is %d bytes for %d parameters: not frozen?"
                     % (len(blob), model.count_params()))
tmp = "%s.tmp%d" % (a.output, os.getpid())
with open(tmp, "wb") as f:
    f.write(blob)
os.replace(tmp, a.output)  # a killed run leaves no half-written cache
with open(os.path.splitext(a.output)[0] + ".json", "w") as f:
    json.dump({"flops_per_image": flops_per_image(model), "params": model.count_params(),
               "tensorflow": tf.__version__, "batch": a.batch}, f)
print("make_tflite: %s, %d bytes, %.3f GFLOP/image" % (a.output, len(blob), flops_per_image(model) / 1e9))
