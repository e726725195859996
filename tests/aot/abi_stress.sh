#!/usr/bin/env bash
# abi_stress.sh NETC WORKDIR
#
# The C ABI under load and faults (a CTest test; see abi_stress.c): two
# small networks from separate netc runs in one app,
# - 4 x cores threads calling them concurrently while the thread count
#    changes and arenas are dropped, each output equal bit for bit to the
#    single-threaded one; the app's own Halide error handler survives;
#  - with fail_alloc.so preloaded, each allocation of a first call and of a
#    later call failed in turn: an error code (or, where the runtime can do
#    without the memory, a right answer), never a crash, and the next call
#    succeeds. These runs are under valgrind, so a leak or a bad access
#    fails them too. Network A is built `portable`: valgrind's CPU has no
#    AVX-512, and the object then runs its AVX2 variant.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 NETC WORKDIR" >&2; exit 2; }
netc=$1 work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "abi_stress: FAIL: $*" >&2; exit 1; }
step() { echo "+ $*"; "$@" || fail "exit status $? from: $*"; }
mkdir -p "$work" && cd "$work" || fail "cannot enter $work"
rm -f ./*.o ./*.h abi_stress fail_alloc.so

step "$netc" "$here/stress_nets.net" --entry stress_a --random-weights 3 --target portable -o stress_a.o
step "$netc" "$here/stress_nets.net" --entry stress_b --random-weights 4 -o stress_b.o
step cc -shared -fPIC -O2 -Wall -Wextra -Werror "$here/fail_alloc.c" -o fail_alloc.so
step cc -std=c11 -O2 -g -Wall -Wextra -Werror -I. -DNET_A=stress_a '-DNET_A_HEADER="stress_a.h"' \
     -DNET_B=stress_b '-DNET_B_HEADER="stress_b.h"' "$here/abi_stress.c" stress_a.o stress_b.o \
     -lpthread -ldl -lm -o abi_stress
step ./abi_stress load

counts=$(LD_PRELOAD=./fail_alloc.so ./abi_stress count) || fail "counting allocations: $counts"
cold=$(sed -n 's/^cold //p' <<<"$counts") warm=$(sed -n 's/^warm //p' <<<"$counts")
echo "a first call makes $cold allocations, a later one $warm"
[ "${cold:-0}" -ge 2 ] && [ "${warm:-0}" -ge 1 ] || fail "too few allocations counted: $counts"
# nouserintercepts: valgrind replaces malloc in libc only, so that the app's
# calls still reach fail_alloc.so, whose blocks come from libc's (valgrind's).
vg=(valgrind -q --soname-synonyms=somalloc=nouserintercepts --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect,possible)
for k in $(seq 1 "$cold"); do
  out=$(LD_PRELOAD=./fail_alloc.so "${vg[@]}" ./abi_stress cold "$k" 2>&1); code=$?
  echo "$out"
  [ $code -eq 0 ] || fail "first call, allocation $k failed: exit $code"
done
# The arena is the first allocation: its failure must come back as the ABI's code.
LD_PRELOAD=./fail_alloc.so ./abi_stress cold 1 | grep -q "fault 1: 1006" || fail "a failed arena is not NETC_ERROR_OUT_OF_MEMORY"
out=$(LD_PRELOAD=./fail_alloc.so "${vg[@]}" ./abi_stress warm 2>&1); code=$?
echo "$out"
[ $code -eq 0 ] || fail "a later call's failed allocations: exit $code"
echo "abi_stress: ok"
