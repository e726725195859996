// Helpers shared by the .npy and .npz tests.
#pragma once

#include "Npy.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace netc::rt::test {

// The message of the IOError `f` throws, or a test failure if it throws
// nothing or something else (anything but IOError is a bug in the reader).
template <typename F> std::string io_error(F &&f) {
    try {
        f();
    } catch (const IOError &e) {
        return e.what();
    } catch (const std::exception &e) {
        ADD_FAILURE() << "expected IOError, got another exception: " << e.what();
        return "";
    }
    ADD_FAILURE() << "expected IOError, got none";
    return "";
}

#define EXPECT_IO_ERROR(expr, fragment)                                                            \
    do {                                                                                           \
        std::string msg_ = ::netc::rt::test::io_error([&] { (void)(expr); });                      \
        EXPECT_NE(msg_.find(fragment), std::string::npos) << "message: " << msg_;                  \
    } while (0)

// Values that catch byte-order, truncation and NaN-canonicalising bugs.
inline Array sample(std::vector<int64_t> shape, uint32_t seed = 1) {
    Array a;
    a.shape = std::move(shape);
    a.data.resize(size_t(a.size()));
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < a.data.size(); ++i) {
        x = x * 1664525u + 1013904223u;
        uint32_t bits = x;
        if (i % 7 == 3) bits = 0x7fc00001u + i;  // a NaN with a payload
        if (i % 7 == 5) bits = 0x80000000u;      // -0.0
        if (i % 7 == 6) bits = 0x00000001u;      // the smallest denormal
        std::memcpy(&a.data[i], &bits, 4);
    }
    return a;
}

inline void expect_same(const Array &a, const Array &b) {
    EXPECT_EQ(a.shape, b.shape);
    ASSERT_EQ(a.data.size(), b.data.size());
    if (!a.data.empty()) {
        EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size() * 4), 0);
    }
}

// An .npy file with a hand-written header, padded as numpy pads it.
inline std::vector<uint8_t> npy(const std::string &dict, size_t data_bytes, int major = 1) {
    size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    while ((prefix + header.size() + 1) % 64) header += ' ';
    header += '\n';
    std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
    for (size_t i = 0; i < prefix - 8; ++i) b.push_back(uint8_t(header.size() >> (8 * i)));
    b.insert(b.end(), header.begin(), header.end());
    for (size_t i = 0; i < data_bytes; ++i) b.push_back(uint8_t(i * 37));
    return b;
}

inline std::string shape_dict(const std::string &shape, const std::string &descr = "'<f4'") {
    return "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }";
}

// A fresh directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = ::testing::TempDir() + "netc_runtime_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl + "/";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string dir;
};

}  // namespace netc::rt::test
