/* Two networks compiled by separate netc runs, linked into one app (SPEC 5).
 * Also compiled as C++ (tests/aot/abi_test.sh), where the headers must be
 * valid C++ too. usage: two_nets NET_A_IN.npy NET_A_OUT NET_B_IN NET_B_OUT,
 * where the inputs are raw float32 files and outputs are written raw too. */
#include <stdio.h>
#include <stdlib.h>

#include NET_A_HEADER
#include NET_B_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

static float *read_raw(const char *path, size_t n) {
    FILE *f = fopen(path, "rb");
    float *p = (float *)malloc(n * sizeof(float));
    if (!f || !p || fread(p, sizeof(float), n, f) != n) {
        fprintf(stderr, "two_nets: cannot read %zu floats from %s\n", n, path);
        exit(1);
    }
    fclose(f);
    return p;
}

static void write_raw(const char *path, const float *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, sizeof(float), n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "two_nets: cannot write %s\n", path);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: two_nets A_IN A_OUT B_IN B_OUT\n");
        return 2;
    }
    size_t a_in = CAT(NET_A, _INPUT_SIZE), a_out = CAT(NET_A, _OUTPUT_SIZE);
    size_t b_in = CAT(NET_B, _INPUT_SIZE), b_out = CAT(NET_B, _OUTPUT_SIZE);
    float *xa = read_raw(argv[1], a_in), *xb = read_raw(argv[3], b_in);
    float *ya = (float *)malloc(a_out * sizeof(float)), *yb = (float *)malloc(b_out * sizeof(float));
    /* Interleaved, so each sees the runtime state the other left. */
    int ra = NET_A(xa, ya, 1), rb = NET_B(xb, yb, 1), ra2 = NET_A(xa, ya, 1);
    if (ra || rb || ra2) {
        fprintf(stderr, "two_nets: %s / %s\n", CAT(NET_A, _error_message)(ra ? ra : ra2), CAT(NET_B, _error_message)(rb));
        return 1;
    }
    write_raw(argv[2], ya, a_out);
    write_raw(argv[4], yb, b_out);
    printf("two_nets: both networks ran\n");
    return 0;
}
