"""NumPy-only helpers of conformance.sh.

  conformance.py input X.npy BATCH SIZE SEED
      X = standard normal float32 [BATCH, SIZE, SIZE, 3] from default_rng(SEED)
  conformance.py compare LABEL Y.npy R.npy [--exact]
      netc's output Y against the reference R: same shape, all finite and
      max|Y - R| <= 1e-4 * max(1, max|R|) (SPEC), or equal bit for bit with
      --exact (the self-check, where both sides are the framework).
Prints one line; exits 1 when the comparison fails.
"""
import argparse
import sys

import numpy as np

RTOL = 1e-4


def make_input(path, batch, size, seed):
    rng = np.random.default_rng(seed)  # PCG64: the same stream on every NumPy >= 1.17
    np.save(path, rng.standard_normal([batch, size, size, 3], dtype=np.float32))


def compare(label, y_path, r_path, exact):
    head = "conformance %s:" % label
    try:
        y, r = np.load(y_path, allow_pickle=False), np.load(r_path, allow_pickle=False)
    except (OSError, ValueError) as e:
        return "%s cannot read an output: %s FAIL" % (head, e), False
    if not isinstance(y, np.ndarray) or not isinstance(r, np.ndarray):
        return "%s an output is an .npz, not an .npy FAIL" % head, False
    if y.shape != r.shape:
        return "%s output shape %s, reference %s FAIL" % (head, y.shape, r.shape), False
    if y.dtype != np.float32 or r.dtype != np.float32:
        return "%s dtypes %s / %s, want float32 FAIL" % (head, y.dtype, r.dtype), False
    bad = ["%s %d" % (what, a.size - np.isfinite(a).sum())
           for what, a in (("output", y), ("reference", r)) if not np.isfinite(a).all()]
    if bad:
        return "%s non-finite values: %s FAIL" % (head, ", ".join(bad)), False
    ref_max = float(np.abs(r).max()) if r.size else 0.0
    diff = np.abs(y.astype(np.float64) - r)
    diff_max = float(diff.max()) if diff.size else 0.0
    tol = 0.0 if exact else RTOL * max(1.0, ref_max)
    ok = diff_max <= tol
    line = "%s max|ref| %.4g max|diff| %.2g tol %.2g%s" % (
        head, ref_max, diff_max, tol, " (exact self-check)" if exact else "")
    if not ok:  # where it is worst, and how widespread
        i = np.unravel_index(int(diff.argmax()), diff.shape)
        line += " worst at %s: %.6g vs ref %.6g; %d of %d over tol" % (
            list(map(int, i)), y[i], r[i], int((diff > tol).sum()), diff.size)
    return line + (" ok" if ok else " FAIL"), ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("input")
    p.add_argument("path")
    p.add_argument("batch", type=int)
    p.add_argument("size", type=int)
    p.add_argument("seed", type=int)
    p = sub.add_parser("compare")
    p.add_argument("label")
    p.add_argument("y")
    p.add_argument("r")
    p.add_argument("--exact", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd == "input":
        make_input(args.path, args.batch, args.size, args.seed)
        return 0
    line, ok = compare(args.label, args.y, args.r, args.exact)
    print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
