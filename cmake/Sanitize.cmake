# Instrumented builds, each in a build directory of its own (issue 13):
#   -DNETC_SANITIZE=ON  everything built with AddressSanitizer and UBSan, any
#                       report fatal; the fast tests run clean (scripts/test.sh).
#   -DNETC_FUZZ=ON      (clang only) the same, plus libFuzzer's coverage
#                       instrumentation everywhere and the harnesses in
#                       tests/fuzz/ as fuzz_* executables.
# One instrumented tree serves both: the sanitizer run and the fuzz job share
# its build, which is most of what they cost CI.
option(NETC_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(NETC_FUZZ "Build the libFuzzer harnesses (clang; implies NETC_SANITIZE)" OFF)

if(NETC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NETC_FUZZ needs clang (CC=clang-14 CXX=clang++-14); this is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(NETC_SANITIZE ON CACHE BOOL "" FORCE)
endif()

if(NETC_SANITIZE)
  # -fno-sanitize-recover: a UBSan report ends the process, so a test (or a
  # fuzzer) cannot pass over one. Frame pointers keep the reports' stacks whole.
  set(netc_san -fsanitize=address,undefined -fno-sanitize-recover=all)
  add_compile_options(${netc_san} -fno-omit-frame-pointer)
  add_link_options(${netc_san})
  if(NETC_FUZZ)
    # Coverage feedback from the whole compiler, not only the harness.
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endif()

# The sanitizers' settings (tests/sanitize/options.cpp), for an executable of
# a sanitizer build; nothing otherwise.
function(netc_sanitizer_options target)
  if(NETC_SANITIZE)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/sanitize/options.cpp)
  endif()
endfunction()
