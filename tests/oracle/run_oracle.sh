#!/usr/bin/env bash
# run_oracle.sh VENV_DIR OUT_DIR: the CTest fixture behind the conformance
# tests. Prepares the reference frameworks, then dumps every reference
# network (TF-slim through the venv, torchvision through Debian's python3).
set -euo pipefail
venv=$1 out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1
bash "$here/setup_oracle.sh" "$venv"
mkdir -p "$out"
"$venv/bin/python" "$here/dump_tf.py" "$out"
/usr/bin/python3 "$here/dump_torch.py" "$out"
echo "run_oracle: reference dumps in $out: $(ls "$out" | wc -l) files"
