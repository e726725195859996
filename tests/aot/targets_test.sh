#!/usr/bin/env bash
# targets_test.sh NETC WORKDIR
#
# Objects for different targets agree (a CTest test): mobilenet_v2 compiled
# for plain SSE4.1 and as the portable object (AVX-512 / AVX2 / SSE4.1 chosen
# at run time) give the same outputs within 1e-5 relative (FMA and vector
# widths change rounding, nothing else), and the portable object, which runs
# this CPU's best variant, equals the host JIT within 1e-6. A host-cuda object
# links with plain cc too; on a machine without a GPU its entry must return
# an error code with the CUDA runtime's message (never abort), and with one
# its output must match the JIT within 1e-4 relative.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 NETC WORKDIR" >&2; exit 2; }
netc=$1 work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
file=$(cd "$here/../../stdlib" && pwd)/mobilenet_v2.net
fail() { echo "targets_test: FAIL: $*" >&2; exit 1; }
step() { echo "+ $*"; "$@" || fail "exit status $? from: $*"; }
mkdir -p "$work" && cd "$work" || fail "cannot enter $work"
rm -f ./*.o ./*.h ./*.npy run_*
size=64
step /usr/bin/python3 "$here/npy_tool.py" random X.npy 2 $size 3
step "$netc" run "$file" --image-size $size --random-weights 3 --input X.npy -o J.npy
for t in x86-64-linux-sse41 portable; do
  mkdir -p "$t" && cd "$t" || fail "cannot enter $t"
  step "$netc" "$file" --image-size $size --random-weights 3 --target $t -o mobilenet_v2.o
  step cc -std=c99 -DENTRY=mobilenet_v2 -include mobilenet_v2.h "$here/aot_run.c" mobilenet_v2.o \
       -lpthread -ldl -lm -o "../run_$t"
  cd ..
  step "./run_$t" X.npy "Y_$t.npy"
done
step /usr/bin/python3 "$here/npy_tool.py" compare Y_x86-64-linux-sse41.npy Y_portable.npy 1e-5
step /usr/bin/python3 "$here/npy_tool.py" compare Y_portable.npy J.npy 1e-6
if cmp -s Y_x86-64-linux-sse41.npy Y_portable.npy; then
  echo "note: the SSE4.1 and the portable objects agree bit for bit"
fi
mkdir -p cuda && cd cuda || fail "cannot enter cuda"
step "$netc" "$file" --image-size $size --random-weights 3 --target host-cuda -o mobilenet_v2.o
step cc -std=c99 -DENTRY=mobilenet_v2 -include mobilenet_v2.h "$here/aot_run.c" mobilenet_v2.o \
     -lpthread -ldl -lm -o ../run_cuda
cd ..
echo "+ ./run_cuda X.npy Y_cuda.npy"
./run_cuda X.npy Y_cuda.npy 2> cuda.err; rc=$?
cat cuda.err
case $rc in
  0) step /usr/bin/python3 "$here/npy_tool.py" compare Y_cuda.npy J.npy 1e-4 ;;
  2) grep -qi "cuda" cuda.err || fail "the CUDA object's error does not say what failed" ;;
  *) fail "the CUDA object ended with status $rc (crash or abort?)" ;;
esac
echo "targets_test: ok"
