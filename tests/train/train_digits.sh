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

# Resuming: the checkpoint's Adam state carries on (beta powers advance by
# one step from where they were, the slots move), the variables keep training.
"$netc" train "$here/digits.net" --entry digits --data "$work/train.npz" --weights "$work/trained.npz" \
    --optimizer adam --lr 0.01 --batch 32 --steps 1 -o "$work/resumed.npz" 2> "$work/resume.err" > /dev/null
grep -q "resuming the optimizer's state from $work/trained.npz" "$work/resume.err" || { cat "$work/resume.err"; exit 1; }
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
work = sys.argv[1]
a, b = np.load(f"{work}/trained.npz"), np.load(f"{work}/resumed.npz")
steps = 470  # 10 epochs of 47 batches (46 of 32 and the last, of 28)
assert abs(a["beta1_power"] - 0.9 ** (steps + 1)) < 1e-6 * 0.9 ** steps, a["beta1_power"]
assert abs(b["beta1_power"] - 0.9 ** (steps + 2)) < 1e-6 * 0.9 ** steps, b["beta1_power"]
assert abs(b["beta2_power"] - a["beta2_power"] * 0.999) < 1e-6, (a["beta2_power"], b["beta2_power"])
k = "digits/conv1/weights"
assert not np.array_equal(a[k + "/Adam"], b[k + "/Adam"]) and not np.array_equal(a[k], b[k])
print("resumed: Adam's state carried on")
PY
