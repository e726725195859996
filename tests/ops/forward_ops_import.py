"""TensorFlow references of the cases in tests/ops/ops_import.net that
TensorFlow's own ops compute (the rest are in forward_torch.py). Loaded by
forward_ops.py, which runs them; each restates the case's parameters as
written in ops_import.net.

Two cases have no op in either framework and are written from the ONNX
operator spec with TensorFlow's basic ops (LRN with an even size; nearest
resize rounding up): they say so.
"""
import numpy as np
import tensorflow as tf

from forward_ops import batch_norm, conv, dwconv, fc, flatten, ident, mean, pads4, relu, sigmoid, tanh

nn = tf.nn
CASES = {}


def case(fn):
    assert fn.__name__.startswith("op_") and fn.__name__ not in CASES, fn.__name__
    CASES[fn.__name__] = fn
    return fn


def times4(x):
    return 4.0 * x


# pools
@case
def op_maxpool3x3_same_rate2(x, w):
    # TF pools no dilated window under SAME; its convolutions' SAME amounts, padding never the max.
    x = tf.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]], constant_values=-np.inf)
    return nn.pool(x, [3, 3], "MAX", strides=[1, 1], padding="VALID", dilations=[2, 2])
@case
def op_avgpool3x3_same_count_pad(x, w):
    # TF's SAME amounts for 7 and 9 at stride 2, kernel 3: (1, 1) each; zeros counted.
    return nn.avg_pool2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, "VALID")
@case
def op_reduce_max_keep(x, w): return tf.reduce_max(x, [1, 2], keepdims=True)
@case
def op_reduce_max(x, w): return tf.reduce_max(x, [2, 1])


# lrn: TF's depth_radius r sums [c - r, c + r], its alpha multiplies the sum.
def lrn(x, size, alpha, beta, bias):
    return nn.local_response_normalization(x, depth_radius=(size - 1) // 2, bias=bias, alpha=alpha / size,
                                           beta=beta)
@case
def op_lrn5(x, w): return lrn(x, 5, 2.0, 0.75, 1.0)
@case
def op_lrn3_c5(x, w): return lrn(x, 3, 0.5, 0.6, 2.0)
@case
def op_lrn7_c4(x, w): return lrn(x, 7, 1.5, 0.75, 1.0)
@case
def op_lrn_alexnet(x, w): return lrn(8.0 * relu(x), 5, 1e-4, 0.75, 1.0)
@case
def op_lrn4_even(x, w):
    # ONNX LRN (no framework here has it for even sizes): square_sum over
    # [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)], i.e. [c - 1, c + 2].
    size, alpha, beta, bias = 4, 1.0, 0.5, 1.0
    sq = tf.pad(x * x, [[0, 0], [0, 0], [0, 0], [1, 2]])
    c = x.shape[3]
    total = tf.add_n([sq[..., k:k + c] for k in range(size)])
    return x / tf.pow(bias + alpha / size * total, beta)


# pad modes
@case
def op_pad_reflect(x, w): return tf.pad(x, [[0, 0], [2, 6], [3, 1], [0, 0]], mode="REFLECT")
@case
def op_pad_symmetric(x, w): return tf.pad(x, [[0, 0], [7, 1], [0, 2], [0, 0]], mode="SYMMETRIC")
@case
def op_pad_reflect_conv(x, w):
    return conv(tf.pad(x, pads4(1), mode="REFLECT"), w, padding="VALID", act=ident)


# conv2d_transpose with TF's SAME and VALID
def conv_t(x, w, k, stride, padding, cout):
    n, h, wd, _ = x.shape
    if padding == "SAME":
        oh, ow = h * stride, wd * stride
    else:
        oh, ow = h * stride + max(k - stride, 0), wd * stride + max(k - stride, 0)
    y = nn.conv2d_transpose(x, w("up/weights"), [n, oh, ow, cout], stride, padding)
    return nn.bias_add(y, w("up/biases"))
@case
def op_convt3x3_s2_same(x, w): return conv_t(x, w, 3, 2, "SAME", 16)
@case
def op_convt3x3_s2_valid(x, w): return conv_t(x, w, 3, 2, "VALID", 8)
@case
def op_convt1x1_s2_valid(x, w): return relu(conv_t(x, w, 1, 2, "VALID", 8))


# resize
def hw(x):
    return x.shape[1], x.shape[2]
@case
def op_resize_nearest_half_pixel(x, w):
    # TF2's nearest: half-pixel centres, floor(src + 0.5) (ties up).
    return tf.image.resize(x, (10, 9), method="nearest")
@case
def op_resize_nearest_half_pixel_floor(x, w):
    # 7 -> 10 and 5 -> 9 have no ties, so rounding either way is TF2's nearest.
    return tf.image.resize(x, (10, 9), method="nearest")
@case
def op_resize_nearest_align_ceil(x, w):
    # TF1's align_corners nearest rounds half away from zero.
    return tf.compat.v1.image.resize_nearest_neighbor(x, (9, 9), align_corners=True)
