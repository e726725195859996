// CIFAR-10's binary batches: records of 3073 bytes, a label byte then the
// 32x32 image as three channel planes (red, green, blue), rows in order. No
// header, so a file is checked by its size and its labels.
#include "Dataset.h"

#include <memory>

namespace netc::train {

namespace {

constexpr int64_t kSide = 32, kPlane = kSide * kSide, kRecord = 1 + 3 * kPlane;

struct Part {
    std::string what;
    int64_t first = 0;  // the dataset's index of its record 0
};

}  // namespace

Dataset read_cifar10(const std::vector<std::string> &files) {
    Dataset d;
    d.format = "CIFAR-10";
    d.shape = {kSide, kSide, 3};
    auto parts = std::make_shared<std::vector<Part>>();
    for (const std::string &file : files) {
        bool gz = false;
        std::vector<uint8_t> b = read_file_bytes(file, gz);
        std::string what = file + (gz ? " (gunzipped)" : "");
        int64_t size = int64_t(b.size());
        if (size == 0) throw rt::IOError(what + ": empty; a CIFAR-10 batch holds records of 3073 bytes");
        if (size % kRecord != 0) {
            int64_t k = size / kRecord;
            // CIFAR-100's records carry a coarse and a fine label.
            std::string hint = size % (kRecord + 1) == 0
                                   ? "; its size fits CIFAR-100's 3074-byte records, which netc does not read"
                                   : "";
            throw rt::IOError(what + ": " + std::to_string(size) +
                              " bytes is not a whole number of 3073-byte records (a label byte, then 32x32x3 "
                              "pixels): record " + std::to_string(k) + " at byte offset " +
                              std::to_string(k * kRecord) + " is cut short after " +
                              std::to_string(size - k * kRecord) + " bytes" + hint);
        }
        int64_t n = size / kRecord;
        parts->push_back({what, d.count});
        size_t at = d.images.size();
        d.images.resize(at + size_t(n * 3 * kPlane));
        float *out = d.images.data() + at;
        for (int64_t r = 0; r < n; r++) {
            const uint8_t *rec = b.data() + r * kRecord;
            d.labels.push_back(float(rec[0]));
            // Planes to NHWC: pixel (y, x) of channel c.
            for (int64_t c = 0; c < 3; c++)
                for (int64_t i = 0; i < kPlane; i++) out[(r * kPlane + i) * 3 + c] = float(rec[1 + c * kPlane + i]) / 255.0f;
        }
        d.count += n;
    }
    d.where = [parts](int64_t i) {
        const Part *p = &parts->front();
        for (const Part &q : *parts)
            if (q.first <= i) p = &q;
        int64_t r = i - p->first;
        return p->what + ": the label of record " + std::to_string(r) + " (byte offset " +
               std::to_string(r * kRecord) + ")";
    };
    return d;
}

}  // namespace netc::train
