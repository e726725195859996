// .npz: round trips (stored, deflated, zip64) and archives broken at every
// field the reader relies on. Archives are built in memory by netc's own
// writer and then patched; numpy_interop.py checks both sides against NumPy.
#include "TestUtil.h"
#include "Zip.h"

namespace netc::rt::test {
namespace {

using detail::parse_npz;
using detail::VectorSink;
using detail::ZipWriter;

NamedArrays sample_arrays() {
    return {{"resnet_v2_50/block1/unit_1/bottleneck_v2/conv1/weights", sample({1, 1, 4, 3}, 1)},
            {"scalar", sample({}, 2)},
            {"empty", sample({0, 3}, 3)},
            {"vec", sample({5}, 4)}};
}

std::vector<uint8_t> archive(const NamedArrays &arrays, bool compress, uint64_t zip64_at = 0xFFFFFFFFu) {
    VectorSink s;
    detail::write_npz_to(s, "w.npz", arrays, compress, zip64_at);
    return s.bytes;
}

NamedArrays parse(const std::vector<uint8_t> &b) { return parse_npz(b.data(), b.size(), "w.npz"); }

void expect_same_arrays(const NamedArrays &a, const NamedArrays &b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].first, b[i].first);
        expect_same(a[i].second, b[i].second);
    }
}

uint32_t rd32(const std::vector<uint8_t> &b, size_t o) {
    return b[o] | b[o + 1] << 8 | b[o + 2] << 16 | uint32_t(b[o + 3]) << 24;
}
void wr16(std::vector<uint8_t> &b, size_t o, uint32_t v) { b[o] = uint8_t(v), b[o + 1] = uint8_t(v >> 8); }
void wr32(std::vector<uint8_t> &b, size_t o, uint32_t v) { wr16(b, o, v & 0xFFFF), wr16(b, o + 2, v >> 16); }
size_t eocd(const std::vector<uint8_t> &b) { return b.size() - 22; }
size_t central(const std::vector<uint8_t> &b) { return rd32(b, eocd(b) + 16); }

// One member 'a' (stored as "a.npy", 128 + 80 bytes): local header at 0, data
// at 35, and central directory fields at central(b) + 8 (flags), 10 (method),
// 16 (CRC), 20 (compressed size), 24 (size), 42 (local header offset).
std::vector<uint8_t> one(bool compress) { return archive({{"a", sample({4, 5})}}, compress); }
constexpr size_t kData = 35;

TEST(Npz, RoundTripsStoredDeflatedAndZip64) {
    NamedArrays arrays = sample_arrays();
    for (bool compress : {false, true})
        for (uint64_t zip64_at : {uint64_t(0xFFFFFFFFu), uint64_t(0), uint64_t(300)}) {
            SCOPED_TRACE(std::string(compress ? "deflated" : "stored") + ", zip64 at " + std::to_string(zip64_at));
            std::vector<uint8_t> b = archive(arrays, compress, zip64_at);
            expect_same_arrays(parse(b), arrays);
            bool has_end64 = false;
            for (size_t i = 0; i + 4 <= b.size(); ++i) has_end64 |= rd32(b, i) == 0x06064b50;
            EXPECT_EQ(has_end64, zip64_at != 0xFFFFFFFFu);
        }
    expect_same_arrays(parse(archive({}, false)), {});
}

TEST(Npz, DeflateCompresses) {
    Array zeros;
    zeros.shape = {100, 100};
    zeros.data.assign(10000, 0.0f);
    std::vector<uint8_t> b = archive({{"z", zeros}}, true);
    EXPECT_LT(b.size(), 1000u);
    expect_same_arrays(parse(b), {{"z", zeros}});
}

TEST(Npz, AcceptsAnArchiveComment) {
    std::vector<uint8_t> b = archive(sample_arrays(), false);
    std::string comment = "made by hand; PK\x05\x06 inside the comment";
    wr16(b, eocd(b) + 20, uint32_t(comment.size()));
    b.insert(b.end(), comment.begin(), comment.end());
    expect_same_arrays(parse(b), sample_arrays());
}

