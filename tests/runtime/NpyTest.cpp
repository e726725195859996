// .npy: round trips, the header variants other writers produce, and every
// way a hostile or broken file must fail. NumPy itself is the oracle in
// numpy_interop.py; these tests pin the edge cases byte by byte.
#include "TestUtil.h"
#include "Zip.h"

#include <fstream>

namespace netc::rt::test {
namespace {

Array parse(const std::vector<uint8_t> &b) { return parse_npy(b.data(), b.size(), "x.npy"); }

TEST(Npy, RoundTripsEveryShapeBitForBit) {
    for (auto shape : std::vector<std::vector<int64_t>>{{}, {5}, {2, 3}, {0, 3}, {3, 0}, {1, 1, 1, 1, 1, 1, 1, 1},
                                                         {4, 3, 2, 7}}) {
        Array a = sample(shape);
        std::vector<uint8_t> b = encode_npy(a);
        SCOPED_TRACE(a.shape_str());
        expect_same(parse(b), a);
    }
}

TEST(Npy, WritesNumpysLayout) {
    std::vector<uint8_t> b = encode_npy(sample({2, 3}));
    ASSERT_GE(b.size(), 10u);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 8), std::string("\x93NUMPY\x01\x00", 8));
    size_t hlen = b[8] | b[9] << 8;
    EXPECT_EQ((10 + hlen) % 64, 0u);  // numpy aligns the data to 64 bytes
    std::string header(b.begin() + 10, b.begin() + 10 + hlen);
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << header;
    EXPECT_EQ(b.size(), 10 + hlen + 24);

    auto header_of = [](const Array &a) {
        std::vector<uint8_t> e = encode_npy(a);
        return std::string(e.begin() + 10, e.begin() + 10 + (e[8] | e[9] << 8));
    };
    EXPECT_NE(header_of(sample({})).find("'shape': (), }"), std::string::npos);
    EXPECT_NE(header_of(sample({5})).find("'shape': (5,), }"), std::string::npos);
}

