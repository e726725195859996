// .npz: a zip of NAME.npy members, as np.savez and np.savez_compressed write
// them. Reading is in Zip.cpp; this file holds the zip writer and the glue
// between archive members and arrays.
#include "Npy.h"

#include "Zip.h"

#include <zlib.h>

#include <algorithm>
#include <unordered_map>

namespace netc::rt {

namespace detail {
namespace {

constexpr uint32_t kMarker32 = 0xFFFFFFFFu;
// A fixed timestamp (1980-01-01 00:00, the DOS epoch) so that the same
// arrays always give the same bytes.
constexpr uint16_t kDosTime = 0, kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint16_t kMadeByUnix = 3 << 8;

struct Bytes {
    std::vector<uint8_t> v;
    void u16(uint64_t x) { v.push_back(uint8_t(x)), v.push_back(uint8_t(x >> 8)); }
    void u32(uint64_t x) { u16(x & 0xFFFF), u16(x >> 16 & 0xFFFF); }
    void u64(uint64_t x) { u32(x & kMarker32), u32(x >> 32); }
    void str(const std::string &s) { v.insert(v.end(), s.begin(), s.end()); }
};

std::vector<uint8_t> deflate_raw(const uint8_t *data, size_t size, const std::string &what) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw IOError(what + ": cannot initialise zlib");
    std::vector<uint8_t> out(deflateBound(&zs, uLong(size)));
    detail::ZlibWindows win{data, size, out.data(), out.size()};
    while (true) {
        win.refill(zs);
        int ret = deflate(&zs, win.in_left ? Z_NO_FLUSH : Z_FINISH);
        if (ret == Z_STREAM_END) break;
        bool can_refill = (zs.avail_in == 0 && win.in_left) || (zs.avail_out == 0 && win.out_left);
        if (ret != Z_OK && !(ret == Z_BUF_ERROR && can_refill)) {
            deflateEnd(&zs);
            throw IOError(what + ": deflate failed");
        }
    }
    out.resize(out.size() - win.out_left - zs.avail_out);
    deflateEnd(&zs);
    return out;
}

bool is_ascii(const std::string &s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (unsigned char)c < 0x80; });
}

}  // namespace

void ZipWriter::put(const std::vector<uint8_t> &bytes) {
    out_.write(bytes.data(), bytes.size());
    pos_ += bytes.size();
}

void ZipWriter::add(const std::string &name, const uint8_t *data, size_t size, bool deflate) {
    if (name.size() > 0xFFFF) throw IOError(what_ + ": member name longer than 65535 bytes");
    std::vector<uint8_t> packed;
    if (deflate) packed = deflate_raw(data, size, what_ + ": member " + quote(name));
    Entry e{name, uint16_t(deflate ? 8 : 0), uint32_t(crc32_z(0, data, size)), deflate ? packed.size() : size, size,
            pos_};
    bool z64 = e.usize >= zip64_at_ || e.csize >= zip64_at_;
    Bytes h;
    h.u32(0x04034b50);
    h.u16(z64 ? 45 : 20);
    h.u16(is_ascii(name) ? 0 : 0x800);  // bit 11: the name is UTF-8
    h.u16(e.method);
    h.u16(kDosTime);
    h.u16(kDosDate);
    h.u32(e.crc);
    h.u32(z64 ? kMarker32 : e.csize);
    h.u32(z64 ? kMarker32 : e.usize);
    h.u16(name.size());
    h.u16(z64 ? 20 : 0);
    h.str(name);
    if (z64) {  // a local zip64 field holds both sizes, always
        h.u16(0x0001);
        h.u16(16);
        h.u64(e.usize);
        h.u64(e.csize);
    }
    put(h.v);
    out_.write(deflate ? packed.data() : data, e.csize);
    pos_ += e.csize;
    entries_.push_back(std::move(e));
}

