#!/bin/bash
# Stopping and resuming netc train: a run stopped by SIGINT (sent at a known
# step through NETC_TRAIN_SIGNAL_AT_STEP, the real signal path) writes a
# checkpoint and prints the command that resumes it; that command ends with
# the very weights, optimizer slots and batch-norm statistics of the
# uninterrupted run (dropout, batch norm in training mode, Adam, a short last
# batch). The same from a stop by --steps at an epoch's end. The checkpoint
# runs with `netc run`.
# usage: train_resume.sh NETC WORKDIR
set -euo pipefail
netc=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
/usr/bin/python3 "$here/make_digits.py" "$work/train.npz" "$work/val.npz" >/dev/null
# 1500 examples in batches of 64: 24 steps an epoch, the last of 28.
common=("$here/digits.net" --entry digits --data "$work/train.npz" --optimizer adam --lr 0.01 --batch 64
        --epochs 2 --seed 5)

"$netc" train "${common[@]}" --random-weights 1 -o "$work/straight.npz" >/dev/null 2>"$work/straight.err"

same() {  # A B WHAT: every array of the two checkpoints identical
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
bad = [k for k in a if not np.array_equal(a[k], b[k])]
if bad:
    sys.exit(f"{sys.argv[3]}: differs from the uninterrupted run in {len(bad)} arrays: {bad[:5]}")
assert float(a["netc_train/global_step"]) == 48, a["netc_train/global_step"]
print(f"ok: {sys.argv[3]}: the same {len(a)} arrays as the uninterrupted run")
PY
}

# interrupt K NAME: SIGINT after step K, then the printed command resumes.
interrupt() {
  local k=$1 name=$2 rc=0
  NETC_TRAIN_SIGNAL_AT_STEP=$k "$netc" train "${common[@]}" --random-weights 1 -o "$work/$name.npz" \
    >/dev/null 2>"$work/$name.err" || rc=$?
  if [ "$rc" != 130 ] || ! grep -q "stopped by SIGINT after step $k .*checkpoint -> $work/$name.npz" "$work/$name.err"; then
    echo "FAIL: a SIGINT after step $k: exit $rc"; cat "$work/$name.err"; exit 1
  fi
  local resume
  resume=$(sed -n 's/^to resume: //p' "$work/$name.err")
  case "$resume" in
    *--random-weights*|"") echo "FAIL: the resume command is '$resume'"; exit 1 ;;
  esac
  # netc run takes the checkpoint as weights (its progress is skipped).
  "$netc" run "$here/digits.net" --entry digits_eval --weights "$work/$name.npz" --input "$work/val_images.npy" \
    -o "$work/$name-logits.npy" >/dev/null
  eval "${resume/#netc/\"\$netc\"}" >/dev/null 2>"$work/$name-resumed.err"
  grep -q "resuming $work/$name.npz after step $k" "$work/$name-resumed.err" || { cat "$work/$name-resumed.err"; exit 1; }
  same "$work/straight.npz" "$work/$name.npz" "stopped after step $k and resumed"
}
interrupt 10 mid_epoch

# --steps stops a run early (here at the end of the first epoch); --resume
# without it goes on to the end.
"$netc" train "${common[@]}" --random-weights 1 --steps 24 -o "$work/steps.npz" >/dev/null 2>&1
"$netc" train "${common[@]}" --resume "$work/steps.npz" -o "$work/steps.npz" >/dev/null 2>&1
same "$work/straight.npz" "$work/steps.npz" "--steps 24, then --resume"
