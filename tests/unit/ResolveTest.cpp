#include "Resolve.h"
#include "Summary.h"

#include <gtest/gtest.h>

namespace netc {
namespace {

TEST(Suggest, FindsTheClosestName) {
    EXPECT_EQ(suggest("conv2", {"conv2d", "max_pool2d", "relu"}), "conv2d");
    EXPECT_EQ(suggest("bottleneck_v3", {"bottleneck_v2", "subsample"}), "bottleneck_v2");
}

TEST(Suggest, StaysQuietWhenNothingIsClose) {
    EXPECT_EQ(suggest("xyz", {"conv2d", "batch_norm"}), "");
}

TEST(Summary, GroupsDigitsLikeKeras) {
    EXPECT_EQ(with_commas(25613800), "25,613,800");
    EXPECT_EQ(with_commas(999), "999");
    EXPECT_EQ(with_commas(1000), "1,000");
    EXPECT_EQ(with_commas(0), "0");
}

}  // namespace
}  // namespace netc
