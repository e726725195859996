#!/usr/bin/env bash
# bench/bench.sh [FLAGS]: netc (JIT and AOT object) against ONNX Runtime,
# OpenVINO, PyTorch, TFLite/XNNPACK and TF-slim on this machine in one sitting;
# writes build/bench/table.md, results.json and results.csv. `--help` lists the
# flags; bench/README.md explains the columns. A full sitting (five networks,
# batch 1 and 8, 30 timed steps) takes about 25 minutes on 2 cores, plus the
# first run's set-up (venvs from PyPI, netc objects, ONNX and TFLite models).
# Runs with Debian's python3: the peers' venvs are made under build/ by the
# script itself; netc never needs them.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/bench.py "$@"
