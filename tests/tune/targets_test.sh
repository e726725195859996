#!/usr/bin/env bash
# Every instruction set's kernels compute the same network: the JIT's output
# for AVX2 (16 vector registers, 8 lanes: other register tiles, Winograd
# tiles and fused-block tiles) and for SSE4.1 (4 lanes, no FMA) against the
# host's (AVX-512 where the CPU has it), on networks that exercise the
# direct, Winograd, padded-channel and fused inverted-residual kernels.
# Within 1e-5 * max(1, max|y|): only the summation order differs.
set -u
netc=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
pass=0 fail=0
avx2=x86-64-linux-sse41-avx-avx2-f16c-fma
sse=x86-64-linux-sse41
# FILE ENTRY SIZE CHANNELS: input [2, SIZE, SIZE, CHANNELS].
cases=("$here/kinds.net kinds 28 16" "$root/stdlib/resnet_v1.net resnet_v1_18 64 3"
       "$root/stdlib/mobilenet_v2.net mobilenet_v2 128 3")
for c in "${cases[@]}"; do
  set -- $c
  file=$1 entry=$2 size=$3 channels=$4
  resize=()
  [ "$entry" = kinds ] || resize=(--image-size "$size")
  "$py" -c "import numpy as np; np.save('$tmp/x.npy', np.random.RandomState(3).randn(2, $size, $size, $channels).astype(np.float32))"
  rm -f "$tmp"/y_*.npy
  for t in host $avx2 $sse; do
    if ! "$netc" run "$file" --entry "$entry" "${resize[@]}" --random-weights 4 --input "$tmp/x.npy" \
        --target "$t" -o "$tmp/y_${t//-/_}.npy" >"$tmp/log" 2>&1; then
      fail=$((fail + 1)); echo "FAIL: $entry --target $t:"; head -5 "$tmp/log"; continue
    fi
  done
  for t in $avx2 $sse; do
    [ -f "$tmp/y_host.npy" ] && [ -f "$tmp/y_${t//-/_}.npy" ] || continue
    if "$py" - "$tmp/y_host.npy" "$tmp/y_${t//-/_}.npy" "$entry $t" <<'PY'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
d = np.abs(a - b).max()
lim = 1e-5 * max(1.0, np.abs(a).max())
print("%s: max|diff| %.3g (limit %.3g)" % (sys.argv[3], d, lim))
sys.exit(0 if a.shape == b.shape and d <= lim else 1)
PY
    then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $entry $t differs from the host's output"; fi
  done
done
echo "targets: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
