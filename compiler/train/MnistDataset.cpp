// MNIST's idx files (LeCun's format: a magic number giving the element type
// and dimension count, big-endian 32-bit dimensions, then the elements) and
// the gzip they are served in.
#include "Dataset.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace netc::train {

namespace {

std::string hex(uint32_t v, int digits) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%0*X", digits, v);
    return b;
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t> &in, const std::string &file) {
    std::vector<uint8_t> out;
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw rt::IOError(file + ": cannot start zlib");
    z.next_in = const_cast<uint8_t *>(in.data());
    z.avail_in = uInt(in.size());
    uint8_t chunk[1 << 16];
    int rc = Z_OK;
    for (;;) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        out.insert(out.end(), chunk, chunk + (sizeof chunk - z.avail_out));
        // gzip allows members one after another (`cat a.gz b.gz`).
        if (rc == Z_STREAM_END && z.avail_in > 0) {
            inflateReset(&z);
            continue;
        }
        if (rc != Z_OK) break;
        if (z.avail_in == 0 && z.avail_out != 0) break;
    }
    size_t at = in.size() - z.avail_in;
    std::string msg = z.msg ? z.msg : "";
    inflateEnd(&z);
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
        throw rt::IOError(file + ": broken gzip data at compressed byte offset " + std::to_string(at) +
                          (msg.empty() ? "" : " (zlib: " + msg + ")"));
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc != Z_STREAM_END)
        throw rt::IOError(file + ": the gzip stream is cut short: the file ends at byte " + std::to_string(in.size()) +
                          " before the compressed data does (a partial download?)");
    return out;
}

struct Idx {
    std::vector<int64_t> dims;
    size_t data_at = 0;
};

// The header of an idx file of unsigned bytes with `rank` dimensions.
Idx parse_header(const std::vector<uint8_t> &b, const std::string &what, int rank, const char *holds) {
    uint32_t want = 0x0800u | uint32_t(rank);
    if (b.size() < 4)
        throw rt::IOError(what + ": " + std::to_string(b.size()) + " bytes, too short for an idx file's magic number");
    uint32_t magic = uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
    if (b[0] != 0 || b[1] != 0)
        throw rt::IOError(what + ": not an idx file: magic number " + hex(magic, 8) + " at byte offset 0 (MNIST's " +
                          holds + " file starts " + hex(want, 8) + ")");
    if (b[2] != 0x08) {
        static const char *types[] = {"signed bytes", "", "int16", "int32", "float32", "float64"};
        std::string type = b[2] >= 0x09 && b[2] <= 0x0E && b[2] != 0x0A ? std::string(" (") + types[b[2] - 9] + ")" : "";
        throw rt::IOError(what + ": idx element type " + hex(b[2], 2) + type +
                          " at byte offset 2; MNIST's files hold unsigned bytes (0x08)");
    }
    if (b[3] != rank)
        throw rt::IOError(what + ": an idx file of " + std::to_string(b[3]) + " dimension" + (b[3] == 1 ? "" : "s") +
                          " (byte offset 3); MNIST's " + holds + " have " + std::to_string(rank) +
                          (rank == 3 ? " (count, rows, columns)" : " (count)"));
    Idx h;
    h.data_at = 4 + 4 * size_t(rank);
    if (b.size() < h.data_at)
        throw rt::IOError(what + ": cut short in its header: " + std::to_string(b.size()) + " bytes, the header of " +
                          std::to_string(rank) + " dimensions needs " + std::to_string(h.data_at));
    for (int i = 0; i < rank; i++) {
        const uint8_t *p = b.data() + 4 + 4 * i;
        h.dims.push_back(int64_t(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]));
    }
    return h;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string &file, bool &gzipped) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw rt::IOError(file + ": cannot open (" + std::strerror(errno) + ")");
    std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw rt::IOError(file + ": cannot read (" + std::strerror(errno) + ")");
    gzipped = b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
    return gzipped ? gunzip(b, file) : b;
}

Dataset read_mnist(const std::string &images_file, const std::string &labels_file) {
    bool gz = false;
    std::vector<uint8_t> im = read_file_bytes(images_file, gz);
    std::string im_what = images_file + (gz ? " (gunzipped)" : "");
    std::vector<uint8_t> lab = read_file_bytes(labels_file, gz);
    std::string lab_what = labels_file + (gz ? " (gunzipped)" : "");

    Idx ih = parse_header(im, im_what, 3, "images");
    int64_t count = ih.dims[0], rows = ih.dims[1], cols = ih.dims[2];
    // Bounded so that sizes below cannot overflow (each dimension is below 2^32).
    if (rows < 1 || cols < 1 || rows > (1 << 20) || cols > (1 << 20))
        throw rt::IOError(im_what + ": its header (byte offset 8) gives images of " + std::to_string(rows) + "x" +
                          std::to_string(cols) + " pixels");
    int64_t pixels = rows * cols;
    int64_t have = int64_t(im.size() - ih.data_at);
    if (have / pixels < count) {
        int64_t k = have / pixels;
        throw rt::IOError(im_what + ": truncated: image " + std::to_string(k) + " of the " + std::to_string(count) +
                          " its header gives (from byte offset " + std::to_string(ih.data_at + k * pixels) +
                          ") is cut short: the file ends at byte " + std::to_string(im.size()));
    }
    if (have > count * pixels)
        throw rt::IOError(im_what + ": " + std::to_string(have - count * pixels) +
                          " bytes after its last image (from byte offset " +
                          std::to_string(ih.data_at + count * pixels) + "); the header gives " +
                          std::to_string(count) + " images of " + std::to_string(rows) + "x" + std::to_string(cols));

    Idx lh = parse_header(lab, lab_what, 1, "labels");
    if (lh.dims[0] != count)
        throw rt::IOError(lab_what + ": holds " + std::to_string(lh.dims[0]) + " labels but " + images_file + " " +
                          std::to_string(count) + " images");
    int64_t nlab = int64_t(lab.size() - lh.data_at);
    if (nlab < count)
        throw rt::IOError(lab_what + ": truncated: label " + std::to_string(nlab) + " of the " +
                          std::to_string(count) + " its header gives would be at byte offset " +
                          std::to_string(lh.data_at + nlab) + " but the file ends there");
    if (nlab > count)
        throw rt::IOError(lab_what + ": " + std::to_string(nlab - count) + " bytes after its last label (from byte offset " +
                          std::to_string(lh.data_at + count) + ")");

    Dataset d;
    d.format = "MNIST idx";
    d.count = count;
    d.shape = {rows, cols, 1};
    d.images.resize(size_t(count * pixels));
    const uint8_t *p = im.data() + ih.data_at;
    for (size_t i = 0; i < d.images.size(); i++) d.images[i] = float(p[i]) / 255.0f;
    d.labels.assign(lab.begin() + long(lh.data_at), lab.end());
    size_t base = lh.data_at;
    d.where = [lab_what, base](int64_t i) {
        return lab_what + ": label " + std::to_string(i) + " (byte offset " + std::to_string(base + size_t(i)) + ")";
    };
    return d;
}

}  // namespace netc::train
