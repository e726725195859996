// The zip container of .npz files (PKWARE APPNOTE 6.3), read side, and the
// file plumbing .npy and .npz share. The archive is in memory and untrusted:
// every offset and size is checked against the buffer before it is used, and
// nothing is allocated from a size the buffer cannot back.
#include "Zip.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace netc::rt::detail {

std::string quote(const std::string &s) {
    static const char hex[] = "0123456789abcdef";
    std::string q = "'";
    for (unsigned char c : s) {
        if (c == '\'' || c == '\\') {
            q += '\\';
            q += char(c);
        } else if (c < 0x20 || c >= 0x7f) {
            q += "\\x";
            q += hex[c >> 4];
            q += hex[c & 15];
        } else {
            q += char(c);
        }
    }
    return q + "'";
}

std::vector<uint8_t> read_file(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IOError(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    size_t hint = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? size_t(st.st_size) : 0;
    std::vector<uint8_t> bytes(hint);
    size_t have = 0;
    // Read to end of file rather than trusting st_size (pipes have none, a
    // file may grow), but probe past the hint with a small buffer so that the
    // usual case never reallocates a weight file's worth of memory.
    uint8_t probe[1 << 16];
    while (true) {
        bool full = have == bytes.size();
        ssize_t got = full ? ::read(fd, probe, sizeof probe) : ::read(fd, bytes.data() + have, bytes.size() - have);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int err = errno;
            ::close(fd);
            throw IOError(path + ": cannot read: " + std::strerror(err));
        }
        if (got == 0) break;
        if (full) bytes.insert(bytes.end(), probe, probe + got);
        have += size_t(got);
    }
    bytes.resize(have);
    ::close(fd);
    return bytes;
}

void VectorSink::write(const void *p, size_t n) {
    auto b = static_cast<const uint8_t *>(p);
    bytes.insert(bytes.end(), b, b + n);
}

OutFile::OutFile(const std::string &path) : path_(path), tmp_(path + ".tmp") {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) fail("cannot create " + tmp_);
}

OutFile::~OutFile() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(tmp_.c_str());
    }
}

void OutFile::fail(const std::string &doing) {
    std::string msg = path_ + ": " + doing + ": " + std::strerror(errno);
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(tmp_.c_str());
        fd_ = -1;
    }
    throw IOError(msg);
}

void OutFile::write(const void *p, size_t n) {
    auto b = static_cast<const uint8_t *>(p);
    while (n) {
        ssize_t put = ::write(fd_, b, std::min<size_t>(n, 1 << 30));
        if (put < 0 && errno == EINTR) continue;
        if (put < 0) fail("cannot write " + tmp_);
        b += put;
        n -= size_t(put);
    }
}

