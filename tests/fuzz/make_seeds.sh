#!/usr/bin/env bash
# make_seeds.sh BUILD_DIR
#
# Writes the committed seed corpora of the file-format harnesses (run once;
# the output is in git): .npy files as NumPy writes them (each header
# version, dtypes netc refuses, Fortran order, empty and scalar shapes),
# .npz archives stored, deflated and zip64 (by NumPy and by netc's writer),
# and weight files for weights_net.net (right, one tensor missing, one extra,
# one mis-shaped). Needs Debian's python3-numpy, BUILD_DIR/bin/netc and
# BUILD_DIR/bin/npz_tool.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
npz_tool=$build/bin/npz_tool
cd "$here/corpus"
rm -f npy/* npz/* weights/*

/usr/bin/python3 - <<'PY'
import io, zipfile
import numpy as np
from numpy.lib import format as npf

rng = np.random.RandomState(0)
def save(path, a, version=None):
    with open(path, "wb") as f:
        npf.write_array(f, a, version=version, allow_pickle=False)

save("npy/f32_2x3.npy", rng.rand(2, 3).astype(np.float32))
save("npy/f32_image.npy", rng.rand(1, 4, 4, 3).astype(np.float32))
save("npy/f32_scalar.npy", np.float32(1.5).reshape(()))
save("npy/f32_empty.npy", np.zeros((0, 3), np.float32))
save("npy/f32_v2.npy", rng.rand(3).astype(np.float32), version=(2, 0))
save("npy/f32_v3.npy", rng.rand(3).astype(np.float32), version=(3, 0))
save("npy/f32_fortran.npy", np.asfortranarray(rng.rand(2, 3).astype(np.float32)))
save("npy/f32_big_endian.npy", rng.rand(4).astype(">f4"))
save("npy/f64.npy", rng.rand(2, 2))
save("npy/i32.npy", np.arange(5, dtype=np.int32))
save("npy/structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i2")]))
save("npy/unicode.npy", np.array(["ab", "c"]))

a = {"x": rng.rand(2, 3).astype(np.float32), "conv/weights": rng.rand(1, 1, 2, 2).astype(np.float32)}
np.savez("npz/stored.npz", **a)
np.savez_compressed("npz/deflated.npz", **a)
np.savez("npz/empty.npz")
np.savez("npz/f64_member.npz", x=rng.rand(2))
# Python's zipfile: zip64 extra fields in local headers, a directory entry, a comment.
with zipfile.ZipFile("npz/zip64_local.npz", "w", zipfile.ZIP_DEFLATED) as z:
    for name, v in a.items():
        buf = io.BytesIO(); npf.write_array(buf, v)
        with z.open(name + ".npy", "w", force_zip64=True) as m:
            m.write(buf.getvalue())
    z.writestr("dir/", b"")
    z.comment = b"made by make_seeds.sh"
PY

"$npz_tool" copy npz/stored.npz npz/netc_stored.npz stored
"$npz_tool" copy npz/stored.npz npz/netc_deflated.npz deflated
"$npz_tool" copy npz/stored.npz npz/netc_zip64.npz zip64
"$npz_tool" copy npz/stored.npz npz/netc_zip64_deflated.npz zip64-deflated

net=$here/weights_net.net
"$build/bin/netc" weights "$net" --random-weights 1 -o weights/stored.npz >/dev/null
"$npz_tool" copy weights/stored.npz weights/deflated.npz deflated
"$npz_tool" copy weights/stored.npz weights/zip64.npz zip64
"$npz_tool" copy weights/stored.npz weights/zip64_deflated.npz zip64-deflated
/usr/bin/python3 - <<'PY'
import numpy as np
w = dict(np.load("weights/stored.npz"))
names = sorted(w)
np.savez_compressed("weights/numpy_compressed.npz", **w)
missing = dict(w); del missing[names[0]]
np.savez("weights/missing.npz", **missing)
extra = dict(w); extra["tiny/extra/weights"] = np.zeros((1, 2), np.float32)
np.savez("weights/extra.npz", **extra)
shaped = dict(w); shaped[names[1]] = np.zeros((3,), np.float32)
np.savez("weights/misshaped.npz", **shaped)
f64 = dict(w); f64[names[2]] = w[names[2]].astype(np.float64)
np.savez("weights/float64.npz", **f64)
PY
ls -l npy npz weights
