#!/usr/bin/env bash
# Set up, build and run every test: stage tests, CLI tests and conformance
# with the reference frameworks (the oracle's Python environment is created
# on first use under build/oracle-venv). Then the instrumented tree,
# build-san/ (clang, -DNETC_FUZZ=ON): netc and the tests built with
# AddressSanitizer and UBSan run the fast tests (unit, golden, runtime, cli,
# REPL, fuzz replays), and each libFuzzer harness runs 30 s on its corpus.
#   scripts/test.sh                 both trees (what CI runs)
#   scripts/test.sh --sanitize      the instrumented tree only
#   scripts/test.sh --no-sanitize   the normal tree only
#   scripts/test.sh --heavy         also the label train_heavy: the gradient
#                                   checks of the deep stdlib variants (about
#                                   20 minutes more on 2 cores; CI leaves them
#                                   out to stay within its time)
# Other arguments go to the normal tree's ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
normal=1 sanitize=1 heavy=0 args=()
for a in "$@"; do
  case $a in
    --sanitize) normal=0 ;;
    --no-sanitize) sanitize=0 ;;
    --heavy) heavy=1 ;;
    *) args+=("$a") ;;
  esac
done
status=0
if [ $normal = 1 ]; then
  bash scripts/build.sh
  [ $heavy = 1 ] || args=(-LE train_heavy ${args[@]+"${args[@]}"})
  (cd build && ctest --output-on-failure -j "$(nproc)" ${args[@]+"${args[@]}"}) || status=1
fi
if [ $sanitize = 1 ]; then
  bash scripts/setup-debian.sh  # clang-14 and its sanitizer and libFuzzer runtimes
  if [ ! -f build-san/CMakeCache.txt ]; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    cmake -S . -B build-san "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DNETC_FUZZ=ON
  fi
  cmake --build build-san -j "$(nproc)"
  (cd build-san && ctest --output-on-failure -j "$(nproc)" -L 'fast|fuzz') || status=1
fi
exit $status
