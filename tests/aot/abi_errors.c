/* The error paths of the C ABI (SPEC 5), on one generated object:
 *   abi_errors checks   wrong arguments return their codes and messages, and
 *                       the entry still works after them
 *   abi_errors oom      with the address space exhausted (run under `ulimit
 *                       -v`), the entry returns NETC_ERROR_OUT_OF_MEMORY
 *                       instead of crashing, and runs again once memory is back
 * Built with -DENTRY=NAME -include NAME.h. Exits 0 when every check holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define RUN ENTRY
#define MESSAGE CAT(ENTRY, _error_message)
#define THREADS CAT(ENTRY, _set_num_threads)
#define IN_SIZE CAT(ENTRY, _INPUT_SIZE)
#define OUT_SIZE CAT(ENTRY, _OUTPUT_SIZE)
#define MAX_BATCH CAT(ENTRY, _MAX_BATCH)

static int failures = 0;

static void expect(int got, int want, const char *what) {
    const char *msg = MESSAGE(got);
    printf("%-34s -> %d (%s)\n", what, got, msg ? msg : "(null)");
    if (got != want || !msg || !*msg) {
        printf("  FAIL: expected code %d and a message\n", want);
        failures++;
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "oom") == 0) {
        /* Under `ulimit -v`: run once (threads started), drop the kept arena,
         * take every remaining megabyte, and the next call cannot get one. */
        static float in[IN_SIZE], out[OUT_SIZE];
        int first = RUN(in, out, 1);
        CAT(ENTRY, _release_memory)();
        /* Megabytes, then smaller pieces: the arena of a small network is
         * under a megabyte, and must not fit in what is left. */
        static void *hog[1 << 20];
        int n = 0;
        for (int size = 1 << 20; size >= 4096; size /= 4)
            while (n < (1 << 20) && (hog[n] = malloc(size)) != NULL) n++;
        int rc = RUN(in, out, 1);
        printf("with memory exhausted (%d blocks taken) -> %d (%s)\n", n, rc, MESSAGE(rc));
        while (n > 0) free(hog[--n]);
        int again = RUN(in, out, 1);
        printf("memory back -> %d (%s)\n", again, MESSAGE(again));
        return first == NETC_OK && rc == NETC_ERROR_OUT_OF_MEMORY && again == NETC_OK ? 0 : 1;
    }
    static float in[2 * IN_SIZE], out[2 * OUT_SIZE];
    for (int i = 0; i < 2 * IN_SIZE; i++) in[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    expect(RUN(in, out, 2), NETC_OK, "a good call");
    float first = out[0];
    expect(RUN(NULL, out, 1), NETC_ERROR_NULL_INPUT, "null input");
    expect(RUN(in, NULL, 1), NETC_ERROR_NULL_OUTPUT, "null output");
    expect(RUN(in, out, 0), NETC_ERROR_BAD_BATCH, "batch 0");
    expect(RUN(in, out, -3), NETC_ERROR_BAD_BATCH, "batch -3");
    expect(RUN(in, out, MAX_BATCH + 1), NETC_ERROR_BATCH_TOO_LARGE, "batch _MAX_BATCH + 1");
    if (strcmp(MESSAGE(NETC_ERROR_NULL_INPUT), MESSAGE(NETC_ERROR_BAD_BATCH)) == 0) {
        printf("FAIL: different errors share a message\n");
        failures++;
    }
    int previous = THREADS(1);
    printf("set_num_threads(1) -> previous %d\n", previous);
    if (previous < 1) failures++;
    expect(RUN(in, out, 2), NETC_OK, "a good call on one thread");
    if (out[0] != first) {
        printf("FAIL: one thread gave %g, the default %g\n", out[0], first);
        failures++;
    }
    CAT(ENTRY, _release_memory)();
    expect(RUN(in, out, 2), NETC_OK, "a good call after releasing memory");
    if (out[0] != first) {
        printf("FAIL: after release_memory %g, before %g\n", out[0], first);
        failures++;
    }
    THREADS(-5); /* negative: back to the default, not an abort */
    THREADS(0);
    expect(RUN(in, out, 1), NETC_OK, "a good call after the errors");
    printf("%s\n", failures ? "FAILED" : "all ABI checks passed");
    return failures != 0;
}
