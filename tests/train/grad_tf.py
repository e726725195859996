"""Reference loss and gradients of a TF-slim net in training mode.

  VENV/bin/python tests/train/grad_tf.py NET W.npz DATA.npz OUT.npz [--float32]

Builds NET with TF-slim's own network function and arg-scope
(tests/oracle/dump_tf.py's table), is_training=True, in float64: batch norm
on the batch's statistics (the unfused layer: TF's fused kernel has no
float64), dropout kept at keep_prob 1 so the reference is deterministic.
Loads W (netc names, TF layouts), runs DATA's `images` and `labels` and
writes OUT.npz: `loss` (the mean sparse softmax cross-entropy of the main
logits plus every l2_regularizer's term the arg-scope put in
REGULARIZATION_LOSSES) and d loss / d v for every trainable variable v
(zeros where v does not reach the loss: the auxiliary head's biases), all
float64. Graph mode, 2 threads, op determinism. --float32 runs it all in
float32 instead: not an oracle, but what TF's own float32 arithmetic gives,
to tell an error of netc's from the float32 rounding any implementation
shows (in chaotic networks, or where float32 and float64 take different
sides of a max pool's near-tie or a ReLU's kink).
"""
import collections
import os
import sys
import time

STARTED = time.time()

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import dump_tf  # noqa: E402  (imports TensorFlow, quietly)
from oracle_format import check_weights, load_npz  # noqa: E402

import numpy as np  # noqa: E402

tf, v1, slim = dump_tf.tf, dump_tf.v1, dump_tf.slim
DROPOUT_NETS = ("vgg_a", "vgg_16", "vgg_19", "alexnet_v2", "inception_v3")


def main(net, weights_file, data_file, out_file, precision="--float64"):
    dtype = {"--float64": np.float64, "--float32": np.float32}[precision]
    tf.config.experimental.enable_op_determinism()
    arrays = load_npz(weights_file)
    data = np.load(data_file)
    x, y = data["images"].astype(dtype), data["labels"].astype(np.int64)
    fn, arg_scope = dump_tf.NETS[net]
    classes = None
    for name, a in arrays.items():  # the logits' weights name the class count
        if name.endswith(("/logits/weights", "/fc8/weights", "Logits/Conv2d_1c_1x1/weights")):
            classes = int(a.shape[-1])
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)  # the initializers are never run, but determinism wants a seed
        images = v1.placeholder(tf.as_dtype(dtype), x.shape, name="images")
        labels = v1.placeholder(tf.int64, y.shape, name="labels")
        kwargs = {"dropout_keep_prob": 1.0} if net in DROPOUT_NETS else {}
        scope_kwargs = {"use_fused_batchnorm": False} if net == "inception_v3" else {}
        with slim.arg_scope([slim.batch_norm], fused=False):
            with slim.arg_scope(arg_scope(**scope_kwargs)):
                logits, _ = fn(images, num_classes=classes, is_training=True, **kwargs)
        if logits.shape.rank == 4:  # tf_slim's resnets return [N, 1, 1, classes]
            logits = tf.squeeze(logits, [1, 2])
        ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        reg = v1.losses.get_regularization_losses()
        loss = ce + tf.add_n(reg) if reg else ce
        variables = collections.OrderedDict((v.op.name, v) for v in v1.global_variables())
        trainable = [v for v in v1.trainable_variables()]
        grads = tf.gradients(loss, trainable)
        check_weights({n: v.shape.as_list() for n, v in variables.items()}, arrays)
        config = v1.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=2)
        with v1.Session(graph=graph, config=config) as sess:
            feed = {v.initializer.inputs[1]: np.asarray(arrays[n], dtype) for n, v in variables.items()}
            sess.run([v.initializer for v in variables.values()], feed)
            wanted = [g if g is not None else tf.zeros_like(v) for g, v in zip(grads, trainable)]
            built = time.time()
            loss_value, grad_values = sess.run([loss, wanted], {images: x, labels: y})
            ran = time.time()
    for v in variables.values():
        assert v.dtype.base_dtype == tf.as_dtype(dtype), v.name  # the whole reference in one precision
    out = {"loss": np.float64(loss_value)}
    for v, g in zip(trainable, grad_values):
        out[v.op.name] = np.asarray(g, np.float64)
    np.savez(out_file, **out)
    print("grad_tf %s batch %d %dx%d: loss %.6f, %d gradients, %d regularized -> %s "
          "[import, build and load %.1fs, run %.1fs, write %.1fs]" % (
              net, x.shape[0], x.shape[1], x.shape[2], loss_value, len(trainable), len(reg), out_file,
              built - STARTED, ran - built, time.time() - ran), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6) or sys.argv[5:] not in ([], ["--float32"]):
        sys.exit("usage: grad_tf.py NET W.npz DATA.npz OUT.npz [--float32]")
    sys.exit(main(*sys.argv[1:]))
