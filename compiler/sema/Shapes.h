// TensorFlow's window arithmetic for convolutions and pools: output sizes and
// the (possibly asymmetric) padding SAME implies. Kept apart so it can be
// tested against TensorFlow on odd sizes directly.
#pragma once

#include <cstdint>
#include <string>

namespace netc {

struct Window1D {
    int64_t out = 0;
    int64_t pad_before = 0, pad_after = 0;
};

// mode is "SAME", "VALID" or "EXPLICIT" (then before/after are the amounts).
// Returns false with a message when the window does not fit.
// ceil_mode (VALID or EXPLICIT only): PyTorch's pools, whose output size
// rounds up as long as the last window starts inside the input or the
// padding before it; that window may then run past the padding after it.
bool window_1d(int64_t in, int64_t kernel, int64_t stride, int64_t rate, const std::string &mode,
               int64_t before, int64_t after, Window1D &result, std::string &error, bool ceil_mode = false);

// Multiplies with an overflow check; false when the product exceeds 2^62.
bool checked_mul(int64_t a, int64_t b, int64_t &out);

}  // namespace netc
