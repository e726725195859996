/* An AOT training step (by default tests/train/digits.net's) from C, for
 * train_aot.sh:
 *
 *   aot_step step IMAGES.raw LABELS.raw BATCH SEED LR OUT
 *     from the compiled-in initial weights, one step on the first BATCH
 *     examples (float32 NHWC images, int32 labels, raw), then writes
 *     OUT.weights (after the step), OUT.grads, OUT.state (raw float32 blocks),
 *     OUT.loss (the loss, as text) and OUT.arrays (per array of the weights
 *     and state blocks: block name offset size), for NumPy to compare with
 *     `netc train`'s;
 *   aot_step errors IMAGES.raw LABELS.raw
 *     bad arguments come back as error codes with messages, nothing written.
 * STEP_HEADER names the object's header (default "digits_step.h") and NET
 * its network (default digits). */
#ifndef STEP_HEADER
#define STEP_HEADER "digits_step.h"
#endif
#include STEP_HEADER

/* NET names the network, its symbols' prefix (default digits). */
#ifndef NET
#define NET digits
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define N(x) CAT(NET, x)

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *read_raw(const char *path, size_t bytes) {
    void *p = malloc(bytes);
    FILE *f = fopen(path, "rb");
    if (!p || !f || fread(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "%s: cannot read %zu bytes\n", path, bytes);
        exit(1);
    }
    fclose(f);
    return p;
}

static void write_raw(const char *out, const char *ext, const float *data, size_t count) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%s", out, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, sizeof(float), count, f) != count || fclose(f)) {
        fprintf(stderr, "%s: cannot write\n", path);
        exit(1);
    }
}

static int failures = 0;

static void expect(int got, int want, const char *what) {
    const char *msg = N(_error_message)(got);
    if (got != want || !msg || !*msg) {
        fprintf(stderr, "FAIL %s: got %d (%s), want %d\n", what, got, msg ? msg : "(null)", want);
        failures++;
    } else {
        printf("ok %s: %d %s\n", what, got, msg);
    }
}

static int step(int argc, char **argv) {
    if (argc != 8) return 2;
    int batch = atoi(argv[4]), seed = atoi(argv[5]);
    float lr = (float)atof(argv[6]);
    const char *out = argv[7];
    float *images = read_raw(argv[2], sizeof(float) * N(_INPUT_SIZE) * batch);
    int32_t *labels = read_raw(argv[3], sizeof(int32_t) * batch);
    float *weights = aligned_alloc(64, sizeof(float) * N(_WEIGHTS_SIZE));
    float *grads = aligned_alloc(64, sizeof(float) * N(_WEIGHTS_SIZE));
    float *state = aligned_alloc(64, sizeof(float) * N(_STATE_SIZE));
    float loss = NAN;
    int correct = -1;
    int code = N(_init)(weights, state);
    if (code == 0) code = N(_step)(weights, state, grads, images, labels, batch, lr, seed, &loss, &correct);
    if (code) {
        fprintf(stderr, "error %d: %s\n", code, N(_error_message)(code));
        return 1;
    }
    write_raw(out, "weights", weights, N(_WEIGHTS_SIZE));
    write_raw(out, "grads", grads, N(_WEIGHTS_SIZE));
    write_raw(out, "state", state, N(_STATE_SIZE));
    char path[4096];
    snprintf(path, sizeof path, "%s.loss", out);
    FILE *f = fopen(path, "w");
    fprintf(f, "%.9g %d\n", loss, correct);
    fclose(f);
    snprintf(path, sizeof path, "%s.arrays", out);
    f = fopen(path, "w");
    for (int i = 0; i < N(_WEIGHT_ARRAYS); i++)
        fprintf(f, "weights %s %lld %lld\n", N(_weights)[i].name, (long long)N(_weights)[i].offset,
                (long long)N(_weights)[i].size);
    for (int i = 0; i < N(_STATE_ARRAYS); i++)
        fprintf(f, "state %s %lld %lld\n", N(_state)[i].name, (long long)N(_state)[i].offset,
                (long long)N(_state)[i].size);
    fclose(f);
    printf("one step on %d examples: loss %g, %d correct\n", batch, loss, correct);
    return 0;
}

