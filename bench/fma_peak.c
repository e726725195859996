/* fma_peak: the CPU's fp32 FMA peak in GFLOP/s, the ceiling bench/ reports
 * netc's GFLOP/s against.
 *
 * usage: fma_peak [--isa auto|avx512|avx2] [--threads 1,2] [--slots 30] [--ms 20]
 * Build: cc -O2 -pthread fma_peak.c -o fma_peak   (no -march: each kernel
 * carries its own target attribute and the ISA is chosen at run time)
 *
 * Prints one line per thread count:
 *   fma_peak isa=avx512 vector=zmm chains=24 threads=2 gflops=265.1 slots=30 ms=20
 *
 * Each thread runs independent FMA chains (acc = acc * a + b) in registers:
 * enough of them to cover the FMA latency on every FMA port (4-cycle latency
 * x 2 ports needs 8; 24 zmm / 12 ymm leave margin without spilling). Threads
 * are pinned to distinct CPUs of the process's affinity mask, start together
 * at a barrier, and a slot ends when the last one is done. The best slot
 * counts: a short slot is likelier to run undisturbed on a shared machine. */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZMM_CHAINS 24
#define YMM_CHAINS 12

static volatile float sink;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* a and b keep each chain near 1.0: no overflow, no denormals. */
__attribute__((target("avx512f"))) static void run_zmm(long iters) {
    __m512 acc[ZMM_CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
    for (int c = 0; c < ZMM_CHAINS; c++) acc[c] = _mm512_set1_ps(1.0f + c * 1e-3f);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 32 /* every chain in its own register, not a loop through memory */
        for (int c = 0; c < ZMM_CHAINS; c++) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    __m512 s = acc[0];
    for (int c = 1; c < ZMM_CHAINS; c++) s = _mm512_add_ps(s, acc[c]);
    sink = _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static void run_ymm(long iters) {
    __m256 acc[YMM_CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
    for (int c = 0; c < YMM_CHAINS; c++) acc[c] = _mm256_set1_ps(1.0f + c * 1e-3f);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 32
        for (int c = 0; c < YMM_CHAINS; c++) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
    __m256 s = acc[0];
    for (int c = 1; c < YMM_CHAINS; c++) s = _mm256_add_ps(s, acc[c]);
    float f[8];
    _mm256_storeu_ps(f, s);
    sink = f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}

static int use_zmm;
static long iters;
static int nslots;
static pthread_barrier_t start_bar, end_bar;

static void kernel(long n) {
    if (use_zmm)
        run_zmm(n);
    else
        run_ymm(n);
}

static double flops_per_iter(void) { return use_zmm ? ZMM_CHAINS * 16 * 2.0 : YMM_CHAINS * 8 * 2.0; }

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *worker(void *arg) {
    pin((int)(long)arg);
    for (int s = 0; s < nslots; s++) {
        pthread_barrier_wait(&start_bar);
        kernel(iters);
        pthread_barrier_wait(&end_bar);
    }
    return NULL;
}

/* The best slot's GFLOP/s for `threads` threads pinned to cpus[0..threads). */
static double measure(int threads, const int *cpus) {
    pthread_t tid[64];
    pthread_barrier_init(&start_bar, NULL, threads);
    pthread_barrier_init(&end_bar, NULL, threads);
    for (int t = 1; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)(long)cpus[t]);
    pin(cpus[0]);
    double best = 1e30;
    for (int s = 0; s < nslots; s++) {
        pthread_barrier_wait(&start_bar);
        double t0 = now();
        kernel(iters);
        pthread_barrier_wait(&end_bar);
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    for (int t = 1; t < threads; t++) pthread_join(tid[t], NULL);
    pthread_barrier_destroy(&start_bar);
    pthread_barrier_destroy(&end_bar);
    return threads * iters * flops_per_iter() / best * 1e-9;
}

static void usage(void) {
    fprintf(stderr, "usage: fma_peak [--isa auto|avx512|avx2] [--threads 1,2] [--slots N] [--ms M]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *isa = "auto", *thread_list = "1,2";
    double ms = 20;
    nslots = 30;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        if (!strcmp(argv[i], "--isa"))
            isa = argv[++i];
        else if (!strcmp(argv[i], "--threads"))
            thread_list = argv[++i];
        else if (!strcmp(argv[i], "--slots"))
            nslots = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ms"))
            ms = atof(argv[++i]);
        else
            usage();
    }
    __builtin_cpu_init();
    int has512 = __builtin_cpu_supports("avx512f"), has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!strcmp(isa, "auto"))
        use_zmm = has512;
    else if (!strcmp(isa, "avx512"))
        use_zmm = 1;
    else if (strcmp(isa, "avx2"))
        usage();
    if ((use_zmm && !has512) || (!use_zmm && !has2)) {
        fprintf(stderr, "fma_peak: this CPU lacks %s\n", use_zmm ? "avx512f" : "avx2+fma");
        return 1;
    }
    if (nslots < 1 || ms <= 0) usage();

    cpu_set_t mask;
    int cpus[64], ncpu = 0;
    sched_getaffinity(0, sizeof mask, &mask);
    for (int c = 0; c < CPU_SETSIZE && ncpu < 64; c++)
        if (CPU_ISSET(c, &mask)) cpus[ncpu++] = c;

    /* Size a slot to about `ms` on one thread: time a short run first. */
    iters = 100000;
    double t0 = now();
    kernel(iters);
    double dt = now() - t0;
    iters = (long)(iters * (ms * 1e-3) / (dt > 0 ? dt : 1e-6));
    if (iters < 1000) iters = 1000;

    char *list = strdup(thread_list);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        int threads = atoi(tok);
        if (threads < 1 || threads > ncpu) {
            fprintf(stderr, "fma_peak: %d threads asked, %d CPUs available\n", threads, ncpu);
            return 1;
        }
        printf("fma_peak isa=%s vector=%s chains=%d threads=%d gflops=%.1f slots=%d ms=%g\n",
               use_zmm ? "avx512" : "avx2", use_zmm ? "zmm" : "ymm", use_zmm ? ZMM_CHAINS : YMM_CHAINS, threads,
               measure(threads, cpus), nslots, ms);
        fflush(stdout);
    }
    free(list);
    return 0;
}
