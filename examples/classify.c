/* classify: runs a netc-compiled image classifier on one image and prints the
 * top-5 classes. A plain C99 app: it links the object `netc NET.net -o NAME.o`
 * wrote and needs nothing else (cc classify.c NAME.o -lpthread -ldl -lm).
 *
 * usage: classify IMAGE [LABELS.txt]
 *   IMAGE   a PPM (P6 binary or P3 text, any size: resized bilinearly to the
 *           network's input and scaled to [-1, 1] as TF-slim's Inception
 *           preprocessing does), or an .npy float32 array [N, H, W, C] that is
 *           already preprocessed
 *   LABELS  one class name per line (line 1 = class 0)
 * Build for another network with -DNETC_ENTRY=name -DNETC_HEADER='"name.h"'. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup under -std=c99 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NETC_ENTRY
#define NETC_ENTRY resnet_v2_50
#define NETC_HEADER "resnet_v2_50.h"
#endif
#include NETC_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define H CAT(NETC_ENTRY, _INPUT_H)
#define W CAT(NETC_ENTRY, _INPUT_W)
#define C CAT(NETC_ENTRY, _INPUT_C)
#define OUT CAT(NETC_ENTRY, _OUTPUT_SIZE)

static void die(const char *path, const char *what) {
    fprintf(stderr, "classify: %s: %s\n", path, what);
    exit(1);
}

/* The next PPM header number, skipping blanks and # comments. */
static long ppm_number(FILE *f, const char *path) {
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '#')
            while ((ch = fgetc(f)) != EOF && ch != '\n') {}
        else if (!isspace(ch))
            break;
    }
    long v = 0;
    if (ch == EOF || !isdigit(ch)) die(path, "malformed PPM header");
    for (; ch != EOF && isdigit(ch); ch = fgetc(f)) v = v * 10 + (ch - '0');
    return v;
}

/* Reads a PPM into [H, W, 3] floats in [-1, 1], resized bilinearly. */
static float *read_ppm(FILE *f, const char *path, int binary) {
    long w = ppm_number(f, path), h = ppm_number(f, path), maxval = ppm_number(f, path);
    if (w < 1 || h < 1 || w > 16384 || h > 16384 || maxval < 1 || maxval > 255) die(path, "unsupported PPM size or depth");
    if (C != 3) die(path, "the network does not take 3-channel images");
    unsigned char *rgb = malloc((size_t)w * h * 3);
    if (!rgb) die(path, "out of memory");
    for (long i = 0; i < w * h * 3; i++) {
        long v = binary ? fgetc(f) : ppm_number(f, path);
        if (v < 0) die(path, "truncated pixel data");
        rgb[i] = (unsigned char)(v * 255 / maxval);
    }
    float *x = malloc(sizeof(float) * H * W * C);
    for (int y = 0; y < H; y++)
        for (int xo = 0; xo < W; xo++) {
            float sy = (y + 0.5f) * h / H - 0.5f, sx = (xo + 0.5f) * w / W - 0.5f;
            if (sy < 0) sy = 0;
            if (sx < 0) sx = 0;
            long y0 = (long)sy, x0 = (long)sx, y1 = y0 + 1 < h ? y0 + 1 : y0, x1 = x0 + 1 < w ? x0 + 1 : x0;
            float fy = sy - y0, fx = sx - x0;
            for (int c = 0; c < 3; c++) {
                float v = (1 - fy) * ((1 - fx) * rgb[(y0 * w + x0) * 3 + c] + fx * rgb[(y0 * w + x1) * 3 + c]) +
                          fy * ((1 - fx) * rgb[(y1 * w + x0) * 3 + c] + fx * rgb[(y1 * w + x1) * 3 + c]);
                x[(y * W + xo) * C + c] = v / 127.5f - 1.0f;
            }
        }
    free(rgb);
    return x;
}

/* Reads an .npy float32 [N, H, W, C] array; returns N. */
static float *read_npy(FILE *f, const char *path, int *batch) {
    unsigned char v[2];
    unsigned short len;
    char header[4096];
    if (fread(v, 1, 2, f) != 2 || v[0] != 1 || fread(&len, 2, 1, f) != 1 || len >= sizeof header ||
        fread(header, 1, len, f) != len)
        die(path, "not a version-1 .npy file");
    header[len] = 0;
    if (!strstr(header, "'<f4'") || strstr(header, "True")) die(path, "not a C-order float32 array");
    long n, h, w, c;
    const char *s = strstr(header, "'shape': (");
    if (!s || sscanf(s + 10, "%ld, %ld, %ld, %ld", &n, &h, &w, &c) != 4) die(path, "not a 4-D array");
    if (h != H || w != W || c != C || n < 1 || n > 1024) {
        fprintf(stderr, "classify: %s: shape [%ld, %ld, %ld, %ld]; the network takes [N, %d, %d, %d]\n", path, n, h, w,
                c, H, W, C);
        exit(1);
    }
    float *x = malloc(sizeof(float) * n * H * W * C);
    if (!x || fread(x, sizeof(float), (size_t)n * H * W * C, f) != (size_t)n * H * W * C) die(path, "truncated data");
    *batch = (int)n;
    return x;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: classify IMAGE.ppm|IMAGE.npy [LABELS.txt]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) die(argv[1], "cannot open");
    char magic[6] = {0};
    if (fread(magic, 1, 2, f) != 2) die(argv[1], "empty file");
    int batch = 1;
    float *x;
    if (magic[0] == 'P' && (magic[1] == '6' || magic[1] == '3')) x = read_ppm(f, argv[1], magic[1] == '6');
    else if ((unsigned char)magic[0] == 0x93 && fread(magic + 2, 1, 4, f) == 4 && memcmp(magic + 1, "NUMPY", 5) == 0)
        x = read_npy(f, argv[1], &batch);
    else die(argv[1], "neither a PPM (P3/P6) nor an .npy file");
    fclose(f);

    char **labels = NULL;
    if (argc == 3) {
        FILE *lf = fopen(argv[2], "r");
        if (!lf) die(argv[2], "cannot open");
        labels = calloc(OUT, sizeof(char *));
        char line[512];
        for (int i = 0; i < OUT && fgets(line, sizeof line, lf); i++) {
            line[strcspn(line, "\r\n")] = 0;
            labels[i] = strdup(line);
        }
        fclose(lf);
    }

    float *y = malloc(sizeof(float) * batch * OUT);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = NETC_ENTRY(x, y, batch);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        fprintf(stderr, "classify: the network failed: %s (code %d)\n", CAT(NETC_ENTRY, _error_message)(rc), rc);
        return 1;
    }
    for (int n = 0; n < batch; n++) {
        const float *row = y + (size_t)n * OUT;
        int top[5] = {-1, -1, -1, -1, -1};
        for (int k = 0; k < 5 && k < OUT; k++)
            for (int i = 0; i < OUT; i++) {
                int taken = 0;
                for (int j = 0; j < k; j++) taken |= top[j] == i;
                if (!taken && (top[k] < 0 || row[i] > row[top[k]])) top[k] = i;
            }
        printf("image %d top-5:\n", n);
        for (int k = 0; k < 5 && top[k] >= 0; k++)
            printf("  %5d  %10.4f  %s\n", top[k], row[top[k]], labels && labels[top[k]] ? labels[top[k]] : "");
    }
    printf("forward: %.1f ms for %d image%s\n", (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, batch,
           batch == 1 ? "" : "s");
    return 0;
}
