// Fuzz harness (b): bytes through the .npy reader (netc run --input, and
// every member of a weight file). Besides crashes and sanitizer reports, a
// finding is an error other than rt::IOError (netc would call it an internal
// error), or an array the reader accepts that does not survive writing and
// reading back unchanged: the writer is the reader's oracle here.
#include "FuzzUtil.h"
#include "Npy.h"

#include <cstring>

using namespace netc;

namespace {

bool same(const rt::Array &a, const rt::Array &b) {
    return a.shape == b.shape && a.data.size() == b.data.size() &&
           (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * 4) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rt::Array a;
    try {
        a = rt::parse_npy(data, size, "fuzz.npy");
    } catch (const rt::IOError &) {
        return 0;
    }
    if (a.size() < 0 || uint64_t(a.size()) != a.data.size())
        fuzz::finding("accepted shape " + a.shape_str() + " with " + std::to_string(a.data.size()) + " values");
    try {
        std::vector<uint8_t> again = rt::encode_npy(a);
        if (!same(a, rt::parse_npy(again.data(), again.size(), "again.npy")))
            fuzz::finding("shape " + a.shape_str() + " changed on writing and reading back");
    } catch (const rt::IOError &e) {
        fuzz::finding(std::string("accepted an array the writer refuses: ") + e.what());
    }
    return 0;
}
