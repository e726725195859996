#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SECONDS WORKDIR DICT SEEDS [OPTION...]
#
# The fuzz CTest job for one harness: runs it for SECONDS on the committed
# seeds and regression inputs (SEEDS, comma-separated directories, read
# only) plus what earlier runs found (WORKDIR/corpus), and fails on any
# finding: a crash, a sanitizer report, a leak, an input that uses more
# than 4 GiB or runs longer than 10 s (a hang; confirmed in CPU time by
# confirm.sh, since a busy machine stretches wall-clock time). OPTIONs go
# to libFuzzer.
# Prints the executions made.
set -uo pipefail
[ $# -ge 5 ] || { echo "usage: $0 FUZZER SECONDS WORKDIR DICT SEEDS [OPTION...]" >&2; exit 2; }
fuzzer=$1 seconds=$2 work=$3 dict=$4
IFS=, read -r -a seeds <<<"$5"
shift 5
mkdir -p "$work/corpus" "$work/artifacts" || exit 2
rm -f "$work/artifacts"/*
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[ -n "$dict" ] && args+=(-dict="$dict")
args+=("$@")
"$fuzzer" "${args[@]}" "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1
status=$?
grep -E "^stat::number_of_executed_units|^#[0-9]+ *DONE" "$work/log"
# A timeout or slow input is a finding only if it is slow in CPU time too
# (see confirm.sh); anything else libFuzzer reports is one.
confirmed=0
for a in "$work"/artifacts/*; do
  [ -e "$a" ] || continue
  bash "$(dirname "$0")/confirm.sh" "$fuzzer" "$a" && confirmed=1
done
if [ $confirmed = 1 ] || { [ $status -ne 0 ] && ! grep -q "ERROR: libFuzzer: timeout" "$work/log"; }; then
  echo "FAIL: $(basename "$fuzzer") exited $status; the end of its log ($work/log):"
  tail -60 "$work/log"
  echo "The input is in $work/artifacts/: fix the cause, then add it to tests/fuzz/regressions/."
  exit 1
fi
echo "ok: $(basename "$fuzzer"), ${seconds}s, no finding"