void ZipWriter::finish() {
    uint64_t cd_offset = pos_;
    for (const Entry &e : entries_) {
        bool zu = e.usize >= zip64_at_, zc = e.csize >= zip64_at_, zo = e.offset >= zip64_at_;
        Bytes extra;
        if (zu || zc || zo) {
            extra.u16(0x0001);
            extra.u16(8 * (zu + zc + zo));
            if (zu) extra.u64(e.usize);
            if (zc) extra.u64(e.csize);
            if (zo) extra.u64(e.offset);
        }
        uint16_t version = extra.v.empty() ? 20 : 45;
        Bytes h;
        h.u32(0x02014b50);
        h.u16(kMadeByUnix | version);
        h.u16(version);
        h.u16(is_ascii(e.name) ? 0 : 0x800);
        h.u16(e.method);
        h.u16(kDosTime);
        h.u16(kDosDate);
        h.u32(e.crc);
        h.u32(zc ? kMarker32 : e.csize);
        h.u32(zu ? kMarker32 : e.usize);
        h.u16(e.name.size());
        h.u16(extra.v.size());
        h.u16(0);                       // comment
        h.u16(0);                       // disk
        h.u16(0);                       // internal attributes
        h.u32(uint32_t(0100644) << 16);  // a regular rw-r--r-- file, for unzip
        h.u32(zo ? kMarker32 : e.offset);
        h.str(e.name);
        h.v.insert(h.v.end(), extra.v.begin(), extra.v.end());
        put(h.v);
    }
    uint64_t count = entries_.size(), cd_size = pos_ - cd_offset;
    bool z64 = count >= 0xFFFF || cd_size >= zip64_at_ || cd_offset >= zip64_at_;
    Bytes t;
    if (z64) {
        uint64_t end64 = pos_;
        t.u32(0x06064b50);
        t.u64(44);  // size of the rest of this record
        t.u16(kMadeByUnix | 45);
        t.u16(45);
        t.u32(0);
        t.u32(0);
        t.u64(count);
        t.u64(count);
        t.u64(cd_size);
        t.u64(cd_offset);
        t.u32(0x07064b50);  // the locator
        t.u32(0);
        t.u64(end64);
        t.u32(1);
    }
    uint64_t count16 = count >= 0xFFFF ? 0xFFFF : count;
    t.u32(0x06054b50);
    t.u16(0);
    t.u16(0);
    t.u16(count16);
    t.u16(count16);
    t.u32(cd_size >= zip64_at_ ? kMarker32 : cd_size);
    t.u32(cd_offset >= zip64_at_ ? kMarker32 : cd_offset);
    t.u16(0);  // comment
    put(t.v);
}

NamedArrays parse_npz(const uint8_t *buf, size_t size, const std::string &what, bool integers) {
    std::vector<ZipEntry> entries = zip_entries(buf, size, what);
    NamedArrays arrays;
    arrays.reserve(entries.size());
    std::unordered_map<std::string, const ZipEntry *> seen;
    for (const ZipEntry &e : entries) {
        if (!e.name.empty() && e.name.back() == '/' && e.usize == 0) continue;  // a directory, from zip -r
        std::string name = e.name;
        if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
        std::string member = what + ": member " + quote(name);
        auto [it, fresh] = seen.emplace(name, &e);
        if (!fresh)
            throw IOError(member + ": appears twice, as " + quote(it->second->name) + " (entry #" +
                          std::to_string(it->second->index) + ") and " + quote(e.name) + " (entry #" +
                          std::to_string(e.index) + ")");
        ZipData data = zip_extract(buf, size, e, member);
        arrays.emplace_back(name, parse_npy(data.data, data.size, member, integers));
    }
    return arrays;
}

void write_npz_to(Sink &out, const std::string &what, const NamedArrays &arrays, bool compress, uint64_t zip64_at) {
    std::unordered_map<std::string, size_t> seen;
    for (auto &[name, array] : arrays)
        if (!seen.emplace(name, 0).second) throw IOError(what + ": two arrays named " + quote(name));
    ZipWriter zip(out, what, zip64_at);
    for (auto &[name, array] : arrays) {
        std::vector<uint8_t> npy;
        try {
            npy = encode_npy(array);
        } catch (const IOError &e) {
            throw IOError(what + ": member " + quote(name) + ": " + e.what());
        }
        zip.add(name + ".npy", npy.data(), npy.size(), compress);
    }
    zip.finish();
}

}  // namespace detail

NamedArrays read_npz(const std::string &path, bool integers) {
    std::vector<uint8_t> bytes = detail::read_file(path);
    return detail::parse_npz(bytes.data(), bytes.size(), path, integers);
}

void write_npz(const std::string &path, const NamedArrays &arrays, bool compress) {
    detail::OutFile out(path);
    detail::write_npz_to(out, path, arrays, compress);
    out.commit();
}

}  // namespace netc::rt
