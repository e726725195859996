#!/usr/bin/env bash
# Scripted REPL sessions: `netc repl < SESSION` with stdout and stderr
# together, compared with SESSION's .expected file once the times are
# blanked out (and the repository's path). A `# exit: N` line in a session
# gives the exit code it must end with (default 0). Then :run against
# `netc run` on the same network, weights and input.
#   NETC_UPDATE_GOLDEN=1 bash tests/repl/repl_test.sh build/bin/netc   rewrites the .expected files
set -u
netc=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=/usr/bin/python3  # Debian's, with NumPy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# Sessions run in a scratch directory holding images.npy, [2, 32, 32, 3].
"$py" -c "import numpy as np; np.save('$tmp/images.npy', np.random.RandomState(0).rand(2, 32, 32, 3).astype(np.float32))"

# ... and for :train, scikit-learn's digits: digits.npz (300 for training),
# digits_val.npz (100), digit_images.npy (5 of them) and digits_28.npz (a
# shape the networks do not take).
"$py" - "$tmp" <<'PY'
import sys
import numpy as np
from sklearn.datasets import load_digits
d = load_digits()
x, y = (d.images / 16).astype(np.float32)[..., None], d.target
np.savez(sys.argv[1] + "/digits.npz", images=x[:300], labels=y[:300])
np.savez(sys.argv[1] + "/digits_val.npz", images=x[300:400], labels=y[300:400])
np.save(sys.argv[1] + "/digit_images.npy", x[300:305])
np.savez(sys.argv[1] + "/digits_28.npz", images=np.zeros((4, 28, 28, 1), np.float32), labels=y[:4])
PY

# Times, and top-5 values (their last digit may differ between vector widths).
filter() {
  sed -E -e 's/JIT compile [0-9.]+ (ms|s)/JIT compile # \1/' \
         -e 's/forward [0-9.]+ ms/forward # ms/' \
         -e 's/steps, [0-9.]+ \+\/- [0-9.]+ sec/steps, # +\/- # sec/' \
         -e 's/^[0-9.]+ images\/s/# images\/s/' \
         -e 's/images\/s forward, [0-9.]+ images\/s/images\/s forward, # images\/s/' \
         -e 's/training kernels [0-9.]+ s \([0-9]+ compiled, [0-9]+ from/training kernels # s (# compiled, # from/' \
         -e '/top-5:/ s/\(-?[0-9][0-9.e+-]*\)/(#)/g' \
         -e '/^epoch [0-9]+: / s/[0-9]+\.[0-9]+/#/g' \
         -e "s|$root/|ROOT/|g" \
         -e '/: warning: other processes use [0-9]*% of the CPUs/d' 
}

