#!/usr/bin/env bash
# bench/compare.sh [BATCH] [STEPS]: netc against its peers on one machine in
# one run, resnet_v2_50 at 224x224 with the reference protocol (10 burn-in
# steps, then STEPS timed ones), the same thread count for all. Prints each
# peer's seconds per batch and the ratio peer/netc (above 1: netc is faster).
#   netc     examples/resnet_v2_50.net, JIT (`netc bench`)
#   tf       TF-slim's resnet_v2_50 itself (oracle venv), graph mode, oneDNN
#   torch    torchvision resnet50 (same FLOPs, PyTorch has no resnet_v2),
#            TorchScript frozen, channels_last, Debian's python3-torch
# Needs scripts/build.sh (and the oracle venv for tf; it is skipped without).
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-1} steps=${2:-100} threads=${NETC_BENCH_THREADS:-$(nproc)}
venv=build/oracle-venv
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
