#!/usr/bin/env bash
# campaign.sh [-b BUILD] [-o OUT] [-c CPU] [NAME[=RUNS[:SECONDS]]...]
#
# A long fuzzing campaign: each harness in turn (all five when none is
# named), pinned to one core and niced, until it has made RUNS executions
# (default 10,000,000) or run SECONDS (default 1800), whichever comes first.
# BUILD is a -DNETC_FUZZ=ON tree (default build-san); OUT (default
# BUILD/fuzz-campaign) keeps each harness's corpus for the next campaign,
# its logs and its findings. A hang is an input over 10 s of CPU time
# (confirm.sh). Prints the executions per harness; exits 1 if any harness
# found something (its input is in OUT/NAME/artifacts: fix the cause, then
# add the input to tests/fuzz/regressions/NAME).
#   tests/fuzz/campaign.sh npy=10000000:600 npz weights source=10000000:3600
set -uo pipefail
cd "$(dirname "$0")/../.."
build=build-san out="" cpu=1
while getopts "b:o:c:" opt; do
  case $opt in
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    c) cpu=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
manifest=$build/tests/fuzz/harnesses.txt
[ -f "$manifest" ] || { echo "campaign: no $manifest: configure $build with -DNETC_FUZZ=ON and build it" >&2; exit 2; }
out=${out:-$build/fuzz-campaign}
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || mapfile -t wanted < <(grep -v '^#' "$manifest" | cut -d' ' -f1)

found=0
summary=()
for want in "${wanted[@]}"; do
  name=${want%%=*} budget=${want#*=}
  [ "$budget" = "$want" ] && budget=""
  runs=${budget%%:*} seconds=${budget#*:}
  [ "$seconds" = "$budget" ] && seconds=""
  runs=${runs:-10000000} seconds=${seconds:-1800}
  read -r _ binary dict seeds options < <(grep "^$name " "$manifest") || { echo "campaign: no harness '$name'" >&2; exit 2; }
  read -r -a options <<<"${options:-}"
  IFS=, read -r -a seed_dirs <<<"$seeds"
  dir=$out/$name
  mkdir -p "$dir/corpus" "$dir/artifacts/unconfirmed"
  echo "campaign: $name: up to $runs executions or $seconds s on CPU $cpu"
  # libFuzzer stops at a timeout; one that is no hang in CPU time (a busy
  # machine, see confirm.sh) is set aside and the harness goes on with what
  # is left of its budget. Slow inputs (over 10 s) are checked the same way.
  execs=0 start=$(date +%s) result="no finding" part=0
  while :; do
    left_runs=$((runs - execs)) left_time=$((seconds - ($(date +%s) - start)))
    [ $left_runs -gt 0 ] && [ $left_time -gt 0 ] || break
    part=$((part + 1))
    taskset -c "$cpu" nice -n 19 "$binary" -runs=$left_runs -max_total_time=$left_time -timeout=60 \
      -report_slow_units=10 -rss_limit_mb=4096 -print_final_stats=1 -dict="$dict" \
      -artifact_prefix="$dir/artifacts/" ${options[@]+"${options[@]}"} "$dir/corpus" "${seed_dirs[@]}" \
      >"$dir/log.$part" 2>&1
    status=$?
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log.$part" | tail -1)
    execs=$((execs + ${n:-0}))
    confirmed=0
    for a in "$dir"/artifacts/*; do
      [ -f "$a" ] || continue
      if taskset -c "$cpu" bash tests/fuzz/confirm.sh "$binary" "$a"; then confirmed=1; else mv "$a" "$dir/artifacts/unconfirmed/"; fi
    done
    if [ $confirmed = 1 ] || { [ $status -ne 0 ] && ! grep -q "ERROR: libFuzzer: timeout" "$dir/log.$part"; }; then
      result="FINDING (exit $status; see $dir/log.$part and $dir/artifacts)"
      found=1
      break
    fi
    [ $status -eq 0 ] && break
  done
  took=$(($(date +%s) - start))
  summary+=("$(printf '%-8s %12s executions in %6ss (%s/s, %s part%s), corpus %s inputs: %s' "$name" "$execs" \
    "$took" "$((execs / (took > 0 ? took : 1)))" "$part" "$([ "$part" = 1 ] || echo s)" \
    "$(find "$dir/corpus" -type f | wc -l)" "$result")")
  echo "${summary[-1]}"
done
echo "campaign summary:"
printf '  %s\n' "${summary[@]}"
exit $found
