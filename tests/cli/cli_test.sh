#!/usr/bin/env bash
# Drives the netc binary as a user would: exit codes (0 ok, 1 input error,
# 2 usage), and hostile input (binary junk, deep nesting, huge numbers,
# truncated files) that must end as a located error, never a crash or hang.
set -u
netc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# expect CODE PATTERN -- ARGS...: exit code and a regex the output must match.
# quick: the same within 10 seconds (hostile programs must end in a second or
# two; the margin is for a loaded machine, and a hang still fails).
expect() {
  local want=$1 pattern=$2; shift 3
  local out code
  out=$(timeout "${limit:-60}" "$netc" "$@" 2>&1 </dev/null); code=$?
  if [ "$code" = "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: netc $* -> exit $code (want $want), output:"; echo "$out" | head -8
    echo "  (expected to match: $pattern)"
  fi
}

expect 2 "no input file" -- check
expect 2 "unknown option '--frobnicate'" -- check --frobnicate x.net
expect 2 "--batch needs an integer" -- summary x.net --batch zero
expect 2 "--batch is at most 1048576, got 3000000000" -- bench x.net --batch 3000000000
expect 0 "usage: netc" -- --help
expect 0 "trainable" -- summary --help
expect 1 "cannot read file" -- check "$tmp/does-not-exist.net"
expect 1 "is a directory" -- check "$tmp"
expect 0 "ok \(4 networks\)" -- check stdlib/resnet_v2.net
expect 1 "choose one with --entry" -- summary stdlib/resnet_v2.net
expect 1 "no network named 'resnet_v2_51'" -- summary stdlib/resnet_v2.net --entry resnet_v2_51
expect 0 "Total params: 25,613,800" -- summary examples/resnet_v2_50.net
expect 0 "Total params: 23,585,290" -- summary examples/resnet_v2_50.net -D num_classes=10
# FLOPs as published for the frameworks' own networks: TF-slim resnet_v2_50
# 6.96 G, torchvision resnet18 1,814,073,344 multiply-adds.
expect 0 "FLOPs per image: 6,964,510,720 " -- summary examples/resnet_v2_50.net
expect 0 "FLOPs per image: 3,628,146,688 " -- summary stdlib/resnet_v1.net --entry resnet_v1_18
expect 1 "has no parameter 'num_klasses'" -- summary examples/resnet_v2_50.net -D num_klasses=10
expect 0 "^digraph" -- examples/resnet_v2_50.net --emit=dot
expect 0 "conv2d \"resnet_v2_50/conv1\"" -- examples/resnet_v2_50.net --emit=ir

# Hostile input: each must be a located error with exit 1.
head -c 4096 /dev/urandom >"$tmp/junk.net"
expect 1 "junk.net:[0-9]+:[0-9]+: error" -- check "$tmp/junk.net"
printf 'network n(x: f32[N, 8, 8, 3]) {\n  return %s x %s\n}\n' "$(printf '(%.0s' $(seq 5000))" "$(printf ')%.0s' $(seq 5000))" >"$tmp/deep.net"
expect 1 "deep.net:2:[0-9]+: error: nesting too deep" -- check "$tmp/deep.net"
printf 'network n(x: f32[N, 8, 8, 3]) {\n  return %s x\n}\n' "$(printf -- '- %.0s' $(seq 3000))" >"$tmp/neg.net"
expect 1 "neg.net:2:[0-9]+: error: nesting too deep" -- check "$tmp/neg.net"
printf 'const big = 99999999999999999999999999\n' >"$tmp/big.net"
expect 1 "big.net:1:13: error: integer literal .* too large" -- check "$tmp/big.net"
printf 'network n(x: f32[N, 8, 8, 3]) {\n  return conv2d(x, 4611686018427387904, 3)\n}\n' >"$tmp/wide.net"
expect 1 "wide.net:2:[0-9]+: error: 'conv2d': 'num_outputs' of .* is larger than netc supports" -- check "$tmp/wide.net"
head -c 700 stdlib/resnet_v2.net >"$tmp/truncated.net"
expect 1 "truncated.net:[0-9]+:[0-9]+: error" -- check "$tmp/truncated.net"
printf 'const a = b\nconst b = a\nnetwork n(x: f32[N, 8, 8, 3]) {\n  return conv2d(x, a, 3)\n}\n' >"$tmp/cyc.net"
expect 1 "defined in terms of itself" -- check "$tmp/cyc.net"
printf 'unit f(x) {\n  return f(x)\n}\nnetwork n(x: f32[N, 8, 8, 3]) {\n  return f(x)\n}\n' >"$tmp/rec.net"
expect 1 "units nest more than 100 deep" -- check "$tmp/rec.net"
printf 'network n(x: f32[N, 8, 8, 3]) {\n  for i in range(100000000) {\n    x = x\n  }\n  return x\n}\n' >"$tmp/loop.net"
expect 1 "range' would produce more than" -- check "$tmp/loop.net"
printf 'import "b.net"\n' >"$tmp/a.net"; printf 'import "a.net"\n' >"$tmp/b.net"
expect 1 "import cycle: a.net -> b.net -> a.net" -- check "$tmp/a.net"
printf '\xff\xfe network' >"$tmp/latin1.net"
expect 1 "latin1.net:1:1: error: source is not valid UTF-8" -- check "$tmp/latin1.net"

# Hostile programs of a few lines (issue 13): each a located error or the
# right answer in seconds, never exit 3, a signal or a hang.
# (NETC_TEST_TIME_SCALE: a sanitizer build runs about 4 times slower.)
quick() { limit=$((10 * ${NETC_TEST_TIME_SCALE:-1})) expect "$@"; }
for bad in 'C0 AF:\xc0\xaf' 'F5 80 80 80:\xf5\x80\x80\x80' 'F4 90 80 80:\xf4\x90\x80\x80' 'ED A0 80:\xed\xa0\x80' \
           'E2 82:\xe2\x82'; do
  printf 'network n(x: f32[N, 8, 8, 3]) {\n  // %b\n  return x\n}\n' "${bad#*:}" >"$tmp/utf8.net"
  quick 1 "utf8.net:2:6: error: source is not valid UTF-8 text: ${bad%%:*} is not a well-formed sequence" -- \
    check "$tmp/utf8.net"
done
net8='network n(x: f32[N, 8, 8, 3]) {'
chain() {  # N: constants c0 = 7, c1 = c0, ..., and a conv with c(N-1) outputs
  { echo 'const c0 = 7'; seq 1 $(($1 - 1)) | awk '{print "const c" $1 " = c" $1 - 1}'
    printf '%s\n  return conv2d(x, c%d, 1)\n}\n' "$net8" $(($1 - 1)); } >"$tmp/chain.net"
}
chain 700000
quick 1 "chain.net:[0-9]+:1: error: source file is larger than 1 MiB" -- check "$tmp/chain.net"
{ printf 'const a = 1'; for i in $(seq 2500); do printf ' + 1'; done; echo; } >"$tmp/long.net"
quick 1 "long.net:1:8013: error: expression too long: more than 2000 operators" -- check "$tmp/long.net"
for i in $(seq 0 150); do echo "import \"imp$((i + 1)).net\"" >"$tmp/imp$i.net"; done
echo 'const z = 1' >"$tmp/imp151.net"
quick 1 "imp99.net:1:8: error: imports nest more than 100 files deep" -- check "$tmp/imp0.net"
chain 40000
quick 0 "\[N, 8, 8, 7\]" -- summary "$tmp/chain.net"
twice='  y = [0]\n  for i in range(40) {\n    y = [y, y]\n  }\n'
printf "%s\n$twice  return conv2d(x, if y == y then 4 else 5, 1)\n}\n" "$net8" >"$tmp/shared.net"
quick 0 "\[N, 8, 8, 4\]" -- summary "$tmp/shared.net"
printf "%s\n$twice  s = str(y)\n  return x\n}\n" "$net8" >"$tmp/shared.net"
quick 1 "shared.net:6:7: error: 'str' would make a string longer than 1048576 bytes" -- check "$tmp/shared.net"
printf "%s\n$twice  return conv2d(x, y, 1)\n}\n" "$net8" >"$tmp/shared.net"
quick 1 "shared.net:6:20: error: 'conv2d': 'num_outputs' must be a positive int, got list \[\[\[" -- \
  check "$tmp/shared.net"
seq 0 19999 | awk '{print "const a" $1 " = b" $1}' >"$tmp/unknown.net"
quick 1 "unknown.net:1:12: error: unknown name 'b0'; did you mean 'a0'\?" -- check "$tmp/unknown.net"
{ echo "$net8"; yes '  x = relu(x)' | head -40000; printf '  return x\n}\n'; } >"$tmp/unnamed.net"
quick 0 "%40000 = activation \"n/Relu_39999\"" -- "$tmp/unnamed.net" --emit=ir
{ printf 'unit u(x) {\n  return relu(x)\n}\n%s\n' "$net8"; yes '  x = u(x)' | head -40000; printf '  return x\n}\n'; } \
  >"$tmp/units.net"
quick 0 "ok \(1 network\)" -- check "$tmp/units.net"
printf '%s\n  s = "ab"\n  for i in range(40) {\n    s = s + s\n  }\n  return x\n}\n' "$net8" >"$tmp/string.net"
quick 1 "string.net:4:11: error: '\+' would make a string of 2097152 bytes" -- check "$tmp/string.net"
printf '%s\n  return conv2d(x, len(sum([range(1000000)] * 1000000)), 1)\n}\n' "$net8" >"$tmp/sum.net"
quick 1 "sum.net:2:24: error: 'sum' would make a list of more than 1000000 elements" -- check "$tmp/sum.net"

# Resource limits and what netc cannot compute yet: refused at check time.
printf 'network n(x: f32[N, 16777216, 16777216, 16777216]) {\n  return flatten(x)\n}\n' >"$tmp/flat.net"
quick 1 "flat.net:1:11: error: input 'x' is a tensor .* per image; netc's limit is 1 GiB" -- \
  run "$tmp/flat.net" --random-weights 1
quick 1 "flat.net:1:11: error: input 'x'" -- summary "$tmp/flat.net"
printf 'network n(x: f32[N, 1, 1, 16777216]) {\n  for i in range(45) {\n    x = concat([x, x])\n  }\n  return x\n}\n' \
  >"$tmp/concat.net"
quick 1 "concat.net:3:9: error: 'concat' would make a tensor \[N, 1, 1, 536870912\] of 2 GiB per image" -- \
  run "$tmp/concat.net" --random-weights 1
printf 'network n(x: f32[N, 100000]) {\n  return fully_connected(x, 100000)\n}\n' >"$tmp/fc.net"
quick 1 "fc.net:2:10: error: 'fully_connected' variable 'n/fully_connected/weights' of shape \[100000, 100000\] \
would take 37.3 GiB" -- check "$tmp/fc.net"
printf 'network n(x: f32[N, 1]) {\n  return batch_norm(squeeze(x))\n}\n' >"$tmp/rank1.net"
quick 1 "rank1.net:2:21: error: 'squeeze' would leave only the batch axis" -- run "$tmp/rank1.net" --random-weights 1
quick 1 "rank1.net:2:21: error: 'squeeze' would leave only the batch axis" -- \
  weights "$tmp/rank1.net" --random-weights 1 -o "$tmp/r.npz"
# Several inputs and outputs: tests/cli/io_test.sh.
printf '%s\n  return dropout(x, is_training = true)\n}\n' "$net8" >"$tmp/train.net"
quick 1 "train.net:2:10: error: network 'n' is for training: dropout with is_training = true draws a random mask" -- \
  run "$tmp/train.net" --random-weights 1
printf 'network n(x: f32[N, 10]) {\n  return relu(x)\n}\n' >"$tmp/vec.net"
quick 1 "vec.net:1:14: error: a new image size applies to NHWC inputs only; 'x' is \[N, 10\]" -- \
  summary "$tmp/vec.net" --image-size 9
quick 1 "vec.net:1:11: error: 'x' is a tensor input of network 'n'" -- summary "$tmp/vec.net" -D x=3

# Weights and tensors: every bad file is an error naming the tensor or the
# offset, exit 1. Small networks keep the JIT compiles short.
cat >"$tmp/small.net" <<'NET'
network small(x: f32[N, 5, 7, 3], width = 4, depth = 2) {
  for i in range(depth) {
    x = conv2d(x, width, 3, normalizer = batch_norm) @ ("conv" + str(i))
  }
  return squeeze(reduce_mean(x, [1, 2], keep_dims = true), [1, 2])
}
NET
expect 0 "small.npz: 8 tensors" -- weights "$tmp/small.net" --random-weights 3 -o "$tmp/small.npz"
expect 0 "" -- weights "$tmp/small.net" --random-weights 3 -D width=5 -o "$tmp/wide.npz"
expect 0 "" -- weights "$tmp/small.net" --random-weights 3 -D depth=3 -o "$tmp/deep.npz"
expect 0 "" -- weights "$tmp/small.net" --random-weights 3 -D depth=1 -o "$tmp/shallow.npz"
expect 2 "needs --random-weights" -- weights "$tmp/small.net" -o "$tmp/x.npz"
expect 1 "tensor 'small/conv0/weights' has shape \[3, 3, 3, 5\]; the network expects \[3, 3, 3, 4\]" -- \
  run "$tmp/small.net" --weights "$tmp/wide.npz"
expect 1 "unexpected tensor 'small/conv2/weights'" -- run "$tmp/small.net" --weights "$tmp/deep.npz"
expect 1 "missing tensor 'small/conv1/BatchNorm/moving_mean'" -- run "$tmp/small.net" --weights "$tmp/shallow.npz"
head -c 3000 "$tmp/small.npz" >"$tmp/cut.npz"
expect 1 "cut.npz: .*(truncated|end of central directory)" -- run "$tmp/small.net" --weights "$tmp/cut.npz"
expect 1 "give either --weights or --random-weights" -- run "$tmp/small.net" --weights "$tmp/small.npz" --random-weights 1
expect 1 "needs weights" -- run "$tmp/small.net"
/usr/bin/python3 -c "import numpy as np; np.save('$tmp/x64.npy', np.zeros((2,5,7,3))); np.save('$tmp/x.npy', np.ones((2,5,7,3), np.float32)); np.save('$tmp/xbad.npy', np.ones((2,7,5,3), np.float32))"
expect 1 "x64.npy: dtype float64 .* \(network 'small' takes a float32 array of shape \[N, 5, 7, 3\]\)" -- \
  run "$tmp/small.net" --random-weights 1 --input "$tmp/x64.npy"
expect 1 "input has shape \[2, 7, 5, 3\]; network 'small' expects \[N, 5, 7, 3\]" -- \
  run "$tmp/small.net" --random-weights 1 --input "$tmp/xbad.npy"
head -c 100 "$tmp/x.npy" >"$tmp/xcut.npy"
expect 1 "xcut.npy: truncated.* \(network 'small' takes a float32 array of shape \[N, 5, 7, 3\]\)" -- \
  run "$tmp/small.net" --random-weights 1 --input "$tmp/xcut.npy"
expect 0 "small: output \[2, 4\]" -- run "$tmp/small.net" --weights "$tmp/small.npz" --input "$tmp/x.npy" -o "$tmp/y.npy"
expect 0 "Forward across 3 steps" -- bench "$tmp/small.net" --batch 2 --steps 3 --burn-in 1
expect 2 "--image-size needs H or H,W" -- run "$tmp/small.net" --image-size 0
expect 1 "expects \[N, 9, 9, 3\] \(--image-size" -- run "$tmp/small.net" --random-weights 1 --image-size 9 --input "$tmp/x.npy"

# Ahead-of-time compilation: the errors a user meets before any code is made.
expect 2 "needs -o NAME.o" -- "$tmp/small.net" --random-weights 1
expect 1 "embeds its weights" -- "$tmp/small.net" -o "$tmp/small.o"
expect 1 "is not 'host', 'portable' or a Halide target" -- "$tmp/small.net" --random-weights 1 --target zx81 -o "$tmp/s.o"
expect 1 "of the GPU targets netc supports CUDA only" -- "$tmp/small.net" --random-weights 1 --target host-opencl -o "$tmp/s.o"
expect 2 "dumps a compiler stage" -- "$tmp/small.net" --random-weights 1 --emit ir,obj -o "$tmp/s.o"
expect 1 "missing tensor|not in the file|missing" -- "$tmp/small.net" --weights "$tmp/shallow.npz" -o "$tmp/s.o"
expect 0 "small.o, .*small.h: small" -- "$tmp/small.net" --random-weights 1 -o "$tmp/small.o" --emit stmt,ll
[ -s "$tmp/small.o" ] && [ -s "$tmp/small.h" ] && [ -s "$tmp/small.stmt" ] && [ -s "$tmp/small.ll" ] &&
  pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: -o small.o --emit stmt,ll did not write every file"; }

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