void OutFile::commit() {
    if (::fsync(fd_) != 0 && errno != EINVAL) fail("cannot write " + tmp_);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        ::unlink(tmp_.c_str());
        throw IOError(path_ + ": cannot write " + tmp_ + ": " + std::strerror(errno));
    }
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
        std::string msg = path_ + ": cannot rename " + tmp_ + " to it: " + std::strerror(errno);
        ::unlink(tmp_.c_str());
        throw IOError(msg);
    }
}

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr size_t kLocalLen = 30, kCentralLen = 46, kEndLen = 22, kEnd64Len = 56, kLocator64Len = 20;
// Deflate turns at most 258 bytes into one 2-bit code; a claim beyond that
// ratio is a lie, and would make us allocate for it.
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t le16(const uint8_t *p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t le32(const uint8_t *p) { return le16(p) | uint32_t(le16(p + 2)) << 16; }
uint64_t le64(const uint8_t *p) { return le32(p) | uint64_t(le32(p + 4)) << 32; }

std::string hex32(uint32_t v) {
    char b[11];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

[[noreturn]] void fail(const std::string &what, const std::string &msg) { throw IOError(what + ": " + msg); }

std::string at(uint64_t offset) { return " at offset " + std::to_string(offset); }

// Replaces the 0xFFFFFFFF placeholders of a central directory entry with
// the zip64 extra field's values, which come in this order and only for the
// fields that hold a placeholder.
void apply_zip64_extra(const uint8_t *extra, size_t len, ZipEntry &e, const std::string &where) {
    bool need_u = e.usize == 0xFFFFFFFFu, need_c = e.csize == 0xFFFFFFFFu, need_o = e.local_offset == 0xFFFFFFFFu;
    if (!need_u && !need_c && !need_o) return;
    for (size_t i = 0; i + 4 <= len;) {
        uint16_t id = le16(extra + i), n = le16(extra + i + 2);
        if (n > len - i - 4) fail(where, "extra field 0x" + hex32(id).substr(6) + " runs past the extra data");
        if (id == 0x0001) {
            const uint8_t *p = extra + i + 4;
            size_t left = n;
            auto take = [&](uint64_t &v) {
                if (left < 8) fail(where, "zip64 extra field too short");
                v = le64(p);
                p += 8;
                left -= 8;
            };
            if (need_u) take(e.usize);
            if (need_c) take(e.csize);
            if (need_o) take(e.local_offset);
            return;
        }
        i += 4 + n;
    }
    fail(where, "sizes or offset are 0xFFFFFFFF but there is no zip64 extra field");
}

}  // namespace

std::vector<ZipEntry> zip_entries(const uint8_t *buf, size_t size, const std::string &what) {
    // The end record is the last thing in the file, but a comment of up to
    // 64 KiB may follow it; the comment length must account for the rest.
    size_t end = SIZE_MAX;
    if (size >= kEndLen)
        for (size_t pos = size - kEndLen;; --pos) {
            if (le32(buf + pos) == kEndSig && pos + kEndLen + le16(buf + pos + 20) == size) {
                end = pos;
                break;
            }
            if (pos == 0 || size - pos > kEndLen + 0xFFFF) break;
        }
    if (end == SIZE_MAX)
        fail(what, "not a zip archive, or truncated: no end of central directory record in its last " +
                       std::to_string(std::min<size_t>(size, kEndLen + 0xFFFF)) + " bytes");

    const uint8_t *e = buf + end;
    uint64_t disk = le16(e + 4), cd_disk = le16(e + 6), count_disk = le16(e + 8), count = le16(e + 10);
    uint64_t cd_size = le32(e + 12), cd_offset = le32(e + 16);
    uint64_t cd_limit = end;  // the directory ends before the end records
    if (end >= kLocator64Len && le32(e - kLocator64Len) == kLocator64Sig) {
        const uint8_t *loc = e - kLocator64Len;
        uint64_t at64 = le64(loc + 8);
        if (le32(loc + 4) != 0 || le32(loc + 16) > 1) fail(what, "multi-disk zip archives are not supported");
        if (at64 > end - kLocator64Len || end - kLocator64Len - at64 < kEnd64Len)
            fail(what, "zip64 end of central directory record" + at(at64) + " lies outside the file");
        const uint8_t *r = buf + at64;
        if (le32(r) != kEnd64Sig)
            fail(what, "bad zip64 end of central directory signature" + at(at64) + " (truncated or corrupt)");
        disk = le32(r + 16), cd_disk = le32(r + 20), count_disk = le64(r + 24), count = le64(r + 32);
        cd_size = le64(r + 40), cd_offset = le64(r + 48);
        cd_limit = at64;
    }
    if (disk != 0 || cd_disk != 0 || count_disk != count) fail(what, "multi-disk zip archives are not supported");
    if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
        fail(what, "central directory" + at(cd_offset) + " (" + std::to_string(cd_size) +
                       " bytes) runs past the end records" + at(cd_limit) + " (truncated or corrupt)");
    if (count > cd_size / kCentralLen)
        fail(what, "central directory" + at(cd_offset) + " claims " + std::to_string(count) + " entries in " +
                       std::to_string(cd_size) + " bytes");

    std::vector<ZipEntry> entries;
    entries.reserve(count);
    uint64_t pos = cd_offset, cd_end = cd_offset + cd_size;
    for (uint64_t i = 0; i < count; ++i) {
        std::string where = what + ": central directory entry #" + std::to_string(i) + at(pos);
        if (cd_end - pos < kCentralLen) fail(where, "runs past the end of the central directory");
        const uint8_t *c = buf + pos;
        if (le32(c) != kCentralSig) fail(where, "bad signature " + hex32(le32(c)));
        uint64_t name_len = le16(c + 28), extra_len = le16(c + 30), comment_len = le16(c + 32);
        if (cd_end - pos - kCentralLen < name_len + extra_len + comment_len)
            fail(where, "name, extra field or comment runs past the end of the central directory");
        ZipEntry z;
        z.index = i;
        z.cd_offset = pos;
        z.flags = le16(c + 8);
        z.method = le16(c + 10);
        z.crc = le32(c + 16);
        z.csize = le32(c + 20);
        z.usize = le32(c + 24);
        z.local_offset = le32(c + 42);
        z.name.assign(reinterpret_cast<const char *>(c + kCentralLen), name_len);
        if (le16(c + 34) != 0 && le16(c + 34) != 0xFFFF) fail(where, "multi-disk zip archives are not supported");
        apply_zip64_extra(c + kCentralLen + name_len, extra_len, z, where + " (" + quote(z.name) + ")");
        entries.push_back(std::move(z));
        pos += kCentralLen + name_len + extra_len + comment_len;
    }
    return entries;
}

ZipData zip_extract(const uint8_t *buf, size_t size, const ZipEntry &e, const std::string &what) {
    if (e.flags & 0x41) fail(what, "is encrypted; netc cannot read encrypted zip members");
    if (e.method != 0 && e.method != 8) {
        const char *name = e.method == 9 ? " (deflate64)" : e.method == 12 ? " (bzip2)" : e.method == 14 ? " (lzma)"
                         : e.method == 93 ? " (zstd)" : e.method == 95 ? " (xz)" : "";
        fail(what, "unsupported compression method " + std::to_string(e.method) + name +
                       "; netc reads stored (0) and deflated (8) members");
    }
    // The central directory is authoritative (numpy's local headers hold
    // 0xFFFFFFFF sizes); the local header must still agree on the name and
    // method, and everything must lie inside the file.
    uint64_t lo = e.local_offset;
    if (lo > size || size - lo < kLocalLen) fail(what, "local header" + at(lo) + " lies outside the file");
    const uint8_t *l = buf + lo;
    if (le32(l) != kLocalSig) fail(what, "bad local header signature " + hex32(le32(l)) + at(lo));
    uint64_t name_len = le16(l + 26), extra_len = le16(l + 28);
    uint64_t data_at = lo + kLocalLen + name_len + extra_len;
    if (data_at > size) fail(what, "local header" + at(lo) + " runs past the end of the file");
    if (std::string(reinterpret_cast<const char *>(l + kLocalLen), name_len) != e.name)
        fail(what, "local header" + at(lo) + " names " +
                       quote(std::string(reinterpret_cast<const char *>(l + kLocalLen), name_len)) +
                       ", the central directory " + quote(e.name));
    if (le16(l + 8) != e.method) fail(what, "local header" + at(lo) + " disagrees on the compression method");
    if (le16(l + 6) & 0x41) fail(what, "is encrypted; netc cannot read encrypted zip members");
    if (e.csize > size - data_at)
        fail(what, "truncated: expected " + std::to_string(e.csize) + " bytes of member data" + at(data_at) +
                       ", found " + std::to_string(size - data_at));

    ZipData out;
    const uint8_t *in = buf + data_at;
    if (e.method == 0) {
        if (e.csize != e.usize)
            fail(what, "stored member" + at(data_at) + " has compressed size " + std::to_string(e.csize) +
                           " but uncompressed size " + std::to_string(e.usize));
        out.data = in;
        out.size = e.csize;
    } else {
        if (e.usize > e.csize * kMaxDeflateRatio + 1024 || e.usize >= SIZE_MAX)
            fail(what, "claims " + std::to_string(e.usize) + " uncompressed bytes from " + std::to_string(e.csize) +
                           " compressed bytes" + at(data_at) + ", more than deflate can produce");
        // One spare byte shows a stream that inflates to more than declared.
        out.owned.resize(e.usize + 1);
        z_stream zs{};
        if (inflateInit2(&zs, -15) != Z_OK) fail(what, "cannot initialise zlib");
        ZlibWindows win{in, e.csize, out.owned.data(), out.owned.size()};
        int ret;
        do {
            win.refill(zs);
            ret = inflate(&zs, Z_NO_FLUSH);
        } while (ret == Z_OK);
        uint64_t produced = out.owned.size() - win.out_left - zs.avail_out;
        uint64_t consumed = e.csize - win.in_left - zs.avail_in;
        std::string zmsg = zs.msg ? zs.msg : "corrupt data";
        inflateEnd(&zs);
        if (produced > e.usize)
            fail(what, "inflates to more than the " + std::to_string(e.usize) + " bytes the directory declares");
        if (ret == Z_BUF_ERROR)
            fail(what, "truncated deflate stream: " + std::to_string(e.csize) + " compressed bytes" + at(data_at) +
                           " end before the stream does");
        if (ret != Z_STREAM_END)
            fail(what, "inflate failed (" + zmsg + ") near compressed byte " + std::to_string(consumed) +
                           " of the member" + at(data_at));
        if (produced != e.usize)
            fail(what, "inflates to " + std::to_string(produced) + " bytes, but the directory declares " +
                           std::to_string(e.usize));
        if (consumed != e.csize)
            fail(what, std::to_string(e.csize - consumed) + " bytes of compressed data follow the deflate stream" +
                           at(data_at + consumed));
        out.owned.pop_back();
        out.data = out.owned.data();
        out.size = out.owned.size();
    }
    uint32_t crc = uint32_t(crc32_z(0, out.data, out.size));
    if (crc != e.crc)
        fail(what, "CRC-32 mismatch: the directory says " + hex32(e.crc) + ", the data" + at(data_at) + " gives " +
                       hex32(crc) + " (corrupt archive)");
    return out;
}

}  // namespace netc::rt::detail
