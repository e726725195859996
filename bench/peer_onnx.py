"""ONNX Runtime and OpenVINO peers: the twin's ONNX export (export_onnx.py),
the reference protocol, --threads threads.

  --engine ort       CPU execution provider, ORT_ENABLE_ALL graph
                     optimizations, intra-op threads = --threads, sequential
  --engine openvino  CPU plugin, INFERENCE_PRECISION_HINT=f32 (on a CPU with
                     bf16 or fp16 units OpenVINO would otherwise run in them),
                     PERFORMANCE_HINT=LATENCY, INFERENCE_NUM_THREADS=--threads;
                     refuses to time a model any of whose operations the
                     compiled model executes in another precision

Run with the runtimes venv's python (bench/setup_bench_venv.sh runtimes):
onnxruntime and openvino from PyPI there, numpy from Debian."""
import numpy as np

import protocol

p = protocol.arguments(__doc__)
p.add_argument("--engine", required=True, choices=["ort", "openvino"])
p.add_argument("--model", required=True, help="the .onnx file")
a = p.parse_args()


def ort_step():
    try:
        import onnxruntime as ort
    except Exception as e:  # ImportError, or a wheel that does not load here
        protocol.skip("ONNX Runtime not available: %s: %s" % (type(e).__name__, e))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = a.threads  # the calling thread counts as one of them
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    sess = ort.InferenceSession(a.model, sess_options=so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    feed = {inp.name: np.random.default_rng(0).standard_normal(inp.shape, dtype=np.float32)}
    return (lambda: sess.run(None, feed)), dict(version=ort.__version__)


def openvino_step():
    try:
        import openvino as ov
    except Exception as e:
        protocol.skip("OpenVINO not available: %s: %s" % (type(e).__name__, e))
    core = ov.Core()
    config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_NUM_THREADS": str(a.threads)}
    compiled = core.compile_model(core.read_model(a.model), "CPU", config)
    hint = compiled.get_property("INFERENCE_PRECISION_HINT")
    # What each operation of the compiled graph really executes in (the hint
    # alone is a request); constants keep whatever type they were given.
    precisions = {}
    for op in compiled.get_runtime_model().get_ops():
        rt = op.get_rt_info()
        if rt["layerType"].astype(str) != "Const":
            prec = rt["runtimePrecision"].astype(str)
            precisions[prec] = precisions.get(prec, 0) + 1
    if hint != ov.Type.f32 or set(precisions) - {"f32", "i32", "i64", "boolean"}:
        raise SystemExit("peer_onnx: OpenVINO executes operations in %s (hint %s), not f32: not timed"
                         % (precisions, hint))
    request = compiled.create_infer_request()
    shape = list(compiled.input(0).shape)
    request.set_input_tensor(ov.Tensor(np.random.default_rng(0).standard_normal(shape, dtype=np.float32)))
    return request.infer, dict(version=ov.get_version(), runtime_precisions=precisions)


step, info = ort_step() if a.engine == "ort" else openvino_step()
protocol.run(a.engine, step, a, **info)
