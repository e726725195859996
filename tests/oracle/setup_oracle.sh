#!/usr/bin/env bash
# setup_oracle.sh VENV_DIR
#
# Prepares the reference-framework "oracles" that netc's tests compare against:
#   * a venv at VENV_DIR with the exact TensorFlow + tf-slim lock in
#     requirements-tf.txt (used by dump_tf.py), and
#   * Debian's python3-torch / python3-torchvision for /usr/bin/python3
#     (used by dump_torch.py; never pip-installed: the wheels are huge).
# Idempotent and non-interactive: a venv whose stamp matches the lock and whose
# imports work is left alone (takes a few seconds). Exits non-zero on failure.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 VENV_DIR" >&2
  exit 2
fi
VENV=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REQ="$HERE/requirements-tf.txt"
SYS_PY=/usr/bin/python3
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 TF_CPP_MIN_LOG_LEVEL=2

die() { echo "setup_oracle: error: $*" >&2; exit 1; }

# --- torch side: Debian packages only --------------------------------------
[ -x "$SYS_PY" ] || die "$SYS_PY not found (need Debian's python3)"
if ! "$SYS_PY" -c 'import torch, torchvision' >/dev/null 2>&1; then
  die "'$SYS_PY -c \"import torch, torchvision\"' failed; install them with:
    apt-get update && apt-get install -y python3-torch python3-torchvision"
fi

# --- TF side: pinned venv ----------------------------------------------------
[ -f "$REQ" ] || die "missing lock file $REQ"
STAMP_WANT="$("$SYS_PY" -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$REQ" | cut -d' ' -f1)"
STAMP="$VENV/.netc-oracle-stamp"

tf_ok() {
  "$VENV/bin/python" -c 'import tensorflow, tf_slim; from tf_slim.nets import resnet_v1' >/dev/null 2>&1
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_WANT" ] && tf_ok; then
  echo "setup_oracle: $VENV is up to date"
  exit 0
fi

# A venv that is missing, from another python, or cannot even start is rebuilt.
if [ -e "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  if [ -f "$VENV/pyvenv.cfg" ] || [ -z "$(ls -A "$VENV" 2>/dev/null)" ]; then
    echo "setup_oracle: removing broken venv $VENV"
    rm -rf "$VENV"
  else
    die "$VENV exists and is not a venv; refusing to touch it"
  fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup_oracle: creating venv $VENV"
  "$SYS_PY" -m venv "$VENV" ||
    die "could not create a venv; install python3-venv (apt-get install -y python3-venv)"
fi

echo "setup_oracle: installing pinned packages from $REQ (tensorflow-cpu is ~250 MB)"
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet --prefer-binary -r "$REQ" ||
  die "pip install -r $REQ failed"

if ! tf_ok; then
  "$VENV/bin/python" -c 'import tensorflow, tf_slim' || true
  die "'import tensorflow, tf_slim' fails in $VENV"
fi
echo "$STAMP_WANT" > "$STAMP"
"$VENV/bin/python" -c 'import tensorflow as tf, tf_slim, numpy as np; print("setup_oracle: ok: tensorflow", tf.__version__, "numpy", np.__version__)' 2>/dev/null
"$SYS_PY" -c 'import torch, torchvision; print("setup_oracle: ok: torch", torch.__version__, "torchvision", torchvision.__version__)'