TEST(Npy, ReadsTheHeaderVariantsOtherWritersProduce) {
    for (std::string dict : {
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
             "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
             "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,3,)}",
             "{ 'fortran_order' :False,'shape':( 2 , 3 ) ,'descr':'=f4' , }",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",  // Python 2
         }) {
        SCOPED_TRACE(dict);
        Array a = parse(npy(dict, 24));
        EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    }
    EXPECT_EQ(parse(npy(shape_dict("()"), 4)).shape, std::vector<int64_t>{});
    EXPECT_EQ(parse(npy(shape_dict("(5,)"), 20)).shape, std::vector<int64_t>{5});
    EXPECT_EQ(parse(npy(shape_dict("(0, 1000000000000)"), 0)).shape, (std::vector<int64_t>{0, 1000000000000}));
    EXPECT_EQ(parse(npy(shape_dict("(2, 3)"), 24, 2)).shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(parse(npy(shape_dict("(2, 3)"), 24, 3)).shape, (std::vector<int64_t>{2, 3}));
}

TEST(Npy, DataIsLittleEndianFloat32) {
    std::vector<uint8_t> b = npy(shape_dict("(2,)"), 0);
    for (uint8_t x : {0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x20, 0xc1}) b.push_back(x);
    Array a = parse(b);
    ASSERT_EQ(a.data.size(), 2u);
    EXPECT_EQ(a.data[0], 1.5f);
    EXPECT_EQ(a.data[1], -10.0f);
}

TEST(Npy, RejectsOtherDtypesByName) {
    struct Case {
        const char *descr, *message;
    };
    for (Case c : std::vector<Case>{
             {"'<f8'", "x.npy: dtype float64 ('<f8'); netc needs float32"},
             {"'>f4'", "x.npy: dtype float32 big-endian ('>f4'); netc needs little-endian float32 ('<f4')"},
             {"'|f4'", "dtype float32 without a byte order ('|f4')"},
             {"'<f2'", "dtype float16 ('<f2')"},
             {"'<i4'", "dtype int32 ('<i4')"},
             {"'|u1'", "dtype uint8 ('|u1')"},
             {"'|b1'", "dtype bool ('|b1')"},
             {"'<c8'", "dtype complex64 ('<c8')"},
             {"'<U5'", "dtype str ('<U5')"},
             {"'|O'", "dtype object ('|O')"},
             {"'<M8[ns]'", "dtype datetime64 ('<M8[ns]')"},
             {"'<x9'", "dtype '<x9'; netc needs float32"},
             {"[('a', '<f4'), ('b', '<i4')]", "structured dtype [('a', '<f4'), ('b', '<i4')]; netc needs float32"},
             {"3", "dtype 3; netc needs float32"},
         }) {
        EXPECT_IO_ERROR(parse(npy(shape_dict("(2, 3)", c.descr), 24)), c.message);
    }
}

TEST(Npy, RejectsFortranOrder) {
    EXPECT_IO_ERROR(parse(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24)),
                    "x.npy: fortran_order is True");
    EXPECT_IO_ERROR(parse(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", 24)),
                    "fortran_order is not True or False");
}

TEST(Npy, RejectsMalformedHeaders) {
    struct Case {
        std::string dict, message;
    };
    for (const Case &c : std::vector<Case>{
             {"{'descr': '<f4', 'shape': (2, 3), }", "missing key 'fortran_order'"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", "unexpected key 'x'"},
             {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", "duplicate key 'descr'"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (5)}", "shape is not a tuple"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", "shape is not a tuple"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'a')}", "non-integer dimension 'a'"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", "impossible dimension -3"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
              "impossible dimension 99999999999999999999"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "too many elements"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,)}", "too many elements"},
             // Empty, but NumPy refuses it too (and Array::size() would overflow).
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 0)}", "too many elements"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", "expected ','"},
             {"{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", "expected ','"},
             {"{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}", "expected ':'"},
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", "unexpected text after the header"},
             {"{'descr': '<f4", "unterminated string"},
             {"['descr', '<f4']", "expected '{'"},
             {"", "expected '{'"},
             {"{'descr': '<f4', 'fortran_order': Fals, 'shape': (2, 3)}", "unexpected character 'F'"},
             {"{'descr': " + std::string(40, '[') + "1" + std::string(40, ']') + "}", "nested too deeply"},
         }) {
        SCOPED_TRACE(c.dict);
        EXPECT_IO_ERROR(parse(npy(c.dict, 24)), c.message);
        EXPECT_IO_ERROR(parse(npy(c.dict, 24)), "x.npy: ");
    }
}

TEST(Npy, RejectsBadMagicVersionAndHeaderLength) {
    std::vector<uint8_t> good = encode_npy(sample({2, 3}));
    std::vector<uint8_t> b = good;
    b[1] = 'n';
    EXPECT_IO_ERROR(parse(b), "x.npy: not an .npy file");
    b = good;
    b[6] = 4;
    EXPECT_IO_ERROR(parse(b), "unsupported .npy format version 4.0 at offset 6");
    b = good;
    b[7] = 1;
    EXPECT_IO_ERROR(parse(b), "unsupported .npy format version 1.1");
    b = good;
    b[8] = 0xff, b[9] = 0xff;
    EXPECT_IO_ERROR(parse(b), "truncated: expected a 65535-byte header at offset 10");
    b = npy(shape_dict("(2, 3)"), 24, 2);
    b[8] = b[9] = b[10] = b[11] = 0xff;  // a 4 GiB header, in a 100-byte file
    EXPECT_IO_ERROR(parse(b), "truncated: expected a 4294967295-byte header at offset 12");
}

TEST(Npy, DataMustMatchTheShapeExactly) {
    std::vector<uint8_t> b = npy(shape_dict("(2, 3)"), 20);
    EXPECT_IO_ERROR(parse(b), "x.npy: truncated: expected 24 bytes of data at offset 128, found 20");
    b = npy(shape_dict("(2, 3)"), 28);
    EXPECT_IO_ERROR(parse(b), "x.npy: trailing data: expected 24 bytes of data at offset 128, found 28");
    b = npy(shape_dict("(1000000000, 1000000000)"), 24);  // 4e18 bytes claimed: no allocation
    EXPECT_IO_ERROR(parse(b), "truncated: expected 4000000000000000000 bytes of data at offset 128, found 24");
}

