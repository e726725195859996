/* The C ABI under load and faults (issue 13), on two networks compiled by
 * separate netc runs (NET_A, NET_B: see abi_stress.sh).
 *   abi_stress load     4 x cores threads call A, then A and B interleaved,
 *                       for thousands of calls on inputs and batches of
 *                       their own, while one more thread keeps changing the
 *                       thread count and dropping the kept arena. Every
 *                       output must equal, bit for bit, what the same call
 *                       gave alone before the threads started.
 *   abi_stress count    the allocations a process's first call makes, and
 *                       a later call once the arena was released
 *   abi_stress cold K   (LD_PRELOAD=fail_alloc.so) the first call, with its
 *                       K-th allocation failing, returns an error code; the
 *                       next call succeeds with the right output
 *   abi_stress warm     the same for each allocation of a later call (the
 *                       arena was released), in one process
 * abi_stress.sh runs the fault modes under valgrind, which finds any leak.
 * Exits 0 when every check holds. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include NET_A_HEADER
#include NET_B_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

enum { INPUTS = 12, MAX_IMAGES = 3, CALLS = 3000 };

typedef int (*entry_fn)(const float *, float *, int);
typedef const char *(*message_fn)(int);

struct net {
    const char *name;
    entry_fn run;
    message_fn message;
    void (*release)(void);
    int (*threads)(int);
    size_t in_size, out_size;
    float *in[INPUTS], *ref[INPUTS];
};

static struct net nets[2] = {
    {"A", NET_A, CAT(NET_A, _error_message), CAT(NET_A, _release_memory), CAT(NET_A, _set_num_threads),
     CAT(NET_A, _INPUT_SIZE), CAT(NET_A, _OUTPUT_SIZE), {0}, {0}},
    {"B", NET_B, CAT(NET_B, _error_message), CAT(NET_B, _release_memory), CAT(NET_B, _set_num_threads),
     CAT(NET_B, _INPUT_SIZE), CAT(NET_B, _OUTPUT_SIZE), {0}, {0}},
};

/* Input i has batch 1 + i % MAX_IMAGES and values of its own. */
static int batch_of(int i) { return 1 + i % MAX_IMAGES; }

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "abi_stress: out of memory\n");
        exit(2);
    }
    return p;
}

static void make_inputs(struct net *n) {
    for (int i = 0; i < INPUTS; i++) {
        size_t count = (size_t)batch_of(i) * n->in_size;
        unsigned s = 12345u + 977u * (unsigned)i + (n == &nets[1] ? 55555u : 0u);
        n->in[i] = xmalloc(count * sizeof(float));
        for (size_t k = 0; k < count; k++) {
            s = s * 1103515245u + 12345u;
            n->in[i][k] = (float)((s >> 9) & 0xFFFF) / 32768.0f - 1.0f;
        }
        n->ref[i] = NULL;
    }
}

/* Runs input i of n into out; 0 when the output equals the reference. */
static int check_call(struct net *n, int i, float *out, const char *when) {
    int rc = n->run(n->in[i], out, batch_of(i));
    if (rc != 0) {
        fprintf(stderr, "abi_stress: %s: %s input %d -> %d (%s)\n", when, n->name, i, rc, n->message(rc));
        return 1;
    }
    if (memcmp(out, n->ref[i], (size_t)batch_of(i) * n->out_size * sizeof(float)) != 0) {
        fprintf(stderr, "abi_stress: %s: %s input %d differs from its single-threaded result\n", when, n->name, i);
        return 1;
    }
    return 0;
}

static void make_references(struct net *n) {
    for (int i = 0; i < INPUTS; i++) {
        n->ref[i] = xmalloc((size_t)batch_of(i) * n->out_size * sizeof(float));
        int rc = n->run(n->in[i], n->ref[i], batch_of(i));
        if (rc != 0) {
            fprintf(stderr, "abi_stress: reference %s %d -> %d (%s)\n", n->name, i, rc, n->message(rc));
            exit(1);
        }
    }
}

/* ---- load ---- */

/* The Halide runtime's (weak, shared by the objects): an app may install
 * its own error handler, and the ABI must leave it in place. */
extern void (*halide_set_error_handler(void (*)(void *, const char *)))(void *, const char *);
static void app_handler(void *uc, const char *msg) {
    (void)uc;
    fprintf(stderr, "app handler: %s\n", msg);
}

struct worker {
    int id, calls, both;
    int failures;
    pthread_t thread;
};

static volatile int chaos_stop;

static void *work(void *arg) {
    struct worker *w = arg;
    float *out = xmalloc((size_t)MAX_IMAGES * (nets[0].out_size > nets[1].out_size ? nets[0].out_size : nets[1].out_size) *
                         sizeof(float));
    for (int j = 0; j < w->calls; j++) {
        struct net *n = &nets[w->both ? (w->id + j) % 2 : 0];
        w->failures += check_call(n, (w->id * 5 + j) % INPUTS, out, w->both ? "A and B" : "A");
    }
    free(out);
    return NULL;
}

/* Changes the runtime's thread count (1 to 4, then the default) and drops
 * the kept arenas while the workers run. */
