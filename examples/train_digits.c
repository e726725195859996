/* train_digits: trains the digits CNN (tests/train/digits.net) from C with
 * the training step netc compiles ahead of time; no Python, no framework.
 *
 *   netc tests/train/digits.net --entry digits --train --random-weights 1 -o digits_step.o
 *   cc -std=c11 -O2 -I. examples/train_digits.c digits_step.o -lpthread -ldl -lm -o train_digits
 *   ./train_digits TRAIN_images.npy TRAIN_labels.npy VAL_images.npy VAL_labels.npy [EPOCHS [LR [BATCH]]]
 *
 * The data are .npy files (images float32 [N, 8, 8, 1], labels integers [N]),
 * as tests/train/make_digits.py writes scikit-learn's 8x8 digits. Each epoch
 * shuffles the examples, takes steps on full batches and then scores the
 * validation set in inference mode (digits_evaluate), as `netc train` does.
 * With -o WEIGHTS.raw it writes the trained weights block (float32,
 * digits_weights[] gives each array's name, shape and offset). */
#include "digits_step.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An .npy file: float32 or integer data in C order; integers come back as
 * int32. Returns the element count, or -1 after printing why. */
static long read_npy(const char *path, int want_float, void **data, long shape[4], int *rank) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    unsigned char pre[10];
    long count = -1;
    char header[4096];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) {
        fprintf(stderr, "%s: not an .npy file (version 1)\n", path);
        goto done;
    }
    size_t len = (size_t)pre[8] | ((size_t)pre[9] << 8);
    if (len >= sizeof header || fread(header, 1, len, f) != len) {
        fprintf(stderr, "%s: truncated header\n", path);
        goto done;
    }
    header[len] = 0;
    const char *descr = strstr(header, "'descr': '");
    const char *order = strstr(header, "'fortran_order': False");
    const char *sh = strstr(header, "'shape': (");
    if (!descr || !order || !sh) {
        fprintf(stderr, "%s: an .npy header this reader does not know\n", path);
        goto done;
    }
    descr += 10;
    int size = 0, is_float = 0;
    if (!strncmp(descr, "<f4", 3)) size = 4, is_float = 1;
    else if (!strncmp(descr, "<i4", 3)) size = 4;
    else if (!strncmp(descr, "<i8", 3)) size = 8;
    if (!size || is_float != want_float) {
        fprintf(stderr, "%s: expected %s data\n", path, want_float ? "float32" : "int32 or int64");
        goto done;
    }
    *rank = 0;
    count = 1;
    for (const char *p = sh + 10; *p && *p != ')';) {
        char *end;
        long d = strtol(p, &end, 10);
        if (end == p) break;
        if (*rank == 4) {
            fprintf(stderr, "%s: more than 4 dimensions\n", path);
            count = -1;
            goto done;
        }
        shape[(*rank)++] = d;
        count *= d;
        p = end;
        while (*p == ',' || *p == ' ') p++;
    }
    void *raw = malloc((size_t)count * size + 1);
    if (!raw || fread(raw, size, (size_t)count, f) != (size_t)count) {
        fprintf(stderr, "%s: truncated data (%ld values expected)\n", path, count);
        free(raw);
        count = -1;
        goto done;
    }
    if (size == 8) {  /* int64 labels to int32 */
        int32_t *out = (int32_t *)raw;
        for (long i = 0; i < count; i++) {
            int64_t v;
            memcpy(&v, (char *)raw + 8 * i, 8);
            out[i] = v < INT32_MIN || v > INT32_MAX ? -1 : (int32_t)v;
        }
    }
    *data = raw;
done:
    fclose(f);
    return count;
}

static int check(int code, const char *what) {
    if (code) {
        fprintf(stderr, "%s: error %d: %s\n", what, code, digits_error_message(code));
        exit(1);
    }
    return 0;
}

typedef struct {
    float *images;
    int32_t *labels;
    long count;
} dataset;

