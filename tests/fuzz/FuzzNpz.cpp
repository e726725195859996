// Fuzz harness (c): bytes through the .npz reader (weight files: stored,
// deflated and zip64 members). Besides crashes and sanitizer reports, a
// finding is an error other than rt::IOError, or an archive the reader
// accepts whose arrays do not come back unchanged from netc's own writer,
// stored or (every other input) deflated with zip64 records throughout.
#include "FuzzUtil.h"
#include "Zip.h"

#include <cstring>

using namespace netc;

namespace {

bool same(const rt::NamedArrays &a, const rt::NamedArrays &b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++) {
        const rt::Array &x = a[i].second, &y = b[i].second;
        if (a[i].first != b[i].first || x.shape != y.shape || x.data.size() != y.data.size() ||
            (!x.data.empty() && std::memcmp(x.data.data(), y.data.data(), x.data.size() * 4) != 0))
            return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rt::NamedArrays arrays;
    try {
        arrays = rt::detail::parse_npz(data, size, "fuzz.npz");
    } catch (const rt::IOError &) {
        return 0;
    }
    for (auto &[name, a] : arrays)
        if (a.size() < 0 || uint64_t(a.size()) != a.data.size())
            fuzz::finding("member '" + name + "': accepted shape " + a.shape_str() + " with " +
                          std::to_string(a.data.size()) + " values");
    // (Names lose ".npy" on reading and gain it on writing: they round-trip.)
    bool deflate = size % 2 == 1;
    try {
        rt::detail::VectorSink sink;
        rt::detail::write_npz_to(sink, "again.npz", arrays, deflate, deflate ? 0 : 0xFFFFFFFFu);
        if (!same(arrays, rt::detail::parse_npz(sink.bytes.data(), sink.bytes.size(), "again.npz")))
            fuzz::finding("arrays changed on writing and reading back");
    } catch (const rt::IOError &e) {
        fuzz::finding(std::string("accepted arrays the writer refuses or cannot read back: ") + e.what());
    }
    return 0;
}
