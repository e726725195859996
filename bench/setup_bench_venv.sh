#!/usr/bin/env bash
# bench/setup_bench_venv.sh VENV_DIR
#
# Prepares the venv of bench/peer_onnx.py: onnxruntime (PyPI, the exact lock in
# bench/requirements-onnx.txt) in a venv made with --system-site-packages, so
# Debian's numpy, torch and torchvision of /usr/bin/python3 are seen there too.
# netc itself never needs it. bench/compare.sh runs this before it times
# anything. Idempotent and non-interactive: a venv whose stamp matches the lock
# and whose imports work is left alone (a few seconds). Exits non-zero, with
# the reason on the last line of stderr, when it cannot be had (no network for
# pip, no python3-venv, ...).
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 VENV_DIR" >&2
  exit 2
fi
VENV=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQ="$HERE/requirements-onnx.txt"
SYS_PY=/usr/bin/python3
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

die() { echo "setup_bench_venv: error: $*" >&2; exit 1; }

[ -x "$SYS_PY" ] || die "$SYS_PY not found (need Debian's python3)"
"$SYS_PY" -c 'import numpy, torch, torchvision' >/dev/null 2>&1 ||
  die "'import numpy, torch, torchvision' fails for $SYS_PY (apt-get install -y python3-torch python3-torchvision)"
# shellcheck source=../scripts/pinned_venv.sh
. "$HERE/../scripts/pinned_venv.sh"
# --no-deps: exactly the lock, never a pip numpy over Debian's.
pinned_venv setup_bench_venv bench "$VENV" "$REQ" "onnxruntime, numpy, torch, torchvision" --system-site-packages \
  "--no-deps --timeout 30 --retries 2" "onnxruntime is ~30 MB"
"$VENV/bin/python" -c 'import onnxruntime as ort, numpy as np, torch; print("setup_bench_venv: ok: onnxruntime", ort.__version__, "numpy", np.__version__, "torch", torch.__version__)'
