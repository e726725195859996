#!/usr/bin/env bash
# campaign.sh [-b BUILD] [-o OUT] [-c CPU] [NAME[=RUNS[:SECONDS]]...]
#
# A long fuzzing campaign: each harness in turn (all five when none is
# named), pinned to one core and niced, until it has made RUNS executions
# (default 10,000,000) or run SECONDS (default 1800), whichever comes first.
# BUILD is a -DNETC_FUZZ=ON tree (default build-san); OUT (default
# BUILD/fuzz-campaign) keeps each harness's corpus for the next campaign,
# its log and its findings. Prints the executions per harness; exits 1 if
# any harness found something (its input is in OUT/NAME/artifacts: fix the
# cause, then add the input to tests/fuzz/regressions/NAME).
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
  mkdir -p "$dir/corpus" "$dir/artifacts"
  echo "campaign: $name: up to $runs executions or $seconds s on CPU $cpu"
  start=$(date +%s)
  taskset -c "$cpu" nice -n 19 "$binary" -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -dict="$dict" -artifact_prefix="$dir/artifacts/" ${options[@]+"${options[@]}"} \
    "$dir/corpus" "${seed_dirs[@]}" \
    >"$dir/log" 2>&1
  status=$?
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  execs=${execs:-0}
  artifacts=$(find "$dir/artifacts" -type f | wc -l)
  result="no finding"
  if [ $status -ne 0 ] || [ "$artifacts" -gt 0 ]; then
    result="FINDING (exit $status; see $dir/log and $dir/artifacts)"
    found=1
  fi
  summary+=("$(printf '%-8s %12s executions in %6ss (%s/s), corpus %s inputs: %s' "$name" "$execs" "$took" \
    "$((execs / (took > 0 ? took : 1)))" "$(find "$dir/corpus" -type f | wc -l)" "$result")")
  echo "${summary[-1]}"
done
echo "campaign summary:"
printf '  %s\n' "${summary[@]}"
exit $found
