"""ONNX Runtime peer for bench/compare.sh: torchvision resnet50 (the model
peer_torch.py runs, the same 8.2 GFLOP per image as resnet_v2_50), random
weights, exported once with torch.onnx.export (NCHW float32, static batch) and
run by onnxruntime's CPU execution provider with all graph optimizations
(ORT_ENABLE_ALL), --threads intra-op threads, the reference protocol
(burn-in, then timed steps). Prints one line: `onnx MEAN SD` (seconds per
batch), or `onnx skipped: ONNX Runtime not available: REASON` and exits 3.

Run with build/bench-venv's python (bench/setup_bench_venv.sh): onnxruntime
from PyPI there, torch/torchvision/numpy from Debian through
--system-site-packages. The exported model is cached under --workdir."""
import os
import sys
import warnings

import protocol

p = protocol.arguments(__doc__)
p.add_argument("--workdir", default="build/bench")
p.add_argument("--opset", type=int, default=17)  # torch 1.13 exports up to 17
a = p.parse_args()

try:
    import onnxruntime as ort
except Exception as e:  # ImportError, or a wheel that does not load here
    print("onnx skipped: ONNX Runtime not available: %s: %s" % (type(e).__name__, e))
    sys.exit(3)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402


def export(path):
    """torchvision resnet50, random weights (seed 0), to ONNX at `path`."""
    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    x = torch.randn(a.batch, 3, 224, 224)
    tmp = "%s.tmp%d" % (path, os.getpid())
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, x, tmp, opset_version=a.opset, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"])
    os.replace(tmp, path)  # a run killed mid-export leaves no half-written cache


os.makedirs(a.workdir, exist_ok=True)
path = os.path.join(a.workdir, "resnet50_b%d_opset%d_torch%s.onnx" % (a.batch, a.opset, torch.__version__))
if not os.path.exists(path):
    export(path)

so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
so.intra_op_num_threads = a.threads  # the calling thread counts as one of them
so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.log_severity_level = 3
sess = ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])
name = sess.get_inputs()[0].name
feed = {name: np.random.default_rng(0).standard_normal([a.batch, 3, 224, 224], dtype=np.float32)}
protocol.run("onnx", lambda: sess.run(None, feed), a)