TEST(Npz, EveryPrefixIsAnError) {
    for (bool compress : {false, true})
        for (uint64_t zip64_at : {uint64_t(0xFFFFFFFFu), uint64_t(0)}) {
            std::vector<uint8_t> good = archive(sample_arrays(), compress, zip64_at);
            for (size_t n = 0; n < good.size(); ++n) {
                std::vector<uint8_t> prefix(good.begin(), good.begin() + n);  // exact size: ASan sees over-reads
                std::string msg = io_error([&] { parse(prefix); });
                EXPECT_EQ(msg.rfind("w.npz: ", 0), 0u) << n << ": " << msg;
            }
        }
}

TEST(Npz, FlippedBytesFailOrReadTheOriginal) {
    // Fields the reader ignores (times, versions, attributes, local sizes)
    // may change; anything else must be an error, never different data.
    NamedArrays arrays = sample_arrays();
    for (bool compress : {false, true}) {
        std::vector<uint8_t> good = archive(arrays, compress);
        for (size_t i = 0; i < good.size(); ++i)
            for (uint8_t mask : {0x01, 0x80, 0xff}) {
                std::vector<uint8_t> b = good;
                b[i] ^= mask;
                NamedArrays got;
                try {
                    got = parse(b);
                } catch (const IOError &) {
                    continue;
                }
                SCOPED_TRACE("byte " + std::to_string(i) + " ^ " + std::to_string(mask));
                expect_same_arrays(got, arrays);
            }
    }
}

TEST(Npz, RejectsBrokenDirectories) {
    EXPECT_IO_ERROR(parse({}), "w.npz: not a zip archive, or truncated: no end of central directory record");
    EXPECT_IO_ERROR(parse(std::vector<uint8_t>(100, 'x')), "no end of central directory record in its last 100 bytes");
    std::vector<uint8_t> b = one(false);
    b[central(b)] = 'Q';
    EXPECT_IO_ERROR(parse(b), "w.npz: central directory entry #0 at offset " + std::to_string(central(b)) +
                                  ": bad signature 0x02014b51");
    b = one(false);
    wr16(b, eocd(b) + 8, 0xFFFE), wr16(b, eocd(b) + 10, 0xFFFE);
    EXPECT_IO_ERROR(parse(b), "claims 65534 entries in");
    b = one(false);
    wr32(b, eocd(b) + 16, uint32_t(b.size()));
    EXPECT_IO_ERROR(parse(b), "runs past the end records");
    b = one(false);
    wr16(b, eocd(b) + 4, 1);
    EXPECT_IO_ERROR(parse(b), "multi-disk zip archives are not supported");
    b = one(false);
    wr32(b, central(b) + 24, 0xFFFFFFFFu);
    EXPECT_IO_ERROR(parse(b), "no zip64 extra field");
}

TEST(Npz, RejectsBrokenMembers) {
    std::vector<uint8_t> b = one(false);
    wr16(b, central(b) + 10, 12);
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': unsupported compression method 12 (bzip2)");
    b = one(false);
    wr16(b, central(b) + 8, 1);
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': is encrypted");
    b = one(false);
    b[kData + 100] ^= 1;
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': CRC-32 mismatch");
    b = one(false);
    b[30] = 'b';
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': local header at offset 0 names 'b.npy', the central directory 'a.npy'");
    b = one(false);
    wr32(b, central(b) + 42, 0x7FFFFFFF);
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': local header at offset 2147483647 lies outside the file");
    b = one(false);
    wr32(b, 0, 0x04034b51);
    EXPECT_IO_ERROR(parse(b), "bad local header signature 0x04034b51 at offset 0");
    b = one(false);
    wr32(b, central(b) + 20, rd32(b, central(b) + 20) - 1);
    EXPECT_IO_ERROR(parse(b), "stored member at offset 35 has compressed size");
    b = one(false);
    wr32(b, central(b) + 20, 1000000000), wr32(b, central(b) + 24, 1000000000);
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': truncated: expected 1000000000 bytes of member data at offset 35");
}

