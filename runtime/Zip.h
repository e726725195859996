// Internals of netc_runtime, shared by Npy.cpp and Npz.cpp and open to the
// tests: the file plumbing both formats use, and the zip container of .npz.
// Not part of the public API (that is Npy.h). Errors are IOError, with the
// caller's `what` ("W.npz" or "W.npz: member 'conv1/weights'") in front.
#pragma once

#include "Npy.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace netc::rt::detail {

// `s` in single quotes, with quotes, backslashes and non-printable bytes
// escaped: names and descr strings come from untrusted files.
std::string quote(const std::string &s);

// zlib counts in 32 bits: hands a z_stream the next window (at most 1 GiB)
// of input and of output whenever it has used up the previous one.
struct ZlibWindows {
    const uint8_t *in;
    uint64_t in_left;
    uint8_t *out;
    uint64_t out_left;
    template <class ZStream>
    void refill(ZStream &zs) {
        if (zs.avail_in == 0 && in_left) {
            zs.next_in = const_cast<uint8_t *>(in);
            zs.avail_in = static_cast<unsigned>(in_left < (1u << 30) ? in_left : (1u << 30));
            in += zs.avail_in;
            in_left -= zs.avail_in;
        }
        if (zs.avail_out == 0 && out_left) {
            zs.next_out = out;
            zs.avail_out = static_cast<unsigned>(out_left < (1u << 30) ? out_left : (1u << 30));
            out += zs.avail_out;
            out_left -= zs.avail_out;
        }
    }
};

// The whole file; open and read failures name `path` and carry strerror.
std::vector<uint8_t> read_file(const std::string &path);

struct Sink {
    virtual ~Sink() = default;
    virtual void write(const void *p, size_t n) = 0;
};

struct VectorSink : Sink {
    std::vector<uint8_t> bytes;
    void write(const void *p, size_t n) override;
};

// Writes PATH.tmp and renames it over PATH on commit(), so readers never see
// a half-written file; destroyed uncommitted (an exception), it removes the
// temporary.
class OutFile : public Sink {
public:
    explicit OutFile(const std::string &path);
    ~OutFile() override;
    OutFile(const OutFile &) = delete;
    OutFile &operator=(const OutFile &) = delete;
    void write(const void *p, size_t n) override;
    void commit();

private:
    [[noreturn]] void fail(const std::string &doing);
    std::string path_, tmp_;
    int fd_ = -1;
};

// One central directory entry, sizes and offsets already resolved through
// zip64 extra fields.
struct ZipEntry {
    size_t index = 0;        // position in the central directory
    uint64_t cd_offset = 0;  // of its central directory header
    std::string name;        // as stored, ".npy" included
    uint16_t flags = 0, method = 0;
    uint32_t crc = 0;
    uint64_t csize = 0, usize = 0, local_offset = 0;
};

// Parses the end of central directory (zip64 too) and the central directory.
// Checks only the directory itself; members are checked by zip_extract.
std::vector<ZipEntry> zip_entries(const uint8_t *buf, size_t size, const std::string &what);

// A member's uncompressed bytes: a view into the archive buffer when stored,
// owned when inflated.
struct ZipData {
    const uint8_t *data = nullptr;
    size_t size = 0;
    std::vector<uint8_t> owned;
};

// Validates the member's local header, inflates it if needed and checks the
// size and CRC-32 the directory declares. `what` names the member.
ZipData zip_extract(const uint8_t *buf, size_t size, const ZipEntry &e, const std::string &what);

// Streams a zip archive to a sink. Sizes and offsets at or above `zip64_at`
// get zip64 records; the default is where the 32-bit fields run out, tests
// pass 0 to force zip64 everywhere.
class ZipWriter {
public:
    explicit ZipWriter(Sink &out, const std::string &what, uint64_t zip64_at = 0xFFFFFFFFu)
        : out_(out), what_(what), zip64_at_(zip64_at) {}
    void add(const std::string &name, const uint8_t *data, size_t size, bool deflate);
    void finish();  // writes the central directory and end records

private:
    struct Entry {
        std::string name;
        uint16_t method;
        uint32_t crc;
        uint64_t csize, usize, offset;
    };
    void put(const std::vector<uint8_t> &bytes);
    Sink &out_;
    std::string what_;
    uint64_t zip64_at_;
    uint64_t pos_ = 0;
    std::vector<Entry> entries_;
};

// read_npz on bytes already in memory; `what` is the file name for messages.
NamedArrays parse_npz(const uint8_t *buf, size_t size, const std::string &what, bool integers = false);

// write_npz to any sink, for tests that craft archives in memory.
void write_npz_to(Sink &out, const std::string &what, const NamedArrays &arrays, bool compress,
                  uint64_t zip64_at = 0xFFFFFFFFu);

}  // namespace netc::rt::detail
