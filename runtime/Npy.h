// NumPy .npy and .npz files of float32 arrays: the weight files (SPEC 4) and
// the inputs and outputs of `netc run`. Every malformed file is an IOError
// whose message names the file, the member or tensor, and the offset where
// reading failed; nothing here aborts or trusts a size it has not checked.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace netc::rt {

// A dense, C-order float32 array.
struct Array {
    std::vector<int64_t> shape;
    std::vector<float> data;
    int64_t size() const;  // product of shape (1 for a scalar)
    std::string shape_str() const;  // "[1, 224, 224, 3]"
};

// A complete, user-facing message ("W.npz: member 'a/b': CRC-32 mismatch ... at offset 1234").
struct IOError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// .npy. `what` prefixes messages ("X.npy" or "W.npz: member 'conv1/weights'").
// Accepts format versions 1.0-3.0, '<f4' (or '=f4' on a little-endian host),
// C order only; other dtypes are reported by name ("float64"), never converted.
// Offsets in its messages count from `bytes`, the member's start in an .npz.
// integers: also take little-endian integer arrays (class labels), as
// exact float32 values (an error beyond 2^24).
Array parse_npy(const uint8_t *bytes, size_t size, const std::string &what, bool integers = false);
Array read_npy(const std::string &path);
std::vector<uint8_t> encode_npy(const Array &a);
void write_npy(const std::string &path, const Array &a);

// .npz: a zip of .npy members, stored or deflated, zip64 included (numpy's
// savez writes zip64 extra fields). Member names lose their ".npy" suffix.
using NamedArrays = std::vector<std::pair<std::string, Array>>;
NamedArrays read_npz(const std::string &path, bool integers = false);
void write_npz(const std::string &path, const NamedArrays &arrays, bool compress = false);

}  // namespace netc::rt
