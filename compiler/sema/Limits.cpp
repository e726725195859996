#include "Limits.h"

#include "Shapes.h"

#include <cstdio>

namespace netc {

int64_t count_values(const std::vector<int64_t> &dims, bool per_image) {
    int64_t n = 1;
    for (size_t i = per_image ? 1 : 0; i < dims.size(); i++)
        if (dims[i] != ir::kBatch && !checked_mul(n, dims[i], n)) return -1;
    return n;
}

std::string format_bytes(int64_t values) {
    if (values < 0 || values > (int64_t(1) << 60)) return "more than 4 EiB";
    double bytes = static_cast<double>(values) * 4;
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    char buf[48];
    if (u == 0 || bytes == static_cast<int64_t>(bytes)) snprintf(buf, sizeof buf, "%.0f %s", bytes, units[u]);
    else snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
    return buf;
}

std::string check_tensor_size(const std::string &what, const ir::Shape &shape, const std::string &batch_symbol) {
    int64_t n = count_values(shape.dims, true);
    if (n >= 0 && n <= kMaxImageValues) return "";
    return what + " " + shape.str(batch_symbol) + " of " + format_bytes(n) +
           " per image; netc's limit is " + format_bytes(kMaxImageValues) + " (" +
           std::to_string(kMaxImageValues) + " float32 values) per image of one tensor, which kernels address "
           "with 32-bit offsets";
}

std::string check_variable_size(const std::string &op, const ir::Param &p) {
    int64_t n = count_values(p.shape, false);
    if (n >= 0 && n <= kMaxVariableValues) return "";
    ir::Shape s{p.shape};
    return op + " variable '" + p.name + "' of shape " + s.str() + " would take " + format_bytes(n) +
           "; netc's limit is " + format_bytes(kMaxVariableValues) + " (" + std::to_string(kMaxVariableValues) +
           " float32 values) per variable";
}

}  // namespace netc
