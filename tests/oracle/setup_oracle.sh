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
# shellcheck source=../../scripts/pinned_venv.sh
. "$HERE/../../scripts/pinned_venv.sh"
pinned_venv setup_oracle oracle "$VENV" "$REQ" "tensorflow, tf_slim; from tf_slim.nets import resnet_v1" "" "" \
  "tensorflow-cpu is ~250 MB"
"$VENV/bin/python" -c 'import tensorflow as tf, tf_slim, numpy as np; print("setup_oracle: ok: tensorflow", tf.__version__, "numpy", np.__version__)' 2>/dev/null
"$SYS_PY" -c 'import torch, torchvision; print("setup_oracle: ok: torch", torch.__version__, "torchvision", torchvision.__version__)'
