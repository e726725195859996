#!/usr/bin/env bash
# netc import as a user meets its errors: a file that is not ONNX, one cut
# short, an op netc cannot express (named with its node and op type), a
# bad --input-shape; and the program it writes for a small model: readable
# statements, the batch norm and activation fused into the convolution, and
# weights the program's own variables take.
set -u
netc=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
pass=0 fail=0
expect() {  # CODE PATTERN -- ARGS...
  local want=$1 pattern=$2; shift 3
  local out code
  out=$(cd "$tmp" && timeout 120 "$netc" "$@" 2>&1 </dev/null); code=$?
  if [ "$code" = "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then pass=$((pass + 1))
  else fail=$((fail + 1)); echo "FAIL: netc $* -> exit $code (want $want)"; echo "$out" | head -6; echo "  (expected: $pattern)"; fi
}
# A small model built with the ONNX helpers: conv, batch norm, relu, global
# pool, flatten, gemm; and one with an op netc lacks.
"$py" - "$tmp" <<'PY'
import sys, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
d = sys.argv[1]
r = np.random.RandomState(0)
init = [nh.from_array(r.randn(8, 3, 3, 3).astype(np.float32), "w"),
        nh.from_array(r.rand(8).astype(np.float32) + 0.5, "g"), nh.from_array(r.randn(8).astype(np.float32), "b"),
        nh.from_array(r.randn(8).astype(np.float32), "m"), nh.from_array(r.rand(8).astype(np.float32) + 0.5, "v"),
        nh.from_array(r.randn(5, 8).astype(np.float32), "fw"), nh.from_array(r.randn(5).astype(np.float32), "fb")]
nodes = [h.make_node("Conv", ["x", "w"], ["c"], name="/stem/conv/Conv", pads=[1, 1, 1, 1]),
         h.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["n"], name="/stem/bn/BatchNormalization"),
         h.make_node("Relu", ["n"], ["r"], name="/stem/relu/Relu"),
         h.make_node("GlobalAveragePool", ["r"], ["p"], name="/pool/GlobalAveragePool"),
         h.make_node("Flatten", ["p"], ["f"], name="/Flatten"),
         h.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="/fc/Gemm", transB=1)]
g = h.make_graph(nodes, "tiny", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 9, 7])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 5])], init)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), d + "/tiny.onnx")
nodes[2] = h.make_node("Erf", ["n"], ["r"], name="/stem/erf/Erf")
g = h.make_graph(nodes, "odd", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 9, 7])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 5])], init)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), d + "/odd.onnx")
# Attributes netc refuses rather than guess: a ceil_mode window that starts
# in the padding (PyTorch drops it, ONNX Runtime keeps it), a product by a
# constant tensor, a transpose that is not to channels last and back.
def refused(name, node, extra=()):
    g = h.make_graph([nodes[0], node], name, [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 9, 7])],
                     [h.make_tensor_value_info("y", T.FLOAT, ["n", "c", "h", "w"])], init + list(extra))
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), d + "/" + name + ".onnx")
refused("ceil", h.make_node("MaxPool", ["c"], ["y"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2],
                            pads=[1, 1, 1, 1], ceil_mode=1))
refused("scale", h.make_node("Mul", ["c", "s"], ["y"], name="/scale/Mul"),
        [nh.from_array(r.randn(8, 1, 1).astype(np.float32), "s")])
refused("perm", h.make_node("Transpose", ["c"], ["y"], name="/t/Transpose", perm=[0, 1, 3, 2]))
PY
expect 0 "tiny.net: network tiny, 4 statements from 6 ONNX nodes" -- import tiny.onnx -o tiny.net
grep -q "stem_conv = conv2d(x, 8, 3, padding = 1, normalizer = batch_norm, activation = relu) @ stem_conv" "$tmp/tiny.net" \
  && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: the conv, batch norm and relu are not one statement:"; cat "$tmp/tiny.net"; }
expect 0 "tiny: output \[1, 5\]" -- run tiny.net --weights tiny.npz
expect 1 "odd.onnx: node '/stem/erf/Erf' \(Erf\): op type Erf is not supported by netc yet" -- import odd.onnx -o odd.net
expect 1 "ceil.onnx: node '/pool/MaxPool' \(MaxPool\): ceil_mode = 1 makes a last window that starts in the padding" -- import ceil.onnx -o ceil.net
expect 1 "scale.onnx: node '/scale/Mul' \(Mul\): multiplying a tensor by a constant is not supported" -- import scale.onnx -o scale.net
expect 1 "perm.onnx: node '/t/Transpose' \(Transpose\): only transposes of an image to channels last and back" -- import perm.onnx -o perm.net
head -c 300 "$tmp/tiny.onnx" >"$tmp/cut.onnx"
expect 1 "cut.onnx: (not an ONNX model|the ONNX checker rejects)" -- import cut.onnx -o cut.net
printf 'hello' >"$tmp/junk.onnx"
expect 1 "junk.onnx: (not an ONNX model|the ONNX checker rejects)" -- import junk.onnx -o junk.net
expect 1 "missing.onnx: cannot read the model" -- import missing.onnx -o m.net
expect 1 "--input-shape names 'images', which is not an input of the model" -- import tiny.onnx -o t2.net --input-shape images=1x3x9x7
expect 1 "'0' is not a positive size" -- import tiny.onnx -o t2.net --input-shape x=1x0x9x7
expect 2 "'import' needs -o MODEL.net" -- import tiny.onnx
echo "import: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
