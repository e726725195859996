#!/usr/bin/env bash
# run_ops.sh [--self-check] NETC VENV WORKDIR [CASE...]
#
# Per-op conformance against TensorFlow: for each network CASE of
# tests/ops/ops.net (all op_* networks when none are named):
#   X.npy  the input, batch 2, standard normal, fixed seed (ops_util.py prepare)
#   W.npz  NETC weights ops.net --entry CASE --random-weights 7 -o W.npz
#   Y.npy  NETC run ops.net --entry CASE --weights W.npz --input X.npy -o Y.npy
#   R.npy  the reference from TensorFlow's ops (forward_ops.py, one TF start)
# then checks equal shapes and max|Y-R| <= 1e-4 * max(1, max|R|), printing
# `op NAME: max|diff| D ok` per case and a summary; exit 1 if any failed.
#
# --self-check skips `netc weights` / `netc run`: W.npz comes from NumPy (the
# variables `NETC --emit=ir` lists) and each reference is checked to run and to
# be finite, non-trivial and of the output shape netc's IR gives.
# Files are kept under WORKDIR/CASE/ (netc.log holds netc's messages).
set -uo pipefail

self_check=0
if [[ ${1:-} == --self-check ]]; then
  self_check=1
  shift
fi
if (( $# < 3 )); then
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
netc=$1 venv=$2 work=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
net=$here/ops.net
py=$venv/bin/python
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1

[[ -x $netc ]] || { echo "run_ops: no netc at $netc" >&2; exit 2; }
[[ -x $py ]] || { echo "run_ops: no python at $py" >&2; exit 2; }
if ! "$netc" check "$net" >/dev/null; then
  echo "run_ops: netc check $net failed" >&2
  exit 1
fi

all_cases=$(sed -n 's/^network \(op_[A-Za-z0-9_]*\).*/\1/p' "$net")
if (( $# )); then
  cases=("$@")
else
  read -r -d '' -a cases <<<"$all_cases"
  # Every network needs a reference and every reference a network.
  listed=$("$py" "$here/forward_ops.py" --list) || exit 1
  extra=$(comm -3 <(sort <<<"$all_cases") <(sort <<<"$listed"))
  if [[ -n $extra ]]; then
    echo "run_ops: ops.net and forward_ops.py disagree on the cases (left: network only, right: reference only):" >&2
    echo "$extra" >&2
    exit 1
  fi
fi

mkdir -p "$work"
started=$(date +%s)
for c in "${cases[@]}"; do
  d=$work/$c
  mkdir -p "$d"
  rm -f "$d"/ir.txt "$d"/X.npy "$d"/W.npz "$d"/Y.npy "$d"/R.npy "$d"/netc.log
  "$netc" --emit=ir "$net" --entry "$c" >"$d/ir.txt" 2>"$d/netc.log" || echo "run_ops: $c: netc --emit=ir failed" >&2
done

if (( self_check )); then
  "$py" "$here/ops_util.py" prepare "$work" --weights "${cases[@]}"
else
  "$py" "$here/ops_util.py" prepare "$work" "${cases[@]}"
  for c in "${cases[@]}"; do
    d=$work/$c
    [[ -s $d/X.npy ]] || continue
    "$netc" weights "$net" --entry "$c" --random-weights 7 -o "$d/W.npz" >>"$d/netc.log" 2>&1 &&
      "$netc" run "$net" --entry "$c" --weights "$d/W.npz" --input "$d/X.npy" -o "$d/Y.npy" >>"$d/netc.log" 2>&1 ||
      rm -f "$d/Y.npy"
  done
fi
netc_done=$(date +%s)

# One TensorFlow start for all the references (of the cases netc ran; W.npz
# may be absent where a network has no variables).
ref_cases=()
for c in "${cases[@]}"; do
  d=$work/$c
  if (( self_check )); then
    [[ -s $d/X.npy && -s $d/W.npz ]] && ref_cases+=("$c")
  else
    [[ -s $d/X.npy && -s $d/Y.npy ]] && ref_cases+=("$c")
  fi
done
if (( ${#ref_cases[@]} )); then
  "$py" "$here/forward_ops.py" --dir "$work" "${ref_cases[@]}"
fi
ref_done=$(date +%s)

if (( self_check )); then
  "$py" "$here/ops_util.py" selfcheck "$work" "${cases[@]}"
else
  "$py" "$here/ops_util.py" compare "$work" "${cases[@]}"
fi
status=$?
echo "run_ops: netc $((netc_done - started))s, references $((ref_done - netc_done))s"
exit $status
