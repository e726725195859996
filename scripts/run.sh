#!/usr/bin/env bash
# The main job: set up, build, then compile examples/resnet_v2_50.net and run
# it in-process (JIT) on an input image, printing the top-5 classes and the
# timings, then time it with the reference protocol (SPEC 7).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo
echo "== netc run examples/resnet_v2_50.net (random weights, seed 1; a pseudo-random image)"
./build/bin/netc run examples/resnet_v2_50.net --random-weights 1 -v
echo
echo "== netc bench examples/resnet_v2_50.net --batch 1 (10 burn-in steps, 100 timed)"
./build/bin/netc bench examples/resnet_v2_50.net --batch 1
