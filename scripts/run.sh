#!/usr/bin/env bash
# The main job: set up, build, and run netc on examples/resnet_v2_50.net,
# printing the stage timings. (Later issues extend this to compiling and
# running the network.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo
echo "== netc summary examples/resnet_v2_50.net"
start=$(date +%s.%N)
./build/bin/netc summary examples/resnet_v2_50.net -v
end=$(date +%s.%N)
printf '\nnetc front end on resnet_v2_50: %.3f s wall (parse, resolve, elaborate, summary)\n' "$(echo "$end - $start" | bc)"
