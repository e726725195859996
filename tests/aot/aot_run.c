/* Runs a netc AOT object on an .npy input and writes its output as .npy, so
 * tests compare it with `netc run` (the JIT) on the same weights and input.
 * Built with plain cc, C99, against the generated header:
 *   cc -std=c99 -DENTRY=NAME -include NAME.h aot_run.c NAME.o -lpthread -ldl -lm
 * usage: aot_run IN.npy OUT.npy [THREADS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define INPUT_SIZE CAT(ENTRY, _INPUT_SIZE)
#define OUTPUT_SIZE CAT(ENTRY, _OUTPUT_SIZE)
#define OUTPUT_RANK CAT(ENTRY, _OUTPUT_RANK)

static int fail(const char *what, const char *path) {
    fprintf(stderr, "aot_run: %s: %s\n", path, what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) return fail("usage: aot_run IN.npy OUT.npy [THREADS]", argv[0]);
    FILE *f = fopen(argv[1], "rb");
    if (!f) return fail("cannot open", argv[1]);
    char magic[8];
    unsigned short hlen = 0;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "\x93NUMPY\x01\x00", 8) != 0 || fread(&hlen, 2, 1, f) != 1)
        return fail("not a version-1 .npy file", argv[1]);
    char header[65536];
    if (fread(header, 1, hlen, f) != hlen) return fail("truncated header", argv[1]);
    header[hlen] = 0;
    if (!strstr(header, "'<f4'") || strstr(header, "'fortran_order': True"))
        return fail("not a C-order float32 array", argv[1]);
    const char *shape = strstr(header, "'shape': (");
    if (!shape) return fail("no shape", argv[1]);
    long batch = strtol(shape + 10, NULL, 10);
    if (batch < 1) return fail("bad batch", argv[1]);
    size_t n_in = (size_t)batch * INPUT_SIZE, n_out = (size_t)batch * OUTPUT_SIZE;
    float *in = malloc(n_in * sizeof(float)), *out = malloc(n_out * sizeof(float));
    if (!in || !out) return fail("out of memory", argv[1]);
    if (fread(in, sizeof(float), n_in, f) != n_in) return fail("truncated data", argv[1]);
    fclose(f);
    if (argc > 3) CAT(ENTRY, _set_num_threads)(atoi(argv[3]));

    int rc = ENTRY(in, out, (int)batch);
    if (rc != 0) {
        fprintf(stderr, "aot_run: error %d: %s\n", rc, CAT(ENTRY, _error_message)(rc));
        return 2;
    }

    FILE *o = fopen(argv[2], "wb");
    if (!o) return fail("cannot write", argv[2]);
    char dims[256];
    int len = snprintf(dims, sizeof dims, "(%ld, ", batch);
#if OUTPUT_RANK >= 1
    len += snprintf(dims + len, sizeof dims - len, "%ld, ", (long)CAT(ENTRY, _OUTPUT_DIM0));
#endif
#if OUTPUT_RANK >= 2
    len += snprintf(dims + len, sizeof dims - len, "%ld, ", (long)CAT(ENTRY, _OUTPUT_DIM1));
#endif
#if OUTPUT_RANK >= 3
    len += snprintf(dims + len, sizeof dims - len, "%ld, ", (long)CAT(ENTRY, _OUTPUT_DIM2));
#endif
    dims[len - 2] = ')', dims[len - 1] = 0;
    if (OUTPUT_RANK == 0) strcat(dims, ",)");
    char h[128];
    int hl = snprintf(h, sizeof h, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", dims);
    while ((10 + hl + 1) % 64) h[hl++] = ' ';
    h[hl++] = '\n';
    unsigned short hl16 = (unsigned short)hl;
    fwrite("\x93NUMPY\x01\x00", 1, 8, o);
    fwrite(&hl16, 2, 1, o);
    fwrite(h, 1, hl, o);
    fwrite(out, sizeof(float), n_out, o);
    if (fclose(o) != 0) return fail("write failed", argv[2]);
    free(in);
    free(out);
    return 0;
}
