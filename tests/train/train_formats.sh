#!/bin/bash
# netc train reads MNIST's idx files (gzipped or not) and CIFAR-10's binary
# batches as NumPy reads them: the loss and every gradient on a whole split
# equal those on the same bytes converted by NumPy into an .npz (so the
# /255 scaling, CIFAR's channel planes into NHWC, the order of the batches
# and the labels all agree). Then training from each format works: a few
# epochs from MNIST's directory reach a sane validation accuracy, and two on
# the CIFAR batches lower the loss and beat chance.
# usage: train_formats.sh NETC WORKDIR
set -euo pipefail
netc=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
net="$here/formats.net"
mkdir -p "$work"
/usr/bin/python3 "$here/make_formats.py" "$work"

# same_gradients ENTRY SPEC NPZ: the first step's loss and gradients on the
# whole split, from SPEC and from NPZ, must be identical. The networks are
# fully connected on the flattened images, so every pixel shows.
same_gradients() {
  local entry=$1 spec=$2 npz=$3
  "$netc" train "$net" --entry "$entry" --random-weights 1 --batch 1500 --data "$spec" --gradients "$work/a.npz" >/dev/null
  "$netc" train "$net" --entry "$entry" --random-weights 1 --batch 1500 --data "$npz" --gradients "$work/b.npz" >/dev/null
  /usr/bin/python3 - "$work/a.npz" "$work/b.npz" "$spec" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert sorted(a) == sorted(b) and len(a) > 1, (sorted(a), sorted(b))
bad = [k for k in a if not np.array_equal(a[k], b[k])]
if bad:
    sys.exit(f"{sys.argv[3]}: gradients differ from the .npz's in {bad}")
print(f"ok: {sys.argv[3]} reads as NumPy reads it (loss {float(a['loss']):.6f})")
PY
}
m="$work/mnist"
c="$work/cifar"
same_gradients mnist_flat "$m" "$work/mnist_train.npz"
same_gradients mnist_flat "$m/t10k-images-idx3-ubyte:$m/t10k-labels-idx1-ubyte" "$work/mnist_val.npz"
same_gradients cifar_flat "$c" "$work/cifar_train.npz"
same_gradients cifar_flat "$c/test_batch.bin" "$work/cifar_val.npz"

# Training from the idx directory (t10k-* for validation) and the CIFAR
# batches named one by one.
"$netc" train "$net" --entry mnist_mlp --data "$m" --validation "$m" --random-weights 1 --lr 0.01 --batch 32 \
  --epochs 3 -o "$work/mnist_trained.npz" | tee "$work/mnist.log"
"$netc" train "$net" --entry cifar --data "$c/data_batch_1.bin,$c/data_batch_2.bin" --validation "$c" \
  --random-weights 1 --lr 0.01 --batch 32 --epochs 2 -o "$work/cifar_trained.npz" | tee "$work/cifar.log"
/usr/bin/python3 - "$work" <<'PY'
import re
import sys
work = sys.argv[1]
def epochs(name):
    text = open(f"{work}/{name}.log").read()
    return [(float(l), float(v)) for l, v in re.findall(r"loss ([0-9.]+), .*validation accuracy ([0-9.]+)%", text)]
mnist, cifar = epochs("mnist"), epochs("cifar")
assert len(mnist) == 3 and len(cifar) == 2, (mnist, cifar)
if mnist[-1][1] < 90:
    sys.exit(f"MNIST-format digits: validation accuracy {mnist[-1][1]}% < 90% after 3 epochs")
if not (cifar[1][0] < cifar[0][0] and cifar[-1][1] > 30):
    sys.exit(f"CIFAR-format digits: loss {cifar[0][0]} -> {cifar[1][0]}, validation {cifar[-1][1]}% (chance: 10%)")
print(f"ok: MNIST format {mnist[-1][1]}%, CIFAR format loss {cifar[0][0]} -> {cifar[1][0]}, {cifar[-1][1]}%")
PY
