#!/usr/bin/env bash
# confirm.sh FUZZER INPUT
#
# Whether a fuzz artifact is a finding: runs INPUT once more through FUZZER
# and exits 0 when it fails again. libFuzzer calls an input that takes over
# 10 s of wall-clock time a hang (timeout-*) or slow (slow-unit-*); on a
# busy machine, where a niced fuzzer waits for the CPU, that can be an input
# of milliseconds. So such an input counts only when it still fails with a
# limit of 10 s of CPU time; a crash, leak or out-of-memory input counts
# whenever it fails again. Exits 1 (printing why) when the input runs clean.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 FUZZER INPUT" >&2; exit 2; }
fuzzer=$1 input=$2
start=$(date +%s.%N)
(ulimit -t 11; exec timeout 900 "$fuzzer" -timeout=0 "$input") >/dev/null 2>&1
status=$?
took=$(printf "%.1f" "$(echo "$(date +%s.%N) - $start" | bc)")
if [ $status -eq 0 ]; then
  echo "not a finding: $(basename "$input") runs clean (${took} s of wall-clock time now)"
  exit 1
fi
cpu=""
[ $status -eq 152 ] || [ $status -eq 137 ] && cpu=": over 10 s of CPU time"
echo "finding: $(basename "$input") fails again (exit $status$cpu)"
