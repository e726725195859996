#!/usr/bin/env bash
# Networks with several inputs and outputs, as a user runs them: `netc run`
# with --input NAME=FILE and -o NAME=FILE, the REPL's :run, and an object's
# C ABI (one pointer per input and output, in the header's order), each
# against NumPy computing the same thing. Each input must get its own data
# (x + y, not 2x; concat([x, y]), not [x, x]); files that do not fit are
# named errors.
set -u
netc=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {  # CODE PATTERN -- ARGS...
  local want=$1 pattern=$2; shift 3
  local out code
  out=$(cd "$tmp" && timeout 300 "$netc" "$@" 2>&1 </dev/null); code=$?
  if [ "$code" = "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then ok
  else bad "netc $* -> exit $code (want $want)"; echo "$out" | head -8; echo "  (expected: $pattern)"; fi
}
# A scale keeps x from being mistaken for y even where they are equal.
cat >"$tmp/pair.net" <<'NET'
network pair(x: f32[N, 5, 3, 2], y: f32[N, 5, 3, 2]) {
  total = x + y
  net = conv2d(concat([x, y], 3), 6, 3, activation = relu) @ conv
  return total, net, concat([x, y], 3) @ joined
}
NET
"$py" - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]
r = np.random.RandomState(5)
np.save(d + "/x.npy", r.randn(3, 5, 3, 2).astype(np.float32))
np.save(d + "/y.npy", (10 + r.randn(3, 5, 3, 2)).astype(np.float32))
np.save(d + "/y2.npy", r.randn(2, 5, 3, 2).astype(np.float32))
PY
# Checks total and joined against NumPy (conv is checked across paths below).
check_outputs() {  # DIR PREFIX
  "$py" - "$tmp" "$1" "$2" <<'PY'
import sys, numpy as np
d, out, pre = sys.argv[1:]
x, y = np.load(d + "/x.npy"), np.load(d + "/y.npy")
t, j = np.load(out + "/" + pre + "total.npy"), np.load(out + "/" + pre + "joined.npy")
ok = np.allclose(t, x + y, atol=1e-6) and np.array_equal(j, np.concatenate([x, y], 3))
print("total max|diff| %.3g, joined %s" % (np.abs(t - (x + y)).max(), "equal" if ok else "DIFFERENT"))
sys.exit(0 if ok else 1)
PY
}

expect 0 "pair: output total \[3, 5, 3, 2\] -> t.npy" -- run pair.net --random-weights 1 \
  --input x=x.npy --input y=y.npy -o total=t.npy -o net=n.npy -o joined=j.npy
cp "$tmp/t.npy" "$tmp/run_total.npy"; cp "$tmp/j.npy" "$tmp/run_joined.npy"; cp "$tmp/n.npy" "$tmp/run_net.npy"
check_outputs "$tmp" run_ && ok || bad "netc run: outputs differ from NumPy"
# Inputs given the other way round are still bound by name.
expect 0 "pair: output joined" -- run pair.net --random-weights 1 --input y=y.npy --input x=x.npy -o joined=j2.npy
cmp -s "$tmp/j.npy" "$tmp/j2.npy" && ok || bad "inputs bound by position, not by name"

# Files that do not fit: named errors, exit 1.
expect 1 "x.npy: network 'pair' has 2 inputs \(x, y\): give each as NAME=FILE" -- run pair.net --random-weights 1 --input x.npy
expect 1 "z=x.npy: network 'pair' has no input 'z' \(its inputs: x, y\)" -- run pair.net --random-weights 1 --input z=x.npy --input y=y.npy
expect 1 "input 'y' is not given" -- run pair.net --random-weights 1 --input x=x.npy
expect 1 "input 'x' is given twice" -- run pair.net --random-weights 1 --input x=x.npy --input x=y.npy --input y=y.npy
expect 1 "y2.npy: holds 2 images but x.npy holds 3: every input needs the same batch" -- \
  run pair.net --random-weights 1 --input x=x.npy --input y=y2.npy
expect 1 "t.npy: network 'pair' has 3 outputs \(total, net, joined\): write each as -o NAME=FILE" -- \
  run pair.net --random-weights 1 --input x=x.npy --input y=y.npy -o t.npy
expect 1 "no output 'sum'" -- run pair.net --random-weights 1 --input x=x.npy --input y=y.npy -o sum=s.npy
expect 2 "only 'run' writes several files" -- weights pair.net --random-weights 1 -o a.npz -o b.npz

