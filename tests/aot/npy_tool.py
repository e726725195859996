"""Small .npy helpers for the AOT tests (Debian's python3 with NumPy).

  npy_tool.py random OUT.npy BATCH SIZE CHANNELS [SEED]   standard normal NHWC float32
  npy_tool.py compare A.npy B.npy REL                     exit 1 unless max|A-B| <= REL * max(1, max|B|)
                                                          (A may be raw float32: A.raw, shaped as B)
  npy_tool.py raw IN.npy OUT.raw                          the array's bytes alone
"""
import sys

import numpy as np


def main(argv):
    if len(argv) >= 5 and argv[0] == "random":
        seed = int(argv[5]) if len(argv) > 5 else 1
        shape = (int(argv[2]), int(argv[3]), int(argv[3]), int(argv[4]))
        np.save(argv[1], np.random.RandomState(seed).standard_normal(shape).astype(np.float32))
        return 0
    if len(argv) == 4 and argv[0] == "compare":
        b, rel = np.load(argv[2]), float(argv[3])
        a = np.fromfile(argv[1], np.float32) if argv[1].endswith(".raw") else np.load(argv[1])
        if argv[1].endswith(".raw") and a.size == b.size:
            a = a.reshape(b.shape)
        if a.shape != b.shape:
            print(f"shape {a.shape} != {b.shape}")
            return 1
        if not np.all(np.isfinite(a)):
            print(f"{argv[1]} has non-finite values")
            return 1
        diff, scale = float(np.max(np.abs(a - b))), max(1.0, float(np.max(np.abs(b))))
        print(f"{argv[1]} vs {argv[2]} {a.shape}: max|diff| {diff:.3g}, max|ref| {scale:.4g}, "
              f"relative {diff / scale:.3g} (limit {rel:g})")
        return 0 if diff <= rel * scale else 1
    if len(argv) == 3 and argv[0] == "raw":
        np.load(argv[1]).astype(np.float32).tofile(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
