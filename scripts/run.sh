#!/usr/bin/env bash
# The main job: set up and build netc, compile examples/resnet_v2_50.net ahead
# of time into an object (weights embedded), link the C apps
# examples/classify and examples/benchmark against it with plain cc, and run
# both: the top-5 classes of an image, then the reference timing protocol
# (SPEC 7: 10 burn-in steps, 100 timed). Then the same network through the
# in-process JIT (`netc run`), for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
out=build/examples
mkdir -p "$out"
echo
echo "== netc examples/resnet_v2_50.net -o $out/resnet_v2_50.o (random weights, seed 1)"
./build/bin/netc examples/resnet_v2_50.net --random-weights 1 -o "$out/resnet_v2_50.o" -v
echo
echo "== cc examples/classify.c examples/benchmark.c $out/resnet_v2_50.o -lpthread -ldl -lm"
for app in classify benchmark; do
  cc -std=c99 -O2 -I"$out" "examples/$app.c" "$out/resnet_v2_50.o" -lpthread -ldl -lm -o "$out/$app"
done
# A synthetic 320x240 test card (P3 PPM); classify also reads P6 and .npy.
awk 'BEGIN { w = 320; h = 240; print "P3\n" w " " h "\n255"
  for (y = 0; y < h; y++) { for (x = 0; x < w; x++) printf "%d %d %d ", x * 255 / w, y * 255 / h, (x * y) % 256; print "" } }' \
  > "$out/testcard.ppm"
echo
echo "== $out/classify $out/testcard.ppm"
"$out/classify" "$out/testcard.ppm"
echo
echo "== $out/benchmark 1   (batch 1: 10 burn-in steps, 100 timed)"
"$out/benchmark" 1
echo
echo "== netc run examples/resnet_v2_50.net --random-weights 1   (the same network, JIT-compiled in-process)"
./build/bin/netc run examples/resnet_v2_50.net --random-weights 1
