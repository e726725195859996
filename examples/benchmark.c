/* benchmark: the reference timing protocol (SPEC 7) on a netc-compiled
 * network: 10 burn-in steps, then 100 timed steps on a fixed pseudo-random
 * batch; prints mean +/- standard deviation seconds per batch.
 *
 * usage: benchmark [BATCH=1] [STEPS=100] [BURN_IN=10] [THREADS=0: all cores]
 * Build: cc benchmark.c NAME.o -lpthread -ldl -lm (-DNETC_ENTRY/-DNETC_HEADER
 * for a network other than resnet_v2_50). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup under -std=c99 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef NETC_ENTRY
#define NETC_ENTRY resnet_v2_50
#define NETC_HEADER "resnet_v2_50.h"
#endif
#include NETC_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int batch = argc > 1 ? atoi(argv[1]) : 1, steps = argc > 2 ? atoi(argv[2]) : 100;
    int burn_in = argc > 3 ? atoi(argv[3]) : 10, threads = argc > 4 ? atoi(argv[4]) : 0;
    if (batch < 1 || steps < 1 || burn_in < 0) {
        fprintf(stderr, "usage: benchmark [BATCH>=1] [STEPS>=1] [BURN_IN>=0] [THREADS]\n");
        return 2;
    }
    if (threads > 0) CAT(NETC_ENTRY, _set_num_threads)(threads);
    size_t in = (size_t)batch * CAT(NETC_ENTRY, _INPUT_SIZE), out = (size_t)batch * CAT(NETC_ENTRY, _OUTPUT_SIZE);
    float *x = malloc(in * sizeof(float)), *y = malloc(out * sizeof(float));
    double *t = malloc(steps * sizeof(double));
    if (!x || !y || !t) {
        fprintf(stderr, "benchmark: out of memory\n");
        return 1;
    }
    unsigned s = 1;
    for (size_t i = 0; i < in; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    for (int i = 0; i < burn_in + steps; i++) {
        double t0 = now();
        int rc = NETC_ENTRY(x, y, batch);
        if (rc) {
            fprintf(stderr, "benchmark: %s (code %d)\n", CAT(NETC_ENTRY, _error_message)(rc), rc);
            return 1;
        }
        if (i >= burn_in) t[i - burn_in] = now() - t0;
    }
    double mean = 0, var = 0;
    for (int i = 0; i < steps; i++) mean += t[i] / steps;
    for (int i = 0; i < steps; i++) var += (t[i] - mean) * (t[i] - mean) / steps;
    printf("%s (AOT object) batch %d\n", STR(NETC_ENTRY), batch);
    printf("Forward across %d steps, %.3f +/- %.3f sec / batch\n", steps, mean, sqrt(var));
    printf("%.1f images/s\n", batch / mean);
    return 0;
}