static int errors(int argc, char **argv) {
    if (argc != 4) return 2;
    enum { B = 4 };
    float *images = read_raw(argv[2], sizeof(float) * N(_INPUT_SIZE) * B);
    int32_t *labels = read_raw(argv[3], sizeof(int32_t) * B);
    float *weights = aligned_alloc(64, sizeof(float) * N(_WEIGHTS_SIZE));
    float *grads = aligned_alloc(64, sizeof(float) * N(_WEIGHTS_SIZE));
    float *state = aligned_alloc(64, sizeof(float) * N(_STATE_SIZE)), *before = malloc(sizeof(float) * N(_WEIGHTS_SIZE));
    float logits[B * N(_CLASSES)];
    expect(N(_init)(NULL, state), NETC_ERROR_NULL_STATE, "init without weights");
    expect(N(_init)(weights, state), NETC_OK, "init");
    memcpy(before, weights, sizeof(float) * N(_WEIGHTS_SIZE));
    float loss = -1;
    int correct = -1;
    float lr = N(_DEFAULT_LR);
    expect(N(_step)(NULL, state, grads, images, labels, B, lr, 1, &loss, &correct), NETC_ERROR_NULL_STATE,
           "step without weights");
    expect(N(_step)(weights, NULL, grads, images, labels, B, lr, 1, &loss, &correct), NETC_ERROR_NULL_STATE,
           "step without state");
    expect(N(_step)(weights, state, NULL, images, labels, B, lr, 1, &loss, &correct), NETC_ERROR_NULL_STATE,
           "step without gradients");
    expect(N(_step)(weights, state, grads, NULL, labels, B, lr, 1, &loss, &correct), NETC_ERROR_NULL_INPUT,
           "step without images");
    expect(N(_step)(weights, state, grads, images, NULL, B, lr, 1, &loss, &correct), NETC_ERROR_NULL_INPUT,
           "step without labels");
    expect(N(_step)(weights + 1, state, grads, images, labels, B, lr, 1, &loss, &correct), NETC_ERROR_MISALIGNED,
           "step with misaligned weights");
    expect(N(_step)(weights, state, grads, images, labels, 0, lr, 1, &loss, &correct), NETC_ERROR_BAD_BATCH,
           "step on batch 0");
    expect(N(_step)(weights, state, grads, images, labels, -3, lr, 1, &loss, &correct), NETC_ERROR_BAD_BATCH,
           "step on batch -3");
    expect(N(_step)(weights, state, grads, images, labels, N(_MAX_BATCH) + 1, lr, 1, &loss, &correct),
           NETC_ERROR_BATCH_TOO_LARGE, "step on batch MAX_BATCH + 1");
    int32_t bad[B];
    memcpy(bad, labels, sizeof bad);
    bad[B - 1] = N(_CLASSES);
    expect(N(_step)(weights, state, grads, images, bad, B, lr, 1, &loss, &correct), NETC_ERROR_BAD_LABEL,
           "step with label CLASSES");
    bad[B - 1] = -1;
    expect(N(_step)(weights, state, grads, images, bad, B, lr, 1, &loss, &correct), NETC_ERROR_BAD_LABEL,
           "step with label -1");
    expect(N(_evaluate)(weights, images, bad, B, &loss, &correct, logits), NETC_ERROR_BAD_LABEL,
           "evaluate with label -1");
    expect(N(_evaluate)(NULL, images, labels, B, &loss, &correct, logits), NETC_ERROR_NULL_STATE,
           "evaluate without weights");
    if (loss != -1 || correct != -1 || memcmp(before, weights, sizeof(float) * N(_WEIGHTS_SIZE))) {
        fprintf(stderr, "FAIL: a refused call wrote its outputs or the weights\n");
        failures++;
    }
    /* Labels are optional for evaluate: logits only. */
    expect(N(_evaluate)(weights, images, NULL, B, &loss, &correct, logits), NETC_OK, "evaluate without labels");
    if (loss != -1 || correct != -1 || !isfinite(logits[0])) {
        fprintf(stderr, "FAIL: evaluate without labels wrote loss or count, or no logits\n");
        failures++;
    }
    float again[B * N(_CLASSES)];
    expect(N(_evaluate)(weights, images, labels, B, &loss, &correct, again), NETC_OK, "evaluate");
    if (memcmp(logits, again, sizeof again) || !(loss > 0) || correct < 0 || correct > B) {
        fprintf(stderr, "FAIL: evaluate's logits, loss or count\n");
        failures++;
    }
    /* Images need no alignment. */
    float *shifted = malloc(sizeof(float) * (N(_INPUT_SIZE) * B + 1));
    memcpy(shifted + 1, images, sizeof(float) * N(_INPUT_SIZE) * B);
    expect(N(_evaluate)(weights, shifted + 1, labels, B, &loss, &correct, again), NETC_OK,
           "evaluate on images 4 bytes off alignment");
    if (memcmp(logits, again, sizeof again)) {
        fprintf(stderr, "FAIL: evaluate's logits depend on the images' alignment\n");
        failures++;
    }
    free(shifted);
    expect(N(_step)(weights, state, grads, images, labels, B, lr, 1, &loss, &correct), NETC_OK, "step");
    if (!memcmp(before, weights, sizeof(float) * N(_WEIGHTS_SIZE)) || !(loss > 0)) {
        fprintf(stderr, "FAIL: the step left the weights or gave no loss\n");
        failures++;
    }
    N(_release_memory)();
    printf("%s\n", failures ? "FAILED" : "all errors reported");
    return failures != 0;
}

int main(int argc, char **argv) {
    int r = 2;
    if (argc > 1 && !strcmp(argv[1], "step")) r = step(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "errors")) r = errors(argc, argv);
    if (r == 2)
        fprintf(stderr, "usage: %s step IMAGES.raw LABELS.raw BATCH SEED LR OUT | errors IMAGES.raw LABELS.raw\n",
                argv[0]);
    return r;
}