TEST(Npz, RejectsBadDeflateStreams) {
    std::vector<uint8_t> b = one(true);
    b[kData] = 0x07;  // a final block of the reserved type 3
    EXPECT_IO_ERROR(parse(b), "w.npz: member 'a': inflate failed (invalid block type)");
    b = one(true);
    wr32(b, central(b) + 24, 0xFFFFFFF0u);
    EXPECT_IO_ERROR(parse(b), "claims 4294967280 uncompressed bytes from");
    b = one(true);
    wr32(b, central(b) + 24, rd32(b, central(b) + 24) - 1);
    EXPECT_IO_ERROR(parse(b), "inflates to more than the 207 bytes the directory declares");
    b = one(true);
    wr32(b, central(b) + 24, rd32(b, central(b) + 24) + 1);
    EXPECT_IO_ERROR(parse(b), "inflates to 208 bytes, but the directory declares 209");
    b = one(true);
    wr32(b, central(b) + 20, rd32(b, central(b) + 20) - 2);
    EXPECT_IO_ERROR(parse(b), "truncated deflate stream");
}

TEST(Npz, RejectsBadMembersByName) {
    VectorSink s;
    ZipWriter zip(s, "w.npz");
    std::vector<uint8_t> npy = encode_npy(sample({2}));
    zip.add("a.npy", npy.data(), npy.size(), false);
    zip.add("a", npy.data(), npy.size(), true);
    zip.finish();
    EXPECT_IO_ERROR(parse(s.bytes), "w.npz: member 'a': appears twice, as 'a.npy' (entry #0) and 'a' (entry #1)");

    s.bytes.clear();
    ZipWriter bad(s, "w.npz");
    std::string hello = "hello";
    bad.add("conv1/weights.npy", reinterpret_cast<const uint8_t *>(hello.data()), hello.size(), false);
    bad.finish();
    EXPECT_IO_ERROR(parse(s.bytes), "w.npz: member 'conv1/weights': not an .npy file");

    s.bytes.clear();
    ZipWriter f64(s, "w.npz");
    std::vector<uint8_t> d = test::npy(shape_dict("(2,)", "'<f8'"), 16);
    f64.add("w\x01.npy", d.data(), d.size(), true);
    f64.finish();
    EXPECT_IO_ERROR(parse(s.bytes), "w.npz: member 'w\\x01': dtype float64 ('<f8'); netc needs float32");
}

using NpzFiles = TempDirTest;

TEST_F(NpzFiles, WriteThenRead) {
    for (bool compress : {false, true}) {
        write_npz(dir + "w.npz", sample_arrays(), compress);
        expect_same_arrays(read_npz(dir + "w.npz"), sample_arrays());
        EXPECT_FALSE(std::filesystem::exists(dir + "w.npz.tmp"));
    }
}

TEST_F(NpzFiles, FailuresLeaveNoFile) {
    EXPECT_IO_ERROR(read_npz(dir + "missing.npz"), dir + "missing.npz: cannot open: No such file or directory");
    EXPECT_IO_ERROR(write_npz(dir + "no/such/dir/w.npz", sample_arrays()), "No such file or directory");
    NamedArrays dup = {{"a", sample({1})}, {"a", sample({2})}};
    EXPECT_IO_ERROR(write_npz(dir + "dup.npz", dup), dir + "dup.npz: two arrays named 'a'");
    NamedArrays bad = sample_arrays();
    bad[2].second.data.push_back(1);
    EXPECT_IO_ERROR(write_npz(dir + "bad.npz", bad), dir + "bad.npz: member 'empty': cannot encode");
    for (const char *f : {"dup.npz", "dup.npz.tmp", "bad.npz", "bad.npz.tmp"})
        EXPECT_FALSE(std::filesystem::exists(dir + f)) << f;
}

}  // namespace
}  // namespace netc::rt::test
