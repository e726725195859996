"""TFLite peer: Keras' MobileNetV2 converted by make_tflite.py, run by
LiteRT's interpreter (PyPI ai-edge-litert) with its default XNNPACK delegate,
--threads threads, the reference protocol. Run with the litert venv's python
(bench/setup_bench_venv.sh litert)."""
import numpy as np

import protocol

p = protocol.arguments(__doc__)
p.add_argument("--model", required=True, help="the .tflite file")
a = p.parse_args()
try:
    from ai_edge_litert import interpreter as litert
except Exception as e:
    protocol.skip("ai-edge-litert not available: %s: %s" % (type(e).__name__, e))
it = litert.Interpreter(model_path=a.model, num_threads=a.threads)
it.allocate_tensors()
inp = it.get_input_details()[0]
it.set_tensor(inp["index"], np.random.default_rng(0).standard_normal(inp["shape"], dtype=np.float32))
try:
    from importlib.metadata import version
    info = dict(version=version("ai-edge-litert"))
except Exception:
    info = {}
protocol.run("tflite", it.invoke, a, **info)
