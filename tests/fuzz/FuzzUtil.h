// What the fuzz harnesses share. Each harness defines LLVMFuzzerTestOneInput
// and is built twice: against libFuzzer (fuzz_NAME, clang, NETC_FUZZ=ON) and
// against replay_main.cpp (fuzz_replay_NAME, every build), which runs the
// committed corpus and regression inputs once each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace netc::fuzz {

// A finding that is not a crash by itself (an internal compiler error, a
// broken invariant): printed, then abort(), so that libFuzzer keeps the input
// and a replay fails.
[[noreturn]] void finding(const std::string &why);

// Runs work on one long-lived thread with the 512 MiB stack netc compiles on
// (driver/main.cpp), so that input nested as deep as the language allows does
// not overflow an 8 MiB main stack where netc itself would not. One thread
// for the whole process: AddressSanitizer clears the shadow of a new thread's
// whole stack, which for 512 MiB would cost more than most inputs.
void on_netc_stack(const std::function<void()> &work);

}  // namespace netc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