static dataset load(const char *images, const char *labels) {
    dataset d;
    long shape[4], lshape[4];
    int rank, lrank;
    long n = read_npy(images, 1, (void **)&d.images, shape, &rank);
    long m = read_npy(labels, 0, (void **)&d.labels, lshape, &lrank);
    if (n < 0 || m < 0) exit(1);
    if (rank != 4 || shape[1] != digits_INPUT_H || shape[2] != digits_INPUT_W || shape[3] != digits_INPUT_C ||
        lrank != 1 || lshape[0] != shape[0]) {
        fprintf(stderr, "%s, %s: want images [N, %d, %d, %d] and labels [N]\n", images, labels, digits_INPUT_H,
                digits_INPUT_W, digits_INPUT_C);
        exit(1);
    }
    d.count = shape[0];
    return d;
}

/* Validation accuracy in inference mode, in batches. */
static double accuracy(const float *weights, const dataset *d, int batch) {
    long right = 0;
    for (long at = 0; at < d->count; at += batch) {
        int n = d->count - at < batch ? (int)(d->count - at) : batch;
        int correct = 0;
        check(digits_evaluate(weights, d->images + at * digits_INPUT_SIZE, d->labels + at, n, NULL, &correct, NULL),
              "digits_evaluate");
        right += correct;
    }
    return 100.0 * right / d->count;
}

int main(int argc, char **argv) {
    const char *out = NULL;
    if (argc > 2 && !strcmp(argv[argc - 2], "-o")) {
        out = argv[argc - 1];
        argc -= 2;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: %s TRAIN_images.npy TRAIN_labels.npy VAL_images.npy VAL_labels.npy "
                        "[EPOCHS [LR [BATCH]]] [-o WEIGHTS.raw]\n", argv[0]);
        return 2;
    }
    dataset train = load(argv[1], argv[2]), val = load(argv[3], argv[4]);
    int epochs = argc > 5 ? atoi(argv[5]) : 10;
    float lr = argc > 6 ? (float)atof(argv[6]) : digits_DEFAULT_LR;
    int batch = argc > 7 ? atoi(argv[7]) : 32;
    if (batch > train.count) batch = (int)train.count;

    /* The blocks the step updates in place, 64-byte aligned as it requires. */
    float *weights = aligned_alloc(64, sizeof(float) * digits_WEIGHTS_SIZE);
    float *grads = aligned_alloc(64, sizeof(float) * digits_WEIGHTS_SIZE);
    float *state = aligned_alloc(64, sizeof(float) * digits_STATE_SIZE);
    float *images = malloc(sizeof(float) * digits_INPUT_SIZE * batch);
    int32_t *labels = malloc(sizeof(int32_t) * batch);
    long *order = malloc(sizeof(long) * train.count);
    if (!weights || !grads || !state || !images || !labels || !order) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    check(digits_init(weights, state), "digits_init");

    uint64_t rng = 1;  /* xorshift64 for the shuffles */
    long steps_per_epoch = train.count / batch, step = 0;
    for (int epoch = 1; epoch <= epochs; epoch++) {
        for (long i = 0; i < train.count; i++) order[i] = i;
        for (long i = train.count - 1; i > 0; i--) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            long j = (long)(rng % (uint64_t)(i + 1)), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        double loss_sum = 0;
        long right = 0;
        for (long b = 0; b < steps_per_epoch; b++) {
            for (int i = 0; i < batch; i++) {
                long e = order[b * batch + i];
                memcpy(images + (long)i * digits_INPUT_SIZE, train.images + e * digits_INPUT_SIZE,
                       sizeof(float) * digits_INPUT_SIZE);
                labels[i] = train.labels[e];
            }
            float loss;
            int correct;
            step++;
            check(digits_step(weights, state, grads, images, labels, batch, lr, (int)step, &loss, &correct),
                  "digits_step");
            loss_sum += loss;
            right += correct;
        }
        printf("epoch %d: loss %.4f, training accuracy %.2f%%, validation accuracy %.2f%%\n", epoch,
               loss_sum / steps_per_epoch, 100.0 * right / (steps_per_epoch * batch), accuracy(weights, &val, batch));
        fflush(stdout);
    }
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(weights, sizeof(float), digits_WEIGHTS_SIZE, f) != digits_WEIGHTS_SIZE || fclose(f)) {
            fprintf(stderr, "%s: cannot write\n", out);
            return 1;
        }
    }
    digits_release_memory();
    free(weights), free(grads), free(state), free(images), free(labels), free(order);
    free(train.images), free(train.labels), free(val.images), free(val.labels);
    return 0;
}
