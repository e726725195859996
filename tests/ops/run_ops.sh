#!/usr/bin/env bash
# run_ops.sh [--self-check] NETC VENV WORKDIR [CASE...]
#
# Per-op conformance against the frameworks: for each network CASE of
# tests/ops/ops.net and ops_import.net (all op_* networks when none are named):
#   X.npy  the input, batch 2, standard normal, fixed seed (ops_util.py prepare)
#   W.npz  NETC weights FILE.net --entry CASE --random-weights 7 -o W.npz
#   Y.npy  NETC run FILE.net --entry CASE --weights W.npz --input X.npy -o Y.npy
#   R.npy  the reference from TensorFlow's ops (forward_ops.py, one TF start in
#          VENV) or, for the ops TensorFlow lacks, PyTorch's (forward_torch.py,
#          in $NETC_TORCH_PYTHON, by default Debian's /usr/bin/python3)
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
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
netc=$1 venv=$2 work=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
nets=("$here/ops.net" "$here/ops_import.net")
py=$venv/bin/python
torch_py=${NETC_TORCH_PYTHON:-/usr/bin/python3}
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1

[[ -x $netc ]] || { echo "run_ops: no netc at $netc" >&2; exit 2; }
[[ -x $py ]] || { echo "run_ops: no python at $py" >&2; exit 2; }
[[ -x $torch_py ]] || { echo "run_ops: no python at $torch_py (for PyTorch)" >&2; exit 2; }
declare -A net_of
all_cases=
for net in "${nets[@]}"; do
  if ! "$netc" check "$net" >/dev/null; then
    echo "run_ops: netc check $net failed" >&2
    exit 1
  fi
  for c in $(sed -n 's/^network \(op_[A-Za-z0-9_]*\).*/\1/p' "$net"); do
    [[ -z ${net_of[$c]:-} ]] || { echo "run_ops: case $c is in two files" >&2; exit 1; }
    net_of[$c]=$net
    all_cases+="$c"$'\n'
  done
done

# Which framework computes each reference; a case must have exactly one.
tf_listed=$("$py" "$here/forward_ops.py" --list) || exit 1
torch_listed=$("$torch_py" "$here/forward_torch.py" --list) || exit 1
both=$(comm -12 <(sort <<<"$tf_listed") <(sort <<<"$torch_listed"))
if [[ -n $both ]]; then
  echo "run_ops: cases with both a TensorFlow and a PyTorch reference: $both" >&2
  exit 1
fi
declare -A torch_case
for c in $torch_listed; do torch_case[$c]=1; done
if (( $# )); then
  cases=("$@")
  for c in "${cases[@]}"; do
    [[ -n ${net_of[$c]:-} ]] || { echo "run_ops: no network $c" >&2; exit 2; }
  done
else
  read -r -d '' -a cases <<<"$all_cases"
  # Every network needs a reference and every reference a network.
  extra=$(comm -3 <(sort <<<"$all_cases" | sed '/^$/d') <(printf '%s\n%s\n' "$tf_listed" "$torch_listed" | sort | sed '/^$/d'))
  if [[ -n $extra ]]; then
    echo "run_ops: the networks and the references disagree on the cases (left: network only, right: reference only):" >&2
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
  "$netc" --emit=ir "${net_of[$c]}" --entry "$c" >"$d/ir.txt" 2>"$d/netc.log" || echo "run_ops: $c: netc --emit=ir failed" >&2
done

if (( self_check )); then
  "$py" "$here/ops_util.py" prepare "$work" --weights "${cases[@]}"
else
  "$py" "$here/ops_util.py" prepare "$work" "${cases[@]}"
  for c in "${cases[@]}"; do
    d=$work/$c
    [[ -s $d/X.npy ]] || continue
    net=${net_of[$c]}
    "$netc" weights "$net" --entry "$c" --random-weights 7 -o "$d/W.npz" >>"$d/netc.log" 2>&1 &&
      "$netc" run "$net" --entry "$c" --weights "$d/W.npz" --input "$d/X.npy" -o "$d/Y.npy" >>"$d/netc.log" 2>&1 ||
      rm -f "$d/Y.npy"
  done
fi
netc_done=$(date +%s)

# One TensorFlow start and one PyTorch start for all the references (of the
# cases netc ran; W.npz may be absent where a network has no variables).
tf_cases=() torch_cases=()
for c in "${cases[@]}"; do
  d=$work/$c
  if (( self_check )); then
    [[ -s $d/X.npy && -s $d/W.npz ]] || continue
  else
    [[ -s $d/X.npy && -s $d/Y.npy ]] || continue
  fi
  if [[ -n ${torch_case[$c]:-} ]]; then torch_cases+=("$c"); else tf_cases+=("$c"); fi
done
if (( ${#tf_cases[@]} )); then
  "$py" "$here/forward_ops.py" --dir "$work" "${tf_cases[@]}"
fi
if (( ${#torch_cases[@]} )); then
  "$torch_py" "$here/forward_torch.py" --dir "$work" "${torch_cases[@]}"
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
