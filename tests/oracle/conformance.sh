#!/usr/bin/env bash
# conformance.sh NETC VENV NET BATCH SIZE WORKDIR [SEED]
#
# Forward-pass conformance of one stdlib network (a CTest test): netc's output
# on random weights and a random input against the reference framework's on
# the same weights and input, within 1e-4 * max(1, max|ref|) (SPEC).
#   X.npy  standard normal float32 [BATCH,SIZE,SIZE,3]  (seed SEED, default 1)
#   W.npz  netc weights --random-weights SEED
#   Y.npy  netc run on W, X
#   R.npy  forward_tf.py (TF-slim, VENV's python) or forward_torch.py
#          (torchvision, Debian's python3) on W, X
# NETC=- is the harness's self-check, needing no netc: the framework writes
# its own seeded initial weights to W.npz and its output on them to Y.npy,
# then a second process loads W.npz by name, and Y and R must be equal.
# Exits 0 on agreement, 1 on any failure (the failing tool's stderr shows),
# keeping the files in WORKDIR; on success only W.npz is removed.
set -uo pipefail

if [ $# -lt 6 ] || [ $# -gt 7 ]; then
  echo "usage: $0 NETC|- VENV NET BATCH SIZE WORKDIR [SEED]" >&2
  exit 2
fi
netc=$1 venv=$2 net=$3 batch=$4 size=$5 work=$6 seed=${7:-1}
# The steps run inside WORKDIR, so relative tool paths are made absolute.
case $netc in -|/*) ;; */*) netc=$PWD/$netc ;; esac
case $venv in /*) ;; *) venv=$PWD/$venv ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stdlib=$(cd "$here/../../stdlib" && pwd)
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1

# NET -> the stdlib file that defines it and the framework that is its reference.
case $net in
  resnet_v1_18|resnet_v1_34) file=resnet_v1.net fw=torch ;;
  resnet_v1_50|resnet_v1_101|resnet_v1_152) file=resnet_v1.net fw=tf ;;
  resnet_v2_50|resnet_v2_101|resnet_v2_152|resnet_v2_200) file=resnet_v2.net fw=tf ;;
  inception_v3) file=inception_v3.net fw=tf ;;
  vgg_a|vgg_16|vgg_19) file=vgg.net fw=tf ;;
  alexnet_v2) file=alexnet.net fw=tf ;;
  mobilenet_v2) file=mobilenet_v2.net fw=torch ;;
  *) echo "conformance: unknown network '$net'" >&2; exit 2 ;;
esac
if [ $fw = tf ]; then ref=("$venv/bin/python" "$here/forward_tf.py")
else ref=(/usr/bin/python3 "$here/forward_torch.py"); fi
numpy=("$venv/bin/python" "$here/conformance.py")
label="$net batch $batch ${size}x$size"

fail() { echo "conformance $label: FAIL: $*" >&2; exit 1; }
# Runs a step, echoing it first so a failure's log says what ran.
step() { echo "+ $*"; "$@" || fail "exit status $? from: $*"; }

mkdir -p "$work" || fail "cannot create $work"
cd "$work" || fail "cannot enter $work"
rm -f X.npy W.npz Y.npy R.npy  # never compare a previous run's files

step "${numpy[@]}" input X.npy "$batch" "$size" "$seed"
if [ "$netc" = - ]; then
  step "${ref[@]}" "$net" W.npz X.npy Y.npy --export-init "$seed"
  exact=--exact
else
  step "$netc" weights "$stdlib/$file" --entry "$net" --random-weights "$seed" \
       --image-size "$size,$size" -o W.npz
  step "$netc" run "$stdlib/$file" --entry "$net" --weights W.npz --input X.npy \
       --image-size "$size,$size" -o Y.npy
  exact=
fi
step "${ref[@]}" "$net" W.npz X.npy R.npy
"${numpy[@]}" compare "$label" Y.npy R.npy $exact || exit 1
# All agree: drop the weights (up to 550 MB for the VGGs; 7 GB for the whole
# suite). A failure keeps every file for a rerun by hand.
rm -f W.npz
