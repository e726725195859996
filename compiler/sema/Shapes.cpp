#include "Shapes.h"

namespace netc {

bool checked_mul(int64_t a, int64_t b, int64_t &out) {
    constexpr int64_t kLimit = int64_t(1) << 62;
    if (a < 0 || b < 0) return false;
    if (a != 0 && b > kLimit / a) return false;
    out = a * b;
    return true;
}

bool window_1d(int64_t in, int64_t kernel, int64_t stride, int64_t rate, const std::string &mode,
               int64_t before, int64_t after, Window1D &r, std::string &error, bool ceil_mode) {
    int64_t effective = 0;
    if (!checked_mul(kernel - 1, rate, effective)) {
        error = "kernel size times rate is too large";
        return false;
    }
    effective += 1;  // the span a dilated kernel covers
    if (mode == "SAME") {
        r.out = (in + stride - 1) / stride;
        int64_t total = (r.out - 1) * stride + effective - in;
        if (total < 0) total = 0;
        // TensorFlow puts the odd pixel at the end.
        r.pad_before = total / 2;
        r.pad_after = total - r.pad_before;
        return true;
    }
    if (mode == "VALID") {
        if (in < effective) {
            error = "kernel spans " + std::to_string(effective) + " but the input is only " +
                    std::to_string(in) + " wide under VALID padding";
            return false;
        }
        r.out = (in - effective) / stride + 1;
        r.pad_before = r.pad_after = 0;
        if (ceil_mode) before = after = 0;
        else return true;
    }
    int64_t padded = in + before + after;
    if (padded < effective) {
        error = "kernel spans " + std::to_string(effective) + " but the padded input is only " +
                std::to_string(padded) + " wide";
        return false;
    }
    r.out = (padded - effective) / stride + 1;
    // PyTorch's pooling_output_shape: round up, but drop a last window that
    // would start in the padding after the input.
    if (ceil_mode && (padded - effective) % stride != 0) {
        r.out++;
        if ((r.out - 1) * stride >= in + before) r.out--;
    }
    r.pad_before = before;
    r.pad_after = after;
    return true;
}

}  // namespace netc
