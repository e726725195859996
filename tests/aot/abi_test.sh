#!/usr/bin/env bash
# abi_test.sh NETC WORKDIR
#
# The C ABI as apps use it (a CTest test):
#  - resnet_v2_50 and mobilenet_v2, compiled by separate netc runs, link into
#    one C app (plain cc) and one C++ app (g++), and both networks' outputs
#    equal `netc run`'s (the JIT) within 1e-6 relative;
#  - abi_errors: wrong arguments return codes with messages; a failed
#    allocation under `ulimit -v` returns an error code, no crash.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 NETC WORKDIR" >&2; exit 2; }
netc=$1 work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stdlib=$(cd "$here/../../stdlib" && pwd)
fail() { echo "abi_test: FAIL: $*" >&2; exit 1; }
step() { echo "+ $*"; "$@" || fail "exit status $? from: $*"; }
mkdir -p "$work" && cd "$work" || fail "cannot enter $work"
rm -f ./*.o ./*.h ./*.npy ./*.raw two_nets_c two_nets_cpp abi_errors
size=64

nets=(resnet_v2_50:resnet_v2.net mobilenet_v2:mobilenet_v2.net)
for n in "${nets[@]}"; do
  net=${n%%:*} file=$stdlib/${n#*:}
  step "$netc" "$file" --entry "$net" --image-size $size --random-weights 7 -o "$net.o"
  step /usr/bin/python3 "$here/npy_tool.py" random "$net.X.npy" 1 $size 3 11
  step /usr/bin/python3 "$here/npy_tool.py" raw "$net.X.npy" "$net.X.raw"
  step "$netc" run "$file" --entry "$net" --image-size $size --random-weights 7 --input "$net.X.npy" -o "$net.J.npy"
done
defs=(-DNET_A=resnet_v2_50 '-DNET_A_HEADER="resnet_v2_50.h"' -DNET_B=mobilenet_v2 '-DNET_B_HEADER="mobilenet_v2.h"')
step cc -std=c99 -Wall -Wextra -Werror -I. "${defs[@]}" "$here/two_nets.c" resnet_v2_50.o mobilenet_v2.o \
     -lpthread -ldl -lm -o two_nets_c
step g++ -std=c++11 -Wall -Wextra -Werror -I. "${defs[@]}" -x c++ "$here/two_nets.c" -x none resnet_v2_50.o \
     mobilenet_v2.o -lpthread -ldl -lm -o two_nets_cpp
for app in two_nets_c two_nets_cpp; do
  rm -f ./*.Y.raw
  step "./$app" resnet_v2_50.X.raw resnet_v2_50.Y.raw mobilenet_v2.X.raw mobilenet_v2.Y.raw
  for n in "${nets[@]}"; do
    net=${n%%:*}
    step /usr/bin/python3 "$here/npy_tool.py" compare "$net.Y.raw" "$net.J.npy" 1e-6
  done
done

step cc -std=c99 -Wall -Wextra -Werror -DENTRY=mobilenet_v2 -include mobilenet_v2.h "$here/abi_errors.c" \
     mobilenet_v2.o -lpthread -ldl -lm -o abi_errors
step ./abi_errors checks
echo "+ (ulimit -v 1000000; ./abi_errors oom)"
(ulimit -v 1000000; ./abi_errors oom) || fail "a failed allocation did not come back as an error code"
echo "abi_test: ok"