@case
def op_resize_nearest_ceil(x, w):
    # ONNX Resize, nearest_mode ceil, asymmetric (no framework op rounds up):
    # input index min(ceil(out * in / out_size), in - 1) per axis.
    (h, wd), (oh, ow) = hw(x), (5, 13)
    rows = [min(int(np.ceil(np.float32(i) / np.float32(oh / h))), h - 1) for i in range(oh)]
    cols = [min(int(np.ceil(np.float32(j) / np.float32(ow / wd))), wd - 1) for j in range(ow)]
    return tf.gather(tf.gather(x, rows, axis=1), cols, axis=2)
@case
def op_resize_bilinear_half(x, w): return tf.image.resize(x, (9, 13), method="bilinear")
@case
def op_resize_bilinear_down(x, w): return tf.image.resize(x, (5, 6), method="bilinear", antialias=False)
@case
def op_resize_bilinear_asym(x, w):
    return tf.compat.v1.image.resize_bilinear(x, (8, 10), align_corners=False, half_pixel_centers=False)


# activations
@case
def op_swish(x, w): return nn.silu(times4(x))
@case
def op_gelu(x, w): return nn.gelu(times4(x), approximate=False)
@case
def op_hard_sigmoid_onnx(x, w): return tf.keras.activations.hard_sigmoid(times4(x))  # 0.2 x + 0.5, clipped
@case
def op_conv_gelu(x, w): return conv(x, w, act=lambda y: nn.gelu(y, approximate=False))
@case
def op_bn_swish(x, w): return nn.silu(batch_norm(x, w, "bn", scale=True))


# multiply
@case
def op_mul_equal(x, w): return x * conv(x, w, act=ident)
@case
def op_mul_rank2(x, w):
    m = fc(flatten(x), w, "fc1", act=ident)
    return m * fc(m, w, act=tanh)
@case
def op_mul_gate(x, w):
    s = conv(mean(x, keep=True), w, "squeeze")
    return x * conv(s, w, "excite", act=sigmoid)
@case
def op_mul_gate_producer(x, w):
    s = conv(mean(x, keep=True), w, "gate", act=sigmoid)
    return s * conv(x, w, act=ident)
@case
def op_se_project(x, w):
    d = dwconv(x, w, "dw", bn={})
    s = conv(conv(mean(d, keep=True), w, "squeeze"), w, "excite", act=sigmoid)
    return conv(d * s, w, "project", bn={}, act=ident)
@case
def op_se_residual(x, w):
    r = conv(x, w, act=ident)
    s = conv(mean(r, keep=True), w, "excite", act=sigmoid)
    return relu(x + r * s)


# layer_norm: Keras' LayerNormalization over the last axis, slim's names.
def layer_norm(x, w, scope="ln", eps=1e-6, center=True, scale=True):
    layer = tf.keras.layers.LayerNormalization(axis=-1, epsilon=eps, center=center, scale=scale)
    layer.build(x.shape)
    values = []
    if scale:
        values.append(w(scope + "/gamma"))
    if center:
        values.append(w(scope + "/beta"))
    layer.set_weights([v.numpy() for v in values])
    return layer(x)
@case
def op_layer_norm(x, w): return layer_norm(3.0 * x, w)
@case
def op_layer_norm_c40_gelu(x, w): return nn.gelu(layer_norm(x, w, eps=1e-5), approximate=False)
@case
def op_layer_norm_c5(x, w): return layer_norm(x, w, center=False)
@case
def op_layer_norm_rank2(x, w): return layer_norm(flatten(x), w)


# split, slice
@case
def op_split2(x, w):
    a, b = tf.split(x, 2, axis=3)
    return tf.concat([relu(b), a], 3)
@case
def op_split_sizes(x, w):
    a, b, c = tf.split(x, [3, -1, 5], axis=3)
    return tf.concat([c, tanh(a), b], 3)
@case
def op_split_rows(x, w): return tf.split(x, 3, axis=1)[1]
@case
def op_slice_channels(x, w): return tf.slice(x, [0, 0, 0, 5], [-1, -1, -1, 11])
@case
def op_slice_box(x, w): return tf.slice(x, [0, 2, 1, 1], [-1, 4, -1, 3])
@case
def op_gather_slice_of_concat(x, w):
    return tf.slice(tf.concat([tf.split(x, [5, -1], axis=3)[1], relu(x)], 3), [0, 0, 0, 3], [-1, -1, -1, 17])
@case
def op_concat_same_twice(x, w):
    r = relu(x)
    return tf.concat([r, r, tf.split(x, [2, -1], axis=3)[0], tf.split(x, [4, -1], axis=3)[1]], 3)
@case
def op_concat_twice_plain(x, w):
    r = relu(x)
    return tf.concat([r, r, x], 3)
@case
def op_add_self(x, w):
    r = conv(x, w, act=ident)
    return r + r
@case
def op_mul_self(x, w):
    r = conv(x, w, act=ident)
    return relu(r * r + x)