# The REPL's :run binds the same way.
cat >"$tmp/session" <<'REPL'
:load pair.net
:weights random 1
:run pair x=x.npy y=y.npy -o total=rt_total.npy -o joined=rt_joined.npy -o net=rt_net.npy
:run pair x.npy
REPL
out=$(cd "$tmp" && "$netc" repl <"$tmp/session" 2>&1)
grep -q "pair: output joined \[3, 5, 3, 4\] -> rt_joined.npy" <<<"$out" && ok || { bad ":run did not write joined"; echo "$out"; }
grep -q "has 2 inputs (x, y): give each as NAME=FILE" <<<"$out" && ok || { bad ":run took one file for two inputs"; echo "$out"; }
check_outputs "$tmp" rt_ && ok || bad ":run's outputs differ from NumPy"
cmp -s "$tmp/run_net.npy" "$tmp/rt_net.npy" && ok || bad ":run's conv output differs from netc run's"

# The C ABI: E(x, y, total, net, joined, batch).
if (cd "$tmp" && "$netc" pair.net --random-weights 1 -o pair.o >/dev/null 2>&1); then ok; else bad "netc -o pair.o failed"; fi
grep -q "int pair(const float \*x, const float \*y, float \*total, float \*net, float \*joined, int batch);" "$tmp/pair.h" \
  && ok || { bad "the header does not declare one pointer per input and output"; grep "int pair(" "$tmp/pair.h"; }
cat >"$tmp/app.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "pair.h"
/* Reads x and y (raw float32, 3 images), writes the three outputs raw. */
static float *load(const char *path, size_t n) {
    float *p = malloc(n * sizeof *p);
    FILE *f = fopen(path, "rb");
    if (!p || !f || fread(p, sizeof *p, n, f) != n) { fprintf(stderr, "cannot read %s\n", path); exit(1); }
    fclose(f);
    return p;
}
static void save(const char *path, const float *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, sizeof *p, n, f) != n) { fprintf(stderr, "cannot write %s\n", path); exit(1); }
    fclose(f);
}
int main(void) {
    const int b = 3;
    float *x = load("x.raw", b * pair_INPUT0_SIZE), *y = load("y.raw", b * pair_INPUT1_SIZE);
    float *t = malloc(b * pair_OUTPUT0_SIZE * sizeof(float)), *n = malloc(b * pair_OUTPUT1_SIZE * sizeof(float)),
          *j = malloc(b * pair_OUTPUT2_SIZE * sizeof(float));
    int rc = pair(x, y, t, n, j, b);
    if (rc) { fprintf(stderr, "pair: %s\n", pair_error_message(rc)); return 1; }
    if (pair(x, NULL, t, n, j, b) != NETC_ERROR_NULL_INPUT || pair(x, y, t, NULL, j, b) != NETC_ERROR_NULL_OUTPUT) {
        fprintf(stderr, "a null pointer was not refused\n");
        return 1;
    }
    save("c_total.raw", t, b * pair_OUTPUT0_SIZE);
    save("c_net.raw", n, b * pair_OUTPUT1_SIZE);
    save("c_joined.raw", j, b * pair_OUTPUT2_SIZE);
    return 0;
}
C
"$py" -c "import numpy as np; [np.load('$tmp/%s.npy' % k).tofile('$tmp/%s.raw' % k) for k in ('x', 'y')]"
if (cd "$tmp" && cc -std=c99 -Wall -Werror app.c pair.o -lpthread -ldl -lm -o app && ./app); then ok; else bad "the C app failed"; fi
"$py" - "$tmp" <<'PY' && ok || bad "the object's outputs differ"
import sys, numpy as np
d = sys.argv[1]
for k, shape in (("total", (3, 5, 3, 2)), ("joined", (3, 5, 3, 4)), ("net", (3, 5, 3, 6))):
    np.save(d + "/c_%s.npy" % k, np.fromfile(d + "/c_%s.raw" % k, np.float32).reshape(shape))
import subprocess
PY
check_outputs "$tmp" c_ && ok || bad "the object's total or joined differ from NumPy"
"$py" -c "import numpy as np, sys; a, b = np.load('$tmp/run_net.npy'), np.load('$tmp/c_net.npy'); sys.exit(0 if np.abs(a - b).max() <= 1e-6 * max(1, np.abs(a).max()) else 1)" \
  && ok || bad "the object's conv output differs from netc run's"

echo "io: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