session() {  # NAME FILE
  local name=$1 file=$2 want code out
  want=$(sed -nE 's/^# exit: ([0-9]+)$/\1/p' "$file" | head -1)
  out=$(cd "$tmp" && timeout 300 "$netc" repl <"$file" 2>&1); code=$?
  out=$(filter <<<"$out")
  if [ "${NETC_UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$out" >"$here/$name.expected"
  fi
  if [ "$code" != "${want:-0}" ]; then
    bad "$name: exit $code, want ${want:-0}"; echo "$out" | tail -20
  elif ! diff -u "$here/$name.expected" <(printf '%s\n' "$out") >"$tmp/diff"; then
    bad "$name: output differs from $name.expected:"; cat "$tmp/diff"
  else
    ok
  fi
}

session example "$root/examples/repl_session.txt"
for f in "$here"/*.session; do session "$(basename "$f" .session)" "$f"; done

# The example wrote its stmt dump and its output.
grep -q "produce tinyres/logits" "$tmp/tinyres.stmt" && ok || bad "example: tinyres.stmt has no tinyres/logits"
"$py" -c "import numpy as np; y = np.load('$tmp/logits.npy'); assert y.shape == (2, 10) and np.isfinite(y).all()" \
  && ok || bad "example: logits.npy is not a finite [2, 10] array"

# :run prints and writes what `netc run` does on the same network, weights
# and input, whether the weights are random or loaded from an .npz the
# REPL saved.
cat >"$tmp/small.net" <<'NET'
network small(x: f32[N, 6, 6, 3], width = 8) {
  x = conv2d(x, width, 3, normalizer = batch_norm) @ conv
  x = conv2d(x, width, 3, activation = none) @ res + x
  return fully_connected(flatten(x), 10, activation = none) @ logits
}
NET
"$py" -c "import numpy as np; np.save('$tmp/x.npy', np.random.RandomState(1).randn(3, 6, 6, 3).astype(np.float32))"
cat >"$tmp/consistency.txt" <<'EOF'
:load small.net
:weights random 3
:run small x.npy -o repl_random.npy
:weights save small w.npz
:weights load w.npz
:run small x.npy -o repl_loaded.npy
EOF
repl_out=$(cd "$tmp" && "$netc" repl <consistency.txt 2>&1) || bad "consistency session failed: $repl_out"
cli_out=$(cd "$tmp" && "$netc" run small.net --random-weights 3 --input x.npy -o cli_random.npy 2>&1) \
  || bad "netc run failed: $cli_out"
(cd "$tmp" && "$netc" run small.net --weights w.npz --input x.npy -o cli_loaded.npy >/dev/null 2>&1) \
  || bad "netc run --weights failed"
"$py" - "$tmp" <<'PY' && ok || bad ":run output differs from netc run's"
import sys, numpy as np
d = sys.argv[1]
a, b = np.load(d + "/repl_random.npy"), np.load(d + "/cli_random.npy")
c, e = np.load(d + "/repl_loaded.npy"), np.load(d + "/cli_loaded.npy")
assert a.shape == (3, 10) and np.array_equal(a, b) and np.array_equal(c, e) and np.array_equal(a, c), (a, b, c, e)
PY
top() { grep "top-5" <<<"$1"; }
[ -n "$(top "$cli_out")" ] && [ "$(top "$cli_out")" = "$(top "$repl_out" | head -3)" ] && ok \
  || bad ":run's top-5 lines differ from netc run's"$'\n'"$repl_out"$'\n'"$cli_out"

# :train takes the very steps netc train takes on the same network (batch
# norm, dropout, L2, Adam), weights, data and options.
cat >"$tmp/train.txt" <<EOF
:load $root/tests/train/digits.net
:weights random 2
:train digits data=digits.npz epochs=2 batch=64 lr=0.01 seed=3 -o repl_trained.npz
EOF
(cd "$tmp" && "$netc" repl <train.txt >/dev/null 2>&1) || bad ":train session failed"
(cd "$tmp" && "$netc" train "$root/tests/train/digits.net" --entry digits --data digits.npz --random-weights 2 \
  --epochs 2 --batch 64 --lr 0.01 --seed 3 -o cli_trained.npz >/dev/null 2>&1) || bad "netc train failed"
"$py" - "$tmp" <<'PY' && ok || bad ":train's checkpoint differs from netc train's"
import sys, numpy as np
a, b = np.load(sys.argv[1] + "/repl_trained.npz"), np.load(sys.argv[1] + "/cli_trained.npz")
assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a), [k for k in a if not np.array_equal(a[k], b.get(k))]
assert float(a["netc_train/global_step"]) == 10  # 2 epochs of 5 batches, the last of 44
PY

# A long definition is read in time proportional to it (it was parsed again
# at every line: 270 KB inside an open comment took 80 s). 10,000 lines in a
# network's body, then 10,000 in a comment never closed.
{
  echo "network long(x: f32[N, 4, 4, 2]) {"
  for i in $(seq 10000); do echo "  y$i = \"}{\" // a line of a long body {"; done
  echo "  return x"
  echo "}"
  echo ":shape long"
  echo "/* a comment the input never closes"
  for i in $(seq 10000); do echo "  const z$i = $i { \"}\" // }"; done
} >"$tmp/long.txt"
out=$(timeout $((20 * ${NETC_TEST_TIME_SCALE:-1})) "$netc" repl <"$tmp/long.txt" 2>&1); code=$?
[ "$code" = 1 ] && grep -q "^defined network long: \[N, 4, 4, 2\] -> \[N, 4, 4, 2\]" <<<"$out" &&
  grep -q "^long: images\|^long: x \[N, 4, 4, 2\]" <<<"$out" && grep -q "input ended inside a definition" <<<"$out" &&
  ok || bad "long definitions: exit $code, output: $(head -c 600 <<<"$out")"

# Without a terminal the REPL prompts nothing and, on `:quit`, stops reading.
out=$(printf 'const a = 1\n:quit\n:shape a\n' | "$netc" repl 2>&1); code=$?
[ "$code" = 0 ] && [ "$out" = "defined const a = 1" ] && ok || bad ":quit: exit $code, output: $out"
"$netc" repl x.net >/dev/null 2>&1; [ $? = 2 ] && ok || bad "netc repl FILE is not a usage error"
"$netc" repl --help | grep -q "netc repl < SCRIPT" && ok || bad "netc repl --help says nothing of scripts"

echo "repl sessions: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
