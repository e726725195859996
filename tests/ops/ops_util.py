"""Helpers of run_ops.sh (NumPy only; any Python 3 with NumPy runs them).

  ops_util.py prepare WORK [--weights] CASE...
      WORK/CASE/ir.txt (`netc --emit=ir`) -> WORK/CASE/X.npy: the input, batch 2,
      standard normal with a fixed seed per case. With --weights, also
      WORK/CASE/W.npz: random weights for every variable the IR lists (what
      `netc weights --random-weights` will write; moving_variance positive).
  ops_util.py compare WORK CASE...
      netc's WORK/CASE/Y.npy against the reference WORK/CASE/R.npy:
      equal shapes and max|Y-R| <= 1e-4 * max(1, max|R|).
  ops_util.py selfcheck WORK CASE...
      the reference alone: R.npy exists, is finite and not trivial, and has
      the output shape netc's IR gives (batch 2).
Both checks print one line per case and a summary; exit 1 if any failed.
"""
import os
import re
import sys
import zlib

import numpy as np

BATCH = 2
RTOL = 1e-4

NODE = re.compile(r"^\s*%(\d+) = (\S+) .*?: \[([^\]]*)\]")
VAR = re.compile(r"^\s*(var|stat) (\S+) \[([^\]]*)\]")
RET = re.compile(r"^\s*return %(\d+)")


def dims(text):
    out = []
    for d in text.split(","):
        d = d.strip()
        out.append(int(d) if re.fullmatch(r"\d+", d) else BATCH)
    return tuple(out)


def parse_ir(path):
    """(input shape, output shape, [(kind, name, shape)]) with batch BATCH."""
    nodes, inputs, params, ret = {}, [], [], None
    with open(path) as f:
        for line in f:
            m = NODE.match(line)
            if m:
                nodes[int(m.group(1))] = dims(m.group(3))
                if m.group(2) == "input":
                    inputs.append(dims(m.group(3)))
                continue
            m = VAR.match(line)
            if m:
                params.append((m.group(1), m.group(2), dims(m.group(3))))
                continue
            m = RET.match(line)
            if m:
                ret = int(m.group(1))
    if len(inputs) != 1 or ret is None:
        raise ValueError("%s: expected one input and a return" % path)
    return inputs[0], nodes[ret], params


def rng_for(case, salt):
    return np.random.default_rng(zlib.crc32((case + "/" + salt).encode()))


def random_weights(case, params):
    rng = rng_for(case, "weights")
    out = {}
    for _, name, shape in params:
        leaf = name.rsplit("/", 1)[-1]
        if leaf == "moving_variance":
            a = rng.uniform(0.5, 1.5, shape)
        elif leaf == "gamma":
            a = rng.uniform(0.5, 1.5, shape)
        elif leaf in ("beta", "biases", "moving_mean"):
            a = 0.2 * rng.standard_normal(shape)
        else:  # weights: keep activations O(1) so sigmoid/tanh do not saturate
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            a = rng.standard_normal(shape) / np.sqrt(fan_in)
        out[name] = a.astype(np.float32)
    return out


def prepare(work, cases, weights):
    failed = 0
    for c in cases:
        d = os.path.join(work, c)
        try:
            xshape, _, params = parse_ir(os.path.join(d, "ir.txt"))
            x = rng_for(c, "input").standard_normal(xshape).astype(np.float32)
            np.save(os.path.join(d, "X.npy"), x)
            if weights:
                np.savez(os.path.join(d, "W.npz"), **random_weights(c, params))
        except Exception as e:
            failed += 1
            sys.stderr.write("ops_util prepare: %s: %s\n" % (c, e))
    return 1 if failed else 0


def load(path):
    return np.load(path) if os.path.exists(path) else None


def last_line(path):
    if not os.path.exists(path):
        return ""
    lines = [l.strip() for l in open(path, errors="replace") if l.strip()]
    return lines[-1] if lines else ""


def short(c):
    return c[3:] if c.startswith("op_") else c


def summary(kind, n, bad):
    print("%s: %d cases, %d passed, %d failed" % (kind, n, n - len(bad), len(bad)))
    if bad:
        print("failed: " + " ".join(bad))
    return 1 if bad else 0


def compare(work, cases):
    bad = []
    for c in cases:
        d = os.path.join(work, c)
        y, r = load(os.path.join(d, "Y.npy")), load(os.path.join(d, "R.npy"))
        if y is None:
            why = last_line(os.path.join(d, "netc.log"))
            msg = "netc gave no output" + (": " + why if why else "")
        elif r is None:
            msg = "no reference (forward_ops.py failed)"
        elif y.shape != r.shape:
            msg = "shape %s, reference %s" % (list(y.shape), list(r.shape))
        else:
            diff = float(np.max(np.abs(y.astype(np.float64) - r))) if r.size else 0.0
            if not np.all(np.isfinite(y)):
                diff = float("nan")
            tol = RTOL * max(1.0, float(np.max(np.abs(r))) if r.size else 1.0)
            ok = diff <= tol  # False for NaN
            print("op %s: max|diff| %.3g %s" % (short(c), diff, "ok" if ok else "FAIL (tol %.3g)" % tol))
            if not ok:
                bad.append(c)
            continue
        print("op %s: FAIL %s" % (short(c), msg))
        bad.append(c)
    return summary("ops", len(cases), bad)


def selfcheck(work, cases):
    bad = []
    for c in cases:
        d = os.path.join(work, c)
        r = load(os.path.join(d, "R.npy"))
        try:
            _, want, _ = parse_ir(os.path.join(d, "ir.txt"))
        except Exception as e:
            want, r = None, None
            msg = "no IR: %s" % e
        if r is None:
            msg = "no reference (forward_ops.py failed)" if want is not None else msg
        elif r.shape != want:
            msg = "reference shape %s, netc's IR says %s" % (list(r.shape), list(want))
        elif r.dtype != np.float32:
            msg = "reference dtype %s" % r.dtype
        elif not np.all(np.isfinite(r)):
            msg = "reference not finite"
        elif r.size < 2 or float(np.std(r)) < 1e-3:
            msg = "reference trivial (std %.3g)" % float(np.std(r))
        else:
            print("op %s: reference %s std %.3g max|R| %.3g ok"
                  % (short(c), list(r.shape), float(np.std(r)), float(np.max(np.abs(r)))))
            continue
        print("op %s: FAIL %s" % (short(c), msg))
        bad.append(c)
    return summary("self-check", len(cases), bad)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, work, rest = argv[0], argv[1], argv[2:]
    if cmd == "prepare":
        weights = "--weights" in rest
        return prepare(work, [c for c in rest if c != "--weights"], weights)
    if cmd == "compare":
        return compare(work, rest)
    if cmd == "selfcheck":
        return selfcheck(work, rest)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.exit(main(sys.argv[1:]))
