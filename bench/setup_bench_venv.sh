#!/usr/bin/env bash
# bench/setup_bench_venv.sh runtimes|litert VENV_DIR
#
# Prepares a peer's venv for bench/bench.py; netc itself never needs them.
#   runtimes  onnxruntime + openvino (the exact lock bench/requirements-runtimes.txt)
#             in a venv made with --system-site-packages, so Debian's numpy and
#             torch of /usr/bin/python3 are seen there too; --no-deps keeps pip's
#             numpy 2 from shadowing Debian's (it would break torch 1.13)
#   litert    ai-edge-litert (bench/requirements-litert.txt) in a venv of its
#             own: it needs numpy 2
# The TF venv (the TFLite conversion and the TF-slim peer) is the tests' oracle
# venv, made by tests/oracle/setup_oracle.sh.
# bench.py runs this before it times anything. Idempotent and non-interactive:
# a venv whose stamp matches the lock and whose imports work is left alone (a
# few seconds). Exits non-zero, with the reason on the last line of stderr,
# when it cannot be had (no network for pip, no python3-venv, ...).
set -euo pipefail

if [ $# -ne 2 ] || [ -z "$2" ]; then
  echo "usage: $0 runtimes|litert VENV_DIR" >&2
  exit 2
fi
KIND=$1 VENV=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SYS_PY=/usr/bin/python3
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

die() { echo "setup_bench_venv: error: $*" >&2; exit 1; }

[ -x "$SYS_PY" ] || die "$SYS_PY not found (need Debian's python3)"
# shellcheck source=../scripts/pinned_venv.sh
. "$HERE/../scripts/pinned_venv.sh"
case $KIND in
  runtimes)
    "$SYS_PY" -c 'import numpy, torch' >/dev/null 2>&1 ||
      die "'import numpy, torch' fails for $SYS_PY (apt-get install -y python3-torch python3-torchvision)"
    # pinned_venv exits 0 itself when the venv is already up to date.
    pinned_venv setup_bench_venv runtimes "$VENV" "$HERE/requirements-runtimes.txt" \
      "onnxruntime, openvino, numpy, torch" --system-site-packages "--no-deps --timeout 30 --retries 2" \
      "onnxruntime and openvino are ~90 MB"
    ;;
  litert)
    pinned_venv setup_bench_venv litert "$VENV" "$HERE/requirements-litert.txt" \
      "ai_edge_litert.interpreter, numpy" "" "--no-deps --timeout 30 --retries 2" "ai-edge-litert is ~20 MB"
    ;;
  *) die "unknown venv kind '$KIND' (runtimes or litert)" ;;
esac
echo "setup_bench_venv: ok: $KIND venv $VENV"
