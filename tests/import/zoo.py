"""The import tests' Python side (tests/import/zoo_test.sh):
  export NAME SIZE OUT.onnx    torchvision's NAME (random weights, eval mode) exported by
                               Debian's torch at SIZE x SIZE, batch 1, opset 13
  input SIZE BATCH X.npy X_nchw.npy   a standard-normal batch, NHWC for netc and NCHW for ORT
  reference MODEL.onnx X_nchw.npy R.npy   ONNX Runtime's output (run in the ORT venv)
  compare Y.npy R.npy          max|Y - R| <= 1e-4 * max(1, max|R|)
"""
import sys

import numpy as np


def export(name, size, out):
    import torch
    import torchvision
    torch.manual_seed(0)
    kw = {}
    if name in ("inception_v3", "googlenet"):
        kw = dict(aux_logits=False, init_weights=False)
    model = getattr(torchvision.models, name)(**kw)
    # Fresh batch norms (mean 0, variance 1) let random activations decay
    # to nothing in deep nets (mobilenet_v2's logits were 1e-9), and a
    # comparison of nothing cannot fail: calibrate them on random batches.
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.momentum = None
        # ConvNeXt's layer scales start at 1e-6: its blocks would add
        # nothing a comparison could see.
        if isinstance(getattr(m, "layer_scale", None), torch.nn.Parameter):
            with torch.no_grad():
                m.layer_scale.uniform_(0.2, 1.0)
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(4, 3, size, size))
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, torch.randn(1, 3, size, size), out, opset_version=13,
                          input_names=["input"], output_names=["logits"])


def make_input(size, batch, nhwc, nchw):
    x = np.random.RandomState(1).randn(batch, 3, size, size).astype(np.float32)
    np.save(nchw, x)
    np.save(nhwc, np.ascontiguousarray(x.transpose(0, 2, 3, 1)))


def reference(model, x_path, out):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    s = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    x = np.load(x_path)
    # The export has batch 1 fixed: one image at a time.
    np.save(out, np.concatenate([s.run(None, {"input": x[i:i + 1]})[0] for i in range(x.shape[0])]))


def compare(y_path, r_path):
    y, r = np.load(y_path), np.load(r_path)
    if y.shape != r.shape:
        print("shape %s, ONNX Runtime %s" % (y.shape, r.shape))
        return 1
    d, m = float(np.abs(y - r).max()), float(np.abs(r).max())
    tol = 1e-4 * max(1.0, m)
    print("max|ref| %.4g max|diff| %.2g tol %.2g %s" % (m, d, tol, "ok" if d <= tol else "FAIL"))
    return 0 if d <= tol else 1


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "export":
        export(args[0], int(args[1]), args[2])
    elif cmd == "input":
        make_input(int(args[0]), int(args[1]), args[2], args[3])
    elif cmd == "reference":
        reference(*args)
    elif cmd == "compare":
        sys.exit(compare(*args))
    else:
        sys.exit("unknown command " + cmd)
