"""ONNX's backend node tests (Debian's libonnx-testdata) through netc import.

  python3 node_tests.py NETC WORKDIR [--data DIR] [--report FILE]

Each test is one node with test data. Inputs after the first become
initializers (constants, as weights are in a real model), the model is
imported, run by netc on the first input (NCHW images transposed to NHWC)
and compared with the expected output: max|diff| <= 1e-4 * max(1, max|ref|).
A test netc refuses to import (an op or attribute it cannot express) is
listed with netc's reason; one it imports must match. Writes the list to
--report; exit 1 if any imported test differs.
"""
import argparse
import glob
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def prepare(test_dir, work):
    """The model with inputs 1.. frozen, and input 0 and output 0 as arrays;
    or a reason it is not a test netc can take."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    data = os.path.join(test_dir, "test_data_set_0")
    inputs = sorted(glob.glob(os.path.join(data, "input_*.pb")))
    outputs = sorted(glob.glob(os.path.join(data, "output_*.pb")))
    if not inputs or len(outputs) != 1:
        return None, "not one output with test data"
    g = model.graph
    names = [i.name for i in g.input if i.name not in {t.name for t in g.initializer}]
    arrays = [load_pb(p) for p in inputs]
    if len(arrays) != len(names):
        return None, "inputs without test data"
    x, y = arrays[0], load_pb(outputs[0])
    if x.dtype != np.float32 or x.ndim not in (2, 4) or y.dtype != np.float32 or y.ndim not in (2, 4):
        return None, "input or output not a float32 image or matrix"
    for name, a in zip(names[1:], arrays[1:]):
        g.initializer.append(numpy_helper.from_array(a, name))
    keep = [i for i in g.input if i.name == names[0] or i.name not in names[1:]]
    del g.input[:]
    g.input.extend(keep)
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path)
    return (path, x, y), None


def nhwc(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)) if a.ndim == 4 else a


def run(netc, test_dir, work):
    prepared, reason = prepare(test_dir, work)
    if not prepared:
        return "unsupported", reason
    model, x, y = prepared
    net = os.path.join(work, "model.net")
    p = subprocess.run([netc, "import", model, "-o", net], capture_output=True, text=True)
    if p.returncode != 0:
        msg = (p.stdout + p.stderr).strip().splitlines()
        why = msg[-1] if msg else "exit %d" % p.returncode
        return ("unsupported" if p.returncode == 1 else "failed"), why.split("): ", 1)[-1]
    np.save(os.path.join(work, "x.npy"), nhwc(x))
    out = os.path.join(work, "y.npy")
    p = subprocess.run([netc, "run", net, "--weights", os.path.join(work, "model.npz"), "--input",
                        os.path.join(work, "x.npy"), "-o", out], capture_output=True, text=True)
    if p.returncode != 0:
        return "failed", (p.stdout + p.stderr).strip().splitlines()[-1]
    got, want = np.load(out), nhwc(y)
    if got.shape != want.shape:
        return "failed", "output shape %s, expected %s" % (got.shape, want.shape)
    d = float(np.abs(got - want).max()) if got.size else 0.0
    tol = 1e-4 * max(1.0, float(np.abs(want).max()) if want.size else 0.0)
    return ("passed" if d <= tol else "failed"), "max|diff| %.2g (tolerance %.2g)" % (d, tol)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("netc")
    ap.add_argument("work")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--report", default=None)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    results = {}
    for test in sorted(glob.glob(os.path.join(a.data, "test_*"))):
        name = os.path.basename(test)
        work = os.path.join(a.work, name)
        os.makedirs(work, exist_ok=True)
        try:
            results[name] = run(a.netc, test, work)
        except Exception as e:  # a test model the ONNX Python library itself cannot handle
            results[name] = ("unsupported", "cannot prepare: %s" % str(e).splitlines()[0])
    lines = ["%-60s %-12s %s" % (n, s, why) for n, (s, why) in results.items()]
    count = {k: sum(1 for s, _ in results.values() if s == k) for k in ("passed", "failed", "unsupported")}
    summary = "node tests: %(passed)d passed, %(failed)d failed, %(unsupported)d unsupported" % count
    if a.report:
        with open(a.report, "w") as f:
            f.write("\n".join(lines + [summary]) + "\n")
    for l in lines:
        if " failed " in l or " passed " in l:
            print(l)
    print(summary)
    return 1 if count["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
