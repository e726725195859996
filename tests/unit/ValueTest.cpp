// Compile-time values that a hostile program shapes: shared structure that
// would take 2^40 steps to walk as a tree, chains deeper than a thread's
// stack, and the suggestion index. Run on the test's main thread (8 MiB of
// stack, not the netc binary's 512 MiB), where recursion shows first.
#include "Elaborate.h"
#include "Parser.h"
#include "Resolve.h"
#include "Value.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

namespace netc {
namespace {

Value doubled(int times) {
    Value y = Value::list({Value::integer(0)});
    for (int i = 0; i < times; i++) y = Value::list({y, y});
    return y;
}

TEST(Values, SharedListsCompareWithoutWalkingEveryPath) {
    long budget = 1000;
    Value a = doubled(40), b = doubled(40);
    EXPECT_TRUE(values_equal(a, a, budget));
    EXPECT_TRUE(values_equal(a, b, budget));  // built apart: equal pairs are remembered
    EXPECT_GE(budget, 0);
    Value c = Value::list({doubled(39), Value::list({doubled(38), doubled(37)})});
    EXPECT_FALSE(values_equal(a, c, budget));
}

TEST(Values, ComparisonStopsAtItsBudget) {
    ValueList xs(10000, Value::integer(1));
    Value a = Value::list(xs), b = Value::list(xs);
    long budget = 100;
    values_equal(a, b, budget);
    EXPECT_LT(budget, 0);
}

TEST(Values, RenderingStopsAtItsLimit) {
    Value y = doubled(40);
    std::string s;
    EXPECT_FALSE(render(y, 1000, s));
    EXPECT_EQ(to_string(y, 20), "[[[[[[[[[[[[[[[[[[[[...");
    EXPECT_TRUE(render(doubled(1), 100, s));
    EXPECT_EQ(s, "[[0], [0]]");
    EXPECT_EQ(to_string(Value::tuple({Value::string("a")})), "(\"a\",)");
}

TEST(Values, DepthCountsNesting) {
    EXPECT_EQ(Value::integer(1).depth, 0);
    EXPECT_EQ(Value::list({}).depth, 1);
    EXPECT_EQ(doubled(3).depth, 4);
}

TEST(Suggest, IndexKeepsTheFirstOfEquallyCloseNames) {
    EXPECT_EQ(suggest("conv", {"conva", "convb", "conv2d"}), "conva");
    EXPECT_EQ(suggest("convx", {"xconvx", "conv"}), "xconvx");
    EXPECT_EQ(suggest("abcdef", {"abcdefgh", "abcdeg"}), "abcdeg");
}

TEST(Suggest, ManyCandidatesStayFast) {
    std::vector<std::string> names;
    for (int i = 0; i < 20000; i++) names.push_back("a" + std::to_string(i));
    NameIndex index(names);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; i++) {
        NameIndex::Best best = NameIndex::start("b" + std::to_string(i));
        index.search("b" + std::to_string(i), best);
        EXPECT_EQ(best.name, "a" + std::to_string(i));
    }
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
}

// Elaborates source text without a file, as the REPL does.
struct Source {
    SourceManager sources;
    std::ostringstream err;
    Diagnostics diag{sources, err};
    Program program{sources, diag, {}};
    int module = -1;
    explicit Source(const std::string &text) {
        module = program.load_text("test.net", text, ".");
        if (module >= 0) resolve_module(program, module);
    }
    std::unique_ptr<ir::Graph> network() {
        if (module < 0 || diag.has_errors()) return nullptr;
        return elaborate_network(program, *program.networks(module).at(0));
    }
};

TEST(Elaborate, LongConstantChainsDoNotRecurse) {
    // Evaluated recursively, each link took several frames on the C++ stack:
    // this chain overflowed 8 MiB.
    std::string text = "const c0 = 3\n";
    const int n = 60000;
    for (int k = 1; k < n; k++) text += "const c" + std::to_string(k) + " = c" + std::to_string(k - 1) + " + 1\n";
    text += "network net(x: f32[N, 8, 8, 3]) {\n  return conv2d(x, c" + std::to_string(n - 1) + " - " +
            std::to_string(n - 2) + ", 1)\n}\n";
    Source s(text);
    auto g = s.network();
    ASSERT_TRUE(g) << s.err.str();
    EXPECT_EQ(g->node(g->outputs.at(0)).shape.dims.back(), 4);
}

TEST(Elaborate, ComprehensionVariablesAreNotConstantsNeededFirst) {
    // `b` in a's comprehension is its loop variable, not the constant b, so
    // evaluating b's dependencies first must not see a cycle.
    Source s("const a = [b for b in range(2)]\nconst b = len(a) + 1\n"
             "network net(x: f32[N, 8, 8, 3]) {\n  return conv2d(x, b, 1)\n}\n");
    auto g = s.network();
    ASSERT_TRUE(g) << s.err.str();
    EXPECT_EQ(g->node(g->outputs.at(0)).shape.dims.back(), 3);
}

TEST(Elaborate, ConstantCyclesAreStillReported) {
    Source s("const b = c + 1\nconst c = b\n"
             "network net(x: f32[N, 8, 8, 3]) {\n  return conv2d(x, c, 1)\n}\n");
    EXPECT_FALSE(s.network());
    EXPECT_NE(s.err.str().find("test.net:2:7: error: constant 'c' is defined in terms of itself"), std::string::npos)
        << s.err.str();
}

}  // namespace
}  // namespace netc
