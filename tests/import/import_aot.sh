#!/usr/bin/env bash
# import_aot.sh NETC ORT_VENV WORKDIR MODEL SIZE
#
# An imported model is a network like any other: torchvision's MODEL,
# exported by Debian's torch and imported by `netc import`, is summarised,
# drawn (--emit=dot), compiled to an object with its weights embedded,
# linked into tests/aot/aot_run.c with plain cc, and run at batch 1 and 2;
# each output must equal ONNX Runtime's on the same .onnx within
# 1e-4 * max(1, max|ort|), like the JIT's in the zoo tests.
set -uo pipefail
netc=$(realpath "$1") venv=$(realpath "$2") work=$3 model=$4 size=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
aot=$here/../aot
py=/usr/bin/python3
mkdir -p "$work" && cd "$work" || exit 1
step() { echo "+ $*"; "$@" || { echo "import_aot $model: FAIL at: $*"; exit 1; }; }
step "$py" "$here/zoo.py" export "$model" "$size" "$model.onnx"
step "$netc" import "$model.onnx" -o "$model.net"
summary=$("$netc" summary "$model.net" 2>&1) || { echo "$summary"; echo "import_aot $model: FAIL: netc summary"; exit 1; }
grep -q "^FLOPs per image: " <<<"$summary" || { echo "$summary"; echo "import_aot $model: FAIL: no FLOPs in the summary"; exit 1; }
step "$netc" "$model.net" --weights "$model.npz" --emit=dot -o "$model.dot"
grep -q '^digraph' "$model.dot" || { echo "import_aot $model: FAIL: $model.dot is no graph"; exit 1; }
step "$netc" "$model.net" --weights "$model.npz" -o "$model.o"
step cc -std=c99 -Wall -Wextra -Werror -pedantic -DENTRY="$model" -include "$model.h" "$aot/aot_run.c" "$model.o" \
     -lpthread -ldl -lm -o run
for batch in 1 2; do
  step "$py" "$here/zoo.py" input "$size" "$batch" X.npy X_nchw.npy
  step ./run X.npy A.npy
  step "$venv/bin/python" "$here/zoo.py" reference "$model.onnx" X_nchw.npy R.npy
  out=$("$py" "$here/zoo.py" compare A.npy R.npy); code=$?
  echo "import_aot $model batch $batch ${size}x$size: $out"
  [ "$code" = 0 ] || exit 1
done
rm -f "$model.o" run
