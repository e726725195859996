#!/usr/bin/env bash
# setup_ort.sh VENV: ONNX Runtime, the import tests' reference, in a pinned
# venv over Debian's numpy (tests/import/requirements-ort.txt). Idempotent:
# an up-to-date venv is left alone in a few seconds. Never needed by netc.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 VENV" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../scripts/pinned_venv.sh"
pinned_venv setup_ort ort "$1" "$here/requirements-ort.txt" onnxruntime "--system-site-packages" "--no-deps" \
  "onnxruntime from PyPI (about 20 MB)"
