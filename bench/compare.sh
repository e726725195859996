#!/usr/bin/env bash
# bench/compare.sh [BATCH] [STEPS]: netc against its peers on one machine in
# one run, resnet_v2_50 at 224x224 with the reference protocol (10 burn-in
# steps, then STEPS timed ones), the same thread count for all. Prints each
# peer's seconds per batch and the ratio peer/netc (above 1: netc is faster).
#   netc     examples/resnet_v2_50.net, JIT (`netc bench`)
#   tf       TF-slim's resnet_v2_50 itself (oracle venv), graph mode, oneDNN
#   torch    torchvision resnet50 (same FLOPs, PyTorch has no resnet_v2),
#            TorchScript frozen, channels_last, Debian's python3-torch
#   onnx     the same torchvision resnet50 exported to ONNX (cached under
#            build/bench), ONNX Runtime CPU provider, ORT_ENABLE_ALL, from
#            build/bench-venv (made here by bench/setup_bench_venv.sh)
# Needs scripts/build.sh (and the oracle venv for tf, PyPI once for onnx; each
# is skipped with its reason without).
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-1} steps=${2:-100} threads=${NETC_BENCH_THREADS:-$(nproc)}
venv=build/oracle-venv bench_venv=build/bench-venv bench_work=build/bench
mkdir -p "$bench_work"
# The ONNX Runtime venv is made (or found up to date) before anything is timed:
# pip must not run while netc or a peer is measured.
onnx_skip=""
if ! bash bench/setup_bench_venv.sh "$bench_venv" >"$bench_work/setup_bench_venv.log" 2>&1; then
    onnx_skip="ONNX Runtime not available: $(tail -1 "$bench_work/setup_bench_venv.log") (log: $bench_work/setup_bench_venv.log)"
fi
# Peers free memory back to the kernel between runs; the notes measured that
# costs them up to 8x at batch 8. Keep their heap, as netc keeps its arena.
export GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736
busy=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat); idle=$(awk '/^cpu /{print $5+$6}' /proc/stat)
sleep 1
busy2=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat); idle2=$(awk '/^cpu /{print $5+$6}' /proc/stat)
load=$(( 100 * (busy2 - busy) / (busy2 - busy + idle2 - idle + 1) ))
echo "bench: resnet_v2_50, batch $batch, $steps steps, $threads threads; machine busy ${load}% before start"
[ "$load" -lt 20 ] || echo "bench: warning: the machine is busy; multi-threaded timings will be unreliable"

netc_line=$(./build/bin/netc bench examples/resnet_v2_50.net --batch "$batch" --steps "$steps" --threads "$threads")
echo "$netc_line" | sed 's/^/  netc: /'
netc_mean=$(echo "$netc_line" | awk '/^Forward across/{print $5}')
printf '%-6s %10s %10s %8s\n' peer "s/batch" "+/-" "peer/netc"
printf '%-6s %10.4f %10s %8s\n' netc "$netc_mean" "" "1.00"
report() {  # name mean sd
    printf '%-6s %10.4f %10.4f %8.2f\n' "$1" "$2" "$3" "$(echo "$2 / $netc_mean" | bc -l)"
}
if [ -x "$venv/bin/python" ]; then
    read -r name mean sd < <("$venv/bin/python" bench/peer_tf.py --batch "$batch" --steps "$steps" --threads "$threads" | tail -1)
    report "$name" "$mean" "$sd"
else
    echo "tf     skipped: no oracle venv at $venv (bash tests/oracle/setup_oracle.sh $venv)"
fi
read -r name mean sd < <(/usr/bin/python3 bench/peer_torch.py --batch "$batch" --steps "$steps" --threads "$threads" | tail -1)
report "$name" "$mean" "$sd"
if [ -z "$onnx_skip" ]; then
    line=$("$bench_venv/bin/python" bench/peer_onnx.py --batch "$batch" --steps "$steps" --threads "$threads" \
        --workdir "$bench_work" 2>"$bench_work/peer_onnx.err" | tail -1) || true
    read -r name mean sd <<<"$line" || true
    if [ "${name:-}" = onnx ] && [[ "${mean:-}" =~ ^[0-9.]+$ ]] && [[ "${sd:-}" =~ ^[0-9.]+$ ]]; then
        report "$name" "$mean" "$sd"
    elif [[ "$line" == "onnx skipped: "* ]]; then
        onnx_skip=${line#onnx skipped: }
    else
        onnx_skip="ONNX Runtime peer failed: $(tail -1 "$bench_work/peer_onnx.err") (log: $bench_work/peer_onnx.err)"
    fi
fi
[ -z "$onnx_skip" ] || echo "onnx   skipped: $onnx_skip"
