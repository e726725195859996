// TensorFlow's window arithmetic. Expected values are TensorFlow's documented
// formulas worked by hand (SAME: out = ceil(in / stride), the odd padding
// pixel at the end; VALID: out = ceil((in - k_eff + 1) / stride)).
#include "Shapes.h"

#include <gtest/gtest.h>

namespace netc {
namespace {

Window1D same(int64_t in, int64_t k, int64_t s, int64_t r = 1) {
    Window1D w;
    std::string err;
    EXPECT_TRUE(window_1d(in, k, s, r, "SAME", 0, 0, w, err)) << err;
    return w;
}

TEST(Shapes, SamePadsTheOddPixelAtTheEnd) {
    Window1D w = same(224, 3, 2);  // ResNet's strided 3x3 on an even input
    EXPECT_EQ(w.out, 112);
    EXPECT_EQ(w.pad_before, 0);
    EXPECT_EQ(w.pad_after, 1);
    w = same(7, 3, 2);
    EXPECT_EQ(w.out, 4);
    EXPECT_EQ(w.pad_before, 1);
    EXPECT_EQ(w.pad_after, 1);
    w = same(9, 7, 1);
    EXPECT_EQ(w.out, 9);
    EXPECT_EQ(w.pad_before, 3);
    EXPECT_EQ(w.pad_after, 3);
}

TEST(Shapes, SameNeverPadsNegative) {
    Window1D w = same(56, 1, 2);
    EXPECT_EQ(w.out, 28);
    EXPECT_EQ(w.pad_before + w.pad_after, 0);
}

TEST(Shapes, SameWithDilationUsesTheEffectiveKernel) {
    Window1D w = same(10, 3, 1, 2);  // spans 5
    EXPECT_EQ(w.out, 10);
    EXPECT_EQ(w.pad_before, 2);
    EXPECT_EQ(w.pad_after, 2);
}

TEST(Shapes, ValidFloorsAndRejectsOversizedKernels) {
    Window1D w;
    std::string err;
    ASSERT_TRUE(window_1d(299, 3, 2, 1, "VALID", 0, 0, w, err));
    EXPECT_EQ(w.out, 149);
    ASSERT_TRUE(window_1d(8, 8, 1, 1, "VALID", 0, 0, w, err));
    EXPECT_EQ(w.out, 1);
    EXPECT_FALSE(window_1d(5, 7, 1, 1, "VALID", 0, 0, w, err));
    EXPECT_NE(err.find("only 5 wide"), std::string::npos) << err;
}

TEST(Shapes, ExplicitPaddingFollowsPyTorch) {
    Window1D w;
    std::string err;
    ASSERT_TRUE(window_1d(224, 7, 2, 1, "EXPLICIT", 3, 3, w, err));  // resnet18 stem
    EXPECT_EQ(w.out, 112);
    ASSERT_TRUE(window_1d(112, 3, 2, 1, "EXPLICIT", 1, 1, w, err));  // its max pool
    EXPECT_EQ(w.out, 56);
}

TEST(Shapes, CheckedMulCatchesOverflow) {
    int64_t r = 0;
    EXPECT_TRUE(checked_mul(1 << 20, 1 << 20, r));
    EXPECT_EQ(r, int64_t(1) << 40);
    EXPECT_FALSE(checked_mul(int64_t(1) << 40, int64_t(1) << 40, r));
}

}  // namespace
}  // namespace netc