static void *chaos(void *arg) {
    (void)arg;
    for (int k = 0; !chaos_stop; k++) {
        nets[k % 2].threads(k % 5);
        if (k % 3 == 0) nets[k % 2].release();
        usleep(200);
    }
    nets[0].threads(0);
    return NULL;
}

static int load(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = (int)(4 * (cores > 0 ? cores : 1));
    struct worker *w = xmalloc((size_t)n * sizeof *w);
    int failures = 0;
    halide_set_error_handler(app_handler);
    for (int phase = 0; phase < 2; phase++) {
        pthread_t c;
        chaos_stop = 0;
        if (phase == 1 && pthread_create(&c, NULL, chaos, NULL) != 0) return 1;
        for (int t = 0; t < n; t++) {
            w[t] = (struct worker){t, CALLS / n, phase, 0, 0};
            if (pthread_create(&w[t].thread, NULL, work, &w[t]) != 0) return 1;
        }
        for (int t = 0; t < n; t++) {
            pthread_join(w[t].thread, NULL);
            failures += w[t].failures;
        }
        if (phase == 1) {
            chaos_stop = 1;
            pthread_join(c, NULL);
        }
        printf("abi_stress: %d threads, %d calls of %s%s: %d wrong\n", n, n * (CALLS / n),
               phase ? "A and B" : "A", phase ? " while the thread count and arenas change" : "", failures);
    }
    free(w);
    if (halide_set_error_handler(app_handler) != app_handler) {
        printf("FAIL: the app's Halide error handler was replaced\n");
        failures++;
    }
    return failures != 0;
}

/* ---- faults ---- */

static void (*arm)(long);
static long (*disarm)(void);

static void need_fail_alloc(void) {
    arm = (void (*)(long))dlsym(RTLD_DEFAULT, "fail_alloc_arm");
    disarm = (long (*)(void))dlsym(RTLD_DEFAULT, "fail_alloc_disarm");
    if (!arm || !disarm) {
        fprintf(stderr, "abi_stress: run with LD_PRELOAD=fail_alloc.so\n");
        exit(2);
    }
}

/* Input 2 (batch 3) on A, the case with the most allocations. */
static int faulty_call(long k, float *out) {
    arm(k);
    int rc = nets[0].run(nets[0].in[2], out, batch_of(2));
    long made = disarm();
    return k > made ? -1000000 - rc : rc;  /* k past the allocations: no fault happened */
}

static int count(void) {
    need_fail_alloc();
    float *out = xmalloc((size_t)MAX_IMAGES * nets[0].out_size * sizeof(float));
    arm(0);
    int rc = nets[0].run(nets[0].in[2], out, batch_of(2));
    long cold = disarm();
    nets[0].release();
    arm(0);
    rc |= nets[0].run(nets[0].in[2], out, batch_of(2));
    long warm = disarm();
    printf("cold %ld\nwarm %ld\n", cold, warm);
    free(out);
    return rc != 0;
}

static int after_fault(long k, int rc, float *out) {
    int failed = 0;
    if (rc <= -1000000) {
        /* Fewer allocations this time (a worker thread's timing). */
        printf("fault %ld: not reached\n", k);
    } else if (rc == 0) {
        /* The fault was absorbed; then the output must still be right. */
        failed = memcmp(out, nets[0].ref[2], (size_t)batch_of(2) * nets[0].out_size * sizeof(float)) != 0;
        printf("fault %ld: the call succeeded%s\n", k, failed ? " with a WRONG output" : " (output right)");
    } else {
        printf("fault %ld: %d (%s)\n", k, rc, nets[0].message(rc));
    }
    return failed + check_call(&nets[0], 2, out, "after a fault");
}

static int cold(long k) {
    need_fail_alloc();
    float *out = xmalloc((size_t)MAX_IMAGES * nets[0].out_size * sizeof(float));
    int rc = faulty_call(k, out);
    /* The references come after the faulty call, which must be the first. */
    make_references(&nets[0]);
    int failed = after_fault(k, rc, out);
    free(out);
    return failed;
}

static int warm(void) {
    need_fail_alloc();
    make_references(&nets[0]);
    float *out = xmalloc((size_t)MAX_IMAGES * nets[0].out_size * sizeof(float));
    nets[0].release();
    arm(0);
    nets[0].run(nets[0].in[2], out, batch_of(2));
    long made = disarm();
    int failed = 0;
    for (long k = 1; k <= made; k++) {
        nets[0].release();
        failed += after_fault(k, faulty_call(k, out), out);
    }
    free(out);
    return failed != 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: abi_stress load | count | cold K | warm\n");
        return 2;
    }
    make_inputs(&nets[0]);
    make_inputs(&nets[1]);
    if (strcmp(argv[1], "count") == 0) return count();
    if (strcmp(argv[1], "cold") == 0 && argc == 3) return cold(atol(argv[2]));
    if (strcmp(argv[1], "warm") == 0) return warm();
    if (strcmp(argv[1], "load") != 0) return 2;
    make_references(&nets[0]);
    make_references(&nets[1]);
    return load();
}
