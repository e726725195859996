// The sanitizers' settings in a NETC_SANITIZE build, compiled into each of
// its executables so that netc behaves the same whether a test, a script or
// a person runs it ($ASAN_OPTIONS and the like still override them):
// - any report ends the process with status 86, never mistaken for netc's
//   own 1, 2 or 3;
// - a failed allocation returns null (malloc) or throws bad_alloc (new), as
//   it does without the sanitizer, so that netc's handling of it is tested;
#include <cstddef>

#define NETC_SAN_ATTR extern "C" __attribute__((used, visibility("default"), no_sanitize("address", "undefined")))

NETC_SAN_ATTR const char *__asan_default_options() {
    return "exitcode=86:allocator_may_return_null=1:detect_leaks=1";
}

NETC_SAN_ATTR const char *__ubsan_default_options() {
    return "exitcode=86:print_stacktrace=1:halt_on_error=1";
}

NETC_SAN_ATTR const char *__lsan_default_options() {
    return "exitcode=86";
}

// Halide lowers and generates code on a side stack it switches to with
// swapcontext, which AddressSanitizer cannot follow (it warns on stderr and
// may report false positives). Halide's own advice for sanitizers
// (Halide.h, set_compiler_stack_size) is a size of zero: Halide then stays
// on the calling thread's stack, which is netc's 512 MiB one or a compile
// worker's. (The environment variable is read when libHalide loads, before
// this runs; the call is weak for the executables without Halide.)
namespace Halide {
void set_compiler_stack_size(size_t) __attribute__((weak));
}
__attribute__((constructor)) static void halide_without_side_stack() {
    if (Halide::set_compiler_stack_size) Halide::set_compiler_stack_size(0);
}
