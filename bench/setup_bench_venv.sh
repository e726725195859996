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
[ -f "$REQ" ] || die "missing lock file $REQ"
STAMP_WANT="$("$SYS_PY" -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$REQ" | cut -d' ' -f1)"
STAMP="$VENV/.netc-bench-stamp"

ort_ok() {
  "$VENV/bin/python" -c 'import onnxruntime, numpy, torch, torchvision' >/dev/null 2>&1
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_WANT" ] && ort_ok; then
  echo "setup_bench_venv: $VENV is up to date"
  exit 0
fi

# A venv that is missing, from another python, or cannot even start is rebuilt.
if [ -e "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  if [ -f "$VENV/pyvenv.cfg" ] || [ -z "$(ls -A "$VENV" 2>/dev/null)" ]; then
    echo "setup_bench_venv: removing broken venv $VENV"
    rm -rf "$VENV"
  else
    die "$VENV exists and is not a venv; refusing to touch it"
  fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup_bench_venv: creating venv $VENV (--system-site-packages)"
  "$SYS_PY" -m venv --system-site-packages "$VENV" ||
    die "could not create a venv; install python3-venv (apt-get install -y python3-venv)"
fi

echo "setup_bench_venv: installing pinned packages from $REQ (onnxruntime is ~30 MB)"
rm -f "$STAMP"
# --no-deps: exactly the lock, never a pip numpy over Debian's.
"$VENV/bin/python" -m pip install --quiet --prefer-binary --no-deps --timeout 30 --retries 2 -r "$REQ" ||
  die "pip install -r $REQ failed (is PyPI reachable?)"

if ! ort_ok; then
  "$VENV/bin/python" -c 'import onnxruntime, numpy, torch, torchvision' || true
  die "'import onnxruntime, numpy, torch, torchvision' fails in $VENV"
fi
echo "$STAMP_WANT" > "$STAMP"
"$VENV/bin/python" -c 'import onnxruntime as ort, numpy as np, torch; print("setup_bench_venv: ok: onnxruntime", ort.__version__, "numpy", np.__version__, "torch", torch.__version__)'
