#!/usr/bin/env bash
# Set up, build and run every test: stage tests, CLI tests and conformance
# with the reference frameworks (the oracle's Python environment is created
# on first use under build/oracle-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" "$@"
