/* Fault injection for abi_stress (LD_PRELOAD=fail_alloc.so): fails one
 * chosen allocation, whichever of malloc, calloc, realloc, aligned_alloc,
 * posix_memalign or memalign makes it. The app arms it around a call:
 *   void fail_alloc_arm(long k)   count allocations from now on, in every
 *                                 thread; the k-th fails (k = 0: none)
 *   long fail_alloc_disarm(void)  stop; returns how many were counted
 * Everything else goes to glibc's own allocator (__libc_*), which valgrind
 * also intercepts, so a leak check still sees every block. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_int armed;
static atomic_long counted, fail_at;

void fail_alloc_arm(long k) {
    atomic_store(&counted, 0);
    atomic_store(&fail_at, k);
    atomic_store(&armed, 1);
}

long fail_alloc_disarm(void) {
    atomic_store(&armed, 0);
    return atomic_load(&counted);
}

static int fails(void) {
    if (!atomic_load(&armed)) return 0;
    long n = atomic_fetch_add(&counted, 1) + 1;
    if (n != atomic_load(&fail_at)) return 0;
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n) { return fails() ? NULL : __libc_malloc(n); }
void *calloc(size_t k, size_t n) { return fails() ? NULL : __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { return fails() ? NULL : __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { return fails() ? NULL : __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { return fails() ? NULL : __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    if (fails()) return ENOMEM;
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
