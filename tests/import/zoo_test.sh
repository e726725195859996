#!/usr/bin/env bash
# zoo_test.sh NETC ORT_VENV WORKDIR MODEL SIZE
#
# One torchvision CNN end to end through netc import: exported to ONNX by
# Debian's torch (cached in WORKDIR), imported (`netc import`), run by netc
# at batch 1 and 2 on a standard-normal input, and compared with ONNX
# Runtime on the same .onnx and input: max|netc - ort| <= 1e-4 * max(1, max|ort|).
set -uo pipefail
netc=$(realpath "$1") venv=$(realpath "$2") work=$3 model=$4 size=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3
mkdir -p "$work" && cd "$work" || exit 1
step() { echo "+ $*"; "$@" || { echo "zoo $model: FAIL at: $*"; exit 1; }; }
# The export is cached per size: a size changed in CMake must not reuse it.
onnx=$model.$size.onnx
[ -f "$onnx" ] || step "$py" "$here/zoo.py" export "$model" "$size" "$onnx.tmp"
[ -f "$onnx.tmp" ] && mv "$onnx.tmp" "$onnx"
# The models' tests run in parallel in one WORKDIR: each keeps its own files.
X=$model.X.npy XN=$model.X_nchw.npy Y=$model.Y.npy R=$model.R.npy
step "$netc" import "$onnx" -o "$model.net" --weights "$model.npz"
for batch in 1 2; do
  step "$py" "$here/zoo.py" input "$size" "$batch" "$X" "$XN"
  step "$netc" run "$model.net" --weights "$model.npz" --input "$X" -o "$Y"
  step "$venv/bin/python" "$here/zoo.py" reference "$onnx" "$XN" "$R"
  out=$("$py" "$here/zoo.py" compare "$Y" "$R"); code=$?
  echo "zoo $model batch $batch ${size}x$size: $out"
  [ "$code" = 0 ] || exit 1
done
