#!/bin/bash
# Convergence: netc train takes the digits CNN to >= 95% validation accuracy
# on scikit-learn's 8x8 digits, and `netc run` of the inference network on
# the trained weights agrees (NumPy scores its logits against the labels).
# usage: train_digits.sh NETC WORKDIR
set -euo pipefail
netc=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
/usr/bin/python3 "$here/make_digits.py" "$work/train.npz" "$work/val.npz"
start=$(date +%s)
"$netc" train "$here/digits.net" --entry digits --data "$work/train.npz" --validation "$work/val.npz" \
    --random-weights 1 --optimizer adam --lr 0.01 --batch 32 --epochs 10 --seed 1 -o "$work/trained.npz" \
    | tee "$work/train.log"
echo "trained in $(( $(date +%s) - start )) s"
acc=$(grep -o 'validation accuracy [0-9.]*' "$work/train.log" | tail -1 | awk '{print $3}')
/usr/bin/python3 -c "import sys; a = float('$acc'); sys.exit(0 if a >= 95 else f'validation accuracy {a}% < 95%')"
"$netc" run "$here/digits.net" --entry digits_eval --weights "$work/trained.npz" \
    --input "$work/val_images.npy" -o "$work/logits.npy" > /dev/null
/usr/bin/python3 - "$work" "$acc" <<'PY'
import sys
import numpy as np
work, reported = sys.argv[1], float(sys.argv[2])
logits = np.load(f"{work}/logits.npy")
labels = np.load(f"{work}/val_labels.npy")
acc = 100.0 * (logits.argmax(1) == labels).mean()
print(f"netc run on the trained weights: {acc:.2f}% (netc train reported {reported}%)")
if acc < 95 or abs(acc - reported) > 0.01:
    sys.exit("netc run disagrees with netc train's validation accuracy")
PY