TEST(Npy, EveryPrefixOfAFileIsAnError) {
    std::vector<uint8_t> good = encode_npy(sample({2, 3}));
    for (size_t n = 0; n < good.size(); ++n) {
        std::vector<uint8_t> prefix(good.begin(), good.begin() + n);  // exact size: ASan sees over-reads
        std::string msg = io_error([&] { parse(prefix); });
        EXPECT_EQ(msg.rfind("x.npy: ", 0), 0u) << n << ": " << msg;
    }
}

TEST(Npy, FlippedBytesNeverCrash) {
    std::vector<uint8_t> good = encode_npy(sample({2, 3}));
    for (size_t i = 0; i < good.size(); ++i)
        for (uint8_t mask : {0x01, 0x20, 0x80, 0xff}) {
            std::vector<uint8_t> b = good;
            b[i] ^= mask;
            try {
                parse(b);
            } catch (const IOError &) {
            }
        }
}

TEST(Npy, ArrayHelpers) {
    EXPECT_EQ(sample({}).size(), 1);
    EXPECT_EQ(sample({2, 0, 3}).size(), 0);
    EXPECT_EQ(sample({1, 224, 224, 3}).shape_str(), "[1, 224, 224, 3]");
    EXPECT_EQ(sample({}).shape_str(), "[]");
    Array bad;
    bad.shape = {-1};
    EXPECT_EQ(bad.size(), -1);
    bad.shape = {1ll << 40, 1ll << 40};
    EXPECT_EQ(bad.size(), -1);
}

TEST(Npy, EncodeRejectsInconsistentArrays) {
    Array a = sample({2, 3});
    a.data.pop_back();
    EXPECT_IO_ERROR(encode_npy(a), "cannot encode an array of shape [2, 3] from 5 values");
    a.shape = {-5};
    EXPECT_IO_ERROR(encode_npy(a), "shape [-5]");
}

using NpyFiles = TempDirTest;

TEST_F(NpyFiles, WriteThenRead) {
    Array a = sample({3, 4});
    write_npy(dir + "a.npy", a);
    expect_same(read_npy(dir + "a.npy"), a);
    EXPECT_FALSE(std::filesystem::exists(dir + "a.npy.tmp"));
    write_npy(dir + "a.npy", sample({2}));  // replaces the file
    EXPECT_EQ(read_npy(dir + "a.npy").shape, std::vector<int64_t>{2});
    Array big = sample({300, 300});  // larger than read_file's probe buffer
    write_npy(dir + "big.npy", big);
    expect_same(read_npy(dir + "big.npy"), big);
}

TEST_F(NpyFiles, ReportsOpenAndWriteFailures) {
    EXPECT_IO_ERROR(read_npy(dir + "missing.npy"), dir + "missing.npy: cannot open: No such file or directory");
    EXPECT_IO_ERROR(read_npy(dir), "Is a directory");
    EXPECT_IO_ERROR(write_npy(dir + "no/such/dir/a.npy", sample({2})), "No such file or directory");
    Array bad = sample({2, 3});
    bad.data.pop_back();
    EXPECT_IO_ERROR(write_npy(dir + "bad.npy", bad), dir + "bad.npy: cannot encode");
    EXPECT_FALSE(std::filesystem::exists(dir + "bad.npy"));
    EXPECT_FALSE(std::filesystem::exists(dir + "bad.npy.tmp"));
}

TEST_F(NpyFiles, ErrorsNameTheFile) {
    std::vector<uint8_t> b = npy(shape_dict("(2,)", "'<f8'"), 16);
    std::ofstream(dir + "f64.npy", std::ios::binary).write(reinterpret_cast<const char *>(b.data()), b.size());
    EXPECT_IO_ERROR(read_npy(dir + "f64.npy"), dir + "f64.npy: dtype float64 ('<f8'); netc needs float32");
}

}  // namespace
}  // namespace netc::rt::test
