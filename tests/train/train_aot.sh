#!/bin/bash
# The AOT training step (netc FILE.net --train -o STEP.o) from C, against
# `netc train` (whose gradients and updates the other train tests check
# against PyTorch and TF):
#  - examples/train_digits.c, built with plain cc, trains the digits CNN to
#    >= 95% validation accuracy;
#  - one step on one example leaves the weights, moving statistics and
#    optimizer state that `netc train --steps 1` leaves (Adam, and SGD with
#    momentum);
#  - the loss and gradients of a 32-example batch equal `netc train --gradients`;
#  - bad arguments come back as error codes with messages.
# usage: train_aot.sh NETC WORKDIR
set -euo pipefail
netc=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../../examples" && pwd)
py=/usr/bin/python3
mkdir -p "$work"
cd "$work"
rm -f digits_step.* digits_momentum.* train_digits aot_step aot_* jit_*
"$py" "$here/make_digits.py" train.npz val.npz
start=$(date +%s)
"$netc" "$here/digits.net" --entry digits --train --random-weights 1 --optimizer adam --lr 0.01 -o digits_step.o
echo "compiled in $(( $(date +%s) - start )) s"
cc -std=c11 -O2 -Wall -Wextra -Werror -I. "$examples/train_digits.c" digits_step.o -lpthread -ldl -lm -o train_digits
cc -std=c11 -O2 -Wall -Wextra -Werror -I. "$here/aot_step.c" digits_step.o -lpthread -ldl -lm -o aot_step

# Convergence, from C.
start=$(date +%s)
./train_digits train_images.npy train_labels.npy val_images.npy val_labels.npy 10 0.01 32 | tee train.log
echo "trained in $(( $(date +%s) - start )) s"
acc=$(grep -o 'validation accuracy [0-9.]*' train.log | tail -1 | awk '{print $3}')
"$py" -c "import sys; a = float('$acc'); sys.exit(0 if a >= 95 else f'validation accuracy {a}% < 95%')"

# The batches the comparisons take: the first example, the first 32.
"$py" - <<'PY'
import numpy as np
d = np.load("train.npz")
for name, n in (("one", 1), ("b32", 32)):
    np.savez(f"{name}.npz", images=d["images"][:n], labels=d["labels"][:n])
    d["images"][:n].astype(np.float32).tofile(f"{name}_images.raw")
    d["labels"][:n].astype(np.int32).tofile(f"{name}_labels.raw")
PY
seed=3
"$netc" train "$here/digits.net" --entry digits --data one.npz --random-weights 1 --optimizer adam --lr 0.01 \
    --batch 1 --steps 1 --seed $seed -o jit_one.npz > /dev/null
./aot_step step one_images.raw one_labels.raw 1 $((1 + 7919 * seed)) 0.01 aot_one
"$netc" train "$here/digits.net" --entry digits --data b32.npz --random-weights 1 --batch 32 --seed $seed \
    --gradients jit_b32.npz > /dev/null
./aot_step step b32_images.raw b32_labels.raw 32 $seed 0.01 aot_b32
# SGD with momentum: the learning rate reaches its kernels directly.
"$netc" "$here/digits.net" --entry digits --train --random-weights 1 --optimizer momentum --lr 0.05 \
    -o digits_momentum.o
cc -std=c11 -O2 -Wall -Wextra -Werror -I. '-DSTEP_HEADER="digits_momentum.h"' "$here/aot_step.c" \
    digits_momentum.o -lpthread -ldl -lm -o aot_step_momentum
"$netc" train "$here/digits.net" --entry digits --data one.npz --random-weights 1 --optimizer momentum --lr 0.05 \
    --batch 1 --steps 1 --seed $seed -o jit_one_momentum.npz > /dev/null
./aot_step_momentum step one_images.raw one_labels.raw 1 $((1 + 7919 * seed)) 0.05 aot_one_momentum
"$py" - <<'PY'
import sys
import numpy as np

failed = False
def compare(what, got, ref):
    global failed
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    err = float(np.abs(got - ref).max()) if ref.size else 0.0
    ok = got.shape == ref.shape and err <= 1e-5 * scale
    failed |= not ok
    print(f"  {'ok' if ok else 'FAIL'} {what}: max error {err:.3g} (max |netc train| {scale:.3g})")

def arrays(out):
    blocks = {b: np.fromfile(f"{out}.{b}", dtype=np.float32) for b in ("weights", "state", "grads")}
    for line in open(f"{out}.arrays"):
        block, name, at, size = line.split()
        yield block, name, blocks, int(at), int(size)

for optimizer, out, jit in (("Adam", "aot_one", "jit_one"), ("momentum", "aot_one_momentum", "jit_one_momentum")):
    print(f"one {optimizer} step on one example, against netc train --steps 1:")
    ref = np.load(f"{jit}.npz")
    for block, name, blocks, at, size in arrays(out):
        compare(f"{block} {name}", blocks[block][at:at + size], ref[name].reshape(-1).astype(np.float32))
print("loss and gradients of 32 examples, against netc train --gradients:")
ref = np.load("jit_b32.npz")
loss, _ = open("aot_b32.loss").read().split()
compare("loss", np.array([float(loss)]), ref["loss"].reshape(-1))
for block, name, blocks, at, size in arrays("aot_b32"):
    if block == "weights" and name in ref.files:
        compare(f"gradient of {name}", blocks["grads"][at:at + size], ref[name].reshape(-1))
sys.exit("the AOT step differs from netc train's" if failed else 0)
PY

./aot_step errors b32_images.raw b32_labels.raw
