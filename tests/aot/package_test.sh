#!/usr/bin/env bash
# package_test.sh BUILD_DIR WORKDIR
#
# The CMake package as a user meets it (a CTest test): installs the build
# tree's netc into WORKDIR/prefix, configures examples/ out of tree against it
# (find_package(netc) + netc_add_network), builds classify and benchmark, and
# runs both. classify's top-5 on an .npy image must be `netc run`'s top-5 on
# the same weights and image.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR WORKDIR" >&2; exit 2; }
build=$1 work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
step() { echo "+ $*"; "$@" || fail "exit status $? from: $*"; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || fail "cannot enter $work"

step cmake --install "$build" --prefix "$work/prefix"
[ -f prefix/lib/cmake/netc/netcConfig.cmake ] || fail "no netcConfig.cmake installed"
[ -f prefix/share/netc/stdlib/resnet_v2.net ] || fail "the stdlib was not installed"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
step cmake -S "$src/examples" -B examples "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release
step cmake --build examples
if ldd examples/classify | grep -E 'libstdc\+\+|Halide|LLVM'; then fail "classify links a C++, Halide or LLVM library"; fi

step /usr/bin/python3 "$here/npy_tool.py" random X.npy 1 224 3 5
echo "+ examples/classify X.npy"
examples/classify X.npy | tee classify.txt || fail "classify failed"
echo "+ prefix/bin/netc run ... --input X.npy"
"$work/prefix/bin/netc" run "$src/examples/resnet_v2_50.net" --random-weights 1 --input X.npy | tee run.txt ||
  fail "netc run failed"
aot_top=$(awk '/^ +[0-9]+ +-?[0-9.]+/ {printf "%s ", $1}' classify.txt)
jit_top=$(sed -n 's/.*top-5://p' run.txt | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')
echo "classify top-5: $aot_top; netc run top-5: $jit_top"
[ -n "$aot_top" ] && [ "$aot_top" = "$jit_top" ] || fail "classify's top-5 differs from netc run's"
step examples/benchmark 1 3 1
echo "package_test: ok"
