#!/usr/bin/env bash
# The kernel cache, the tuning table and the profile as a user meets them:
# a second run links cached kernels and computes the same bytes; a damaged
# cache entry is a miss, never bad code; `netc tune` writes a table that
# later compiles use (--tuning FILE for another machine's); a table whose
# schedule is hand-picked changes the kernel's schedule but not its output;
# a malformed table is a located error; `netc profile` prints its table.
# Timings are never asserted.
set -u
netc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
py=/usr/bin/python3
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# check DESCRIPTION PATTERN TEXT
check() { if grep -Eq -- "$2" <<<"$3"; then ok; else bad "$1: no match for '$2' in:"; echo "$3" | head -12; fi; }

cat >"$tmp/small.net" <<'NET'
network small(images: f32[N, 12, 10, 3]) {
  net = conv2d(images, 32, 3, activation = relu, normalizer = none) @ conv1
  net = conv2d(net, 48, 1, activation = relu, normalizer = none) @ conv2
  net = reduce_mean(net, [1, 2]) @ pool
  return fully_connected(net, 5, activation = none) @ logits
}
NET
"$py" -c "import numpy as np; np.save('$tmp/x.npy', np.random.RandomState(1).rand(3, 12, 10, 3).astype(np.float32))"
export NETC_CACHE_DIR=$tmp/cache
run() { "$netc" run "$tmp/small.net" --random-weights 2 --input "$tmp/x.npy" "$@" 2>&1; }
same() {  # A.npy B.npy: bit for bit
  "$py" -c "import numpy as np, sys; a, b = np.load('$1'), np.load('$2'); sys.exit(0 if a.shape == b.shape and (a == b).all() else 1)"
}

# The kernel cache: compiled once, then linked from disk.
out=$(run -v -o "$tmp/y1.npy")
check "first run compiles" "steps run [0-9]+ kernels \(([1-9][0-9]*) compiled, 0 from the kernel cache" "$out"
out=$(run -v -o "$tmp/y2.npy")
check "second run links" "\(0 compiled, [1-9][0-9]* from the kernel cache" "$out"
same "$tmp/y1.npy" "$tmp/y2.npy" && ok || bad "a cached kernel computes other bytes"
# Damage every cached object: each is then a miss and is compiled again.
for f in "$tmp"/cache/netc_*.o; do printf 'garbage' | dd of="$f" bs=1 seek=200 conv=notrunc status=none; done
out=$(run -v -o "$tmp/y3.npy")
check "damaged entries are recompiled" "\(([1-9][0-9]*) compiled, 0 from the kernel cache" "$out"
same "$tmp/y1.npy" "$tmp/y3.npy" && ok || bad "recompiled kernels compute other bytes"
out=$(NETC_CACHE_DIR=off run -v -o "$tmp/y4.npy")
check "NETC_CACHE_DIR=off compiles" "\(([1-9][0-9]*) compiled, 0 from the kernel cache" "$out"

# netc tune: a table of every convolution, used by later compiles.
out=$("$netc" tune "$tmp/small.net" --threads 1 --tuning "$tmp/t.tune" 2>&1); code=$?
[ "$code" = 0 ] && ok || bad "netc tune exited $code"
check "tune prints its table" "best schedule" "$out"
check "tune names the table" "tuning table: $tmp/t.tune \(3 entries\)" "$out"
check "the table holds conv1" "^conv k3x3 s1x1 d1x1 in3 out32x10x12	(direct|winograd[24]) " "$(cat "$tmp/t.tune")"
out=$(run -v --tuning "$tmp/t.tune" -o "$tmp/y5.npy")
check "run reads the table" "tuning table $tmp/t.tune: 3 entries" "$out"
"$py" -c "import numpy as np, sys; a, b = np.load('$tmp/y1.npy'), np.load('$tmp/y5.npy'); sys.exit(0 if np.abs(a - b).max() <= 1e-5 * max(1, np.abs(a).max()) else 1)" \
  && ok || bad "the tuned network's output differs"
out=$("$netc" tune "$tmp/small.net" --threads 1 --tuning "$tmp/t.tune" 2>&1)
check "a second tune keeps what is tuned" "^kept .*small/conv1" "$out"

# A hand-picked schedule is taken (profile shows it) and computes the same.
printf 'conv k3x3 s1x1 d1x1 in3 out32x10x12\tdirect b16 v16 t2x1 k3\t1\n' >"$tmp/pick.tune"
out=$("$netc" profile "$tmp/small.net" --random-weights 2 --tuning "$tmp/pick.tune" --steps 2 2>&1)
check "profile shows the picked schedule" "small/conv1 +conv 3x3 s1 +direct b16 v16 t2x1 k3" "$out"
check "profile counts against the peak" "% of the (AVX-512|AVX2|SSE) FMA peak" "$out"
check "profile sums by class" "by class" "$out"
run --tuning "$tmp/pick.tune" -o "$tmp/y6.npy" >/dev/null
"$py" -c "import numpy as np, sys; a, b = np.load('$tmp/y1.npy'), np.load('$tmp/y6.npy'); sys.exit(0 if np.abs(a - b).max() <= 1e-5 * max(1, np.abs(a).max()) else 1)" \
  && ok || bad "the picked schedule's output differs"
# A schedule that cannot run this kernel (Winograd for a 1x1 convolution) is not used.
printf 'conv k1x1 s1x1 d1x1 in32 out48x10x12\twinograd4 b16 v16 t1x1 k8\t1\n' >"$tmp/wrong.tune"
out=$("$netc" profile "$tmp/small.net" --tuning "$tmp/wrong.tune" --steps 1 2>&1)
check "an invalid schedule falls back to the model" "small/conv2 +conv 1x1 s1 +direct " "$out"

# Malformed tables: located errors, exit 1.
printf '# comment\nconv k3x3 only-two-fields\n' >"$tmp/bad.tune"
out=$(run --tuning "$tmp/bad.tune"); code=$?
[ "$code" = 1 ] && ok || bad "a malformed --tuning file exited $code"
check "the malformed line is named" "bad.tune:2: not a tuning entry" "$out"
out=$(run --tuning "$tmp/none.tune"); code=$?
[ "$code" = 1 ] && ok || bad "a missing --tuning file exited $code"
check "a missing table is named" "none.tune: cannot read the tuning file" "$out"

echo "tune: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
