#!/usr/bin/env bash
# aot_vs_jit.sh NETC FILE NET SIZE WORKDIR [TARGET]
#
# An AOT object against the JIT on the same weights and inputs (a CTest
# test): compiles NET of FILE at SIZE x SIZE with `netc FILE -o NET.o`, links
# tests/aot/aot_run.c against it with plain cc (C99, -Werror, no C++
# library), and runs it at batch 1 and 3. Each output must equal `netc run`'s
# within 1e-6 relative (max|diff| <= 1e-6 * max(1, max|jit|)). The JIT's own
# correctness is checked against TF-slim and PyTorch by the conformance tests.
set -uo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 NETC FILE NET SIZE WORKDIR [TARGET]" >&2
  exit 2
fi
netc=$1 file=$2 net=$3 size=$4 work=$5 target=${6:-host}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "aot_vs_jit $net: FAIL: $*" >&2; exit 1; }
step() { echo "+ $*"; "$@" || fail "exit status $? from: $*"; }

mkdir -p "$work" && cd "$work" || fail "cannot enter $work"
rm -f ./*.npy "$net".o "$net".h run
step "$netc" "$file" --entry "$net" --image-size "$size" --random-weights 1 --target "$target" -o "$net.o"
step cc -std=c99 -Wall -Wextra -Werror -pedantic -DENTRY="$net" -include "$net.h" "$here/aot_run.c" "$net.o" \
     -lpthread -ldl -lm -o run
# The object must not need the C++ runtime, Halide or LLVM.
if ldd ./run | grep -E 'libstdc\+\+|Halide|LLVM'; then fail "the app links a C++, Halide or LLVM library"; fi
for batch in 1 3; do
  step /usr/bin/python3 "$here/npy_tool.py" random "X$batch.npy" "$batch" "$size" 3
  step ./run "X$batch.npy" "A$batch.npy"
  step "$netc" run "$file" --entry "$net" --image-size "$size" --random-weights 1 --input "X$batch.npy" -o "J$batch.npy"
  step /usr/bin/python3 "$here/npy_tool.py" compare "A$batch.npy" "J$batch.npy" 1e-6
done
rm -f "$net".o run
echo "aot_vs_jit $net: ok"
