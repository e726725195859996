// The REPL in-process: when typed text is complete, what a session keeps
// after errors and redefinitions, and what Tab offers. The scripted sessions
// and the terminal test are in tests/repl/.
#include "Parser.h"
#include "Repl.h"

#include <gtest/gtest.h>

#include <sstream>

namespace netc::repl {
namespace {

TEST(ReplInput, WaitsForOpenBodiesAndTrailingOperators) {
    EXPECT_FALSE(needs_more_input("const a = 1\n"));
    EXPECT_FALSE(needs_more_input("\n"));
    EXPECT_FALSE(needs_more_input("// only a comment\n"));
    EXPECT_TRUE(needs_more_input("network n(x: f32[N, 8, 8, 3]) {\n"));
    EXPECT_TRUE(needs_more_input("network n(x: f32[N, 8, 8, 3])\n"));  // the body may start on the next line
    EXPECT_TRUE(needs_more_input("const a = 1 +\n"));
    EXPECT_TRUE(needs_more_input("const blocks = [(1, 2),\n"));
    EXPECT_TRUE(needs_more_input("/* a comment\n"));
    EXPECT_FALSE(needs_more_input("network n(x: f32[N, 8, 8, 3]) {\n  return x\n}\n"));
}

TEST(ReplInput, ReportsAnErrorOnceTheBodyCloses) {
    // Not at the end: an error now, but the body is still open.
    EXPECT_TRUE(needs_more_input("unit u(x) {\n  y = f(x\n  return y\n"));
    EXPECT_FALSE(needs_more_input("unit u(x) {\n  y = f(x\n  return y\n}\n"));
    // An error outside any body is reported at once.
    EXPECT_FALSE(needs_more_input("const a = )\n"));
    EXPECT_FALSE(needs_more_input("const s = \"open\n"));
}

// Repl::feed asks needs_more_input only when a line may have completed the
// text (see Repl::Open); its answer must still be the parser's at every
// line, whatever strings, comments and braces the lines hold.
TEST(ReplInput, FeedAgreesWithTheParserAtEveryLine) {
    const std::vector<std::string> lines = {
        "network n(x: f32[N, 4, 4, 2]) {", "  y = \"}{\" // {", "  return x", "}", "}}", "{", "unit u(x) {",
        "/* open {", "still a comment }", "*/ const a = 1", "x /* c */ {", "/*/ not closed", "# a comment }",
        "const s = \"a\\\"}\"", "const t = \"open {", "const b = 1 +", "  2", "  z = [1,", "  2]", "// }",
        "a\r}", "\r", "const c = \"x\\", "", "  ", "return {"};
    uint64_t rng = 12345;
    for (int run = 0; run < 400; run++) {
        std::ostringstream out, err;
        Repl repl(out, err, false);
        std::string pending;
        for (int k = 0; k < 14; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            const std::string &line = lines[(rng >> 33) % lines.size()];
            bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
            if (pending.empty() && blank) continue;  // feed() skips it
            pending += line + "\n";
            bool want = needs_more_input(pending);
            repl.feed(line);
            ASSERT_EQ(repl.continuing(), want) << "after:\n" << pending;
            if (!want) pending.clear();
        }
    }
}

struct Session {
    std::ostringstream out, err;
    Repl repl{out, err, false};
    void feed(const std::string &text) {
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) repl.feed(line);
    }
};

TEST(Repl, KeepsItsStateAfterAnError) {
    Session s;
    s.feed("const a = 2\nconst a = zz + 1\n:shape a * 10\n");
    EXPECT_EQ(s.repl.failures(), 1);
    EXPECT_NE(s.err.str().find("<input-2>:1:11: error: unknown name 'zz'\nconst a = zz + 1\n          ^~\n"),
              std::string::npos)
        << s.err.str();
    EXPECT_NE(s.out.str().find("\n20\n"), std::string::npos) << s.out.str();
}

TEST(Repl, RedefinitionRebindsTheNetworksThatUseAName) {
    Session s;
    s.feed("const width = 4\n"
           "network n(x: f32[N, 8, 8, 3]) {\n  return conv2d(x, width, 3)\n}\n"
           "const width = 6\n:shape n\n");
    EXPECT_EQ(s.repl.failures(), 0) << s.err.str();
    EXPECT_NE(s.out.str().find("redefined const width = 6"), std::string::npos);
    EXPECT_NE(s.out.str().find("n: x [N, 8, 8, 3] -> [N, 8, 8, 6]"), std::string::npos) << s.out.str();
}

TEST(Repl, AnUnfinishedDefinitionAtTheEndIsAnError) {
    Session s;
    s.feed("network n(x: f32[N, 8, 8, 3]) {\n  return x\n");
    EXPECT_TRUE(s.repl.continuing());
    s.repl.finish();
    EXPECT_EQ(s.repl.failures(), 1);
    EXPECT_NE(s.err.str().find("ended inside a definition"), std::string::npos);
}

TEST(Repl, CompletesCommandsNamesAndArguments) {
    Session s;
    s.feed("network tiny(x: f32[N, 8, 8, 3]) {\n  return x\n}\nconst tint = 1\n");
    size_t start = 0;
    EXPECT_EQ(s.repl.complete(":sum", start), std::vector<std::string>{":summary"});
    EXPECT_EQ(start, 0u);
    EXPECT_EQ(s.repl.complete(":run t", start), std::vector<std::string>{"tiny"});
    EXPECT_EQ(start, 5u);
    EXPECT_EQ(s.repl.complete(":emit tiny s", start), std::vector<std::string>{"stmt"});
    EXPECT_EQ(s.repl.complete("const b = ti", start), (std::vector<std::string>{"tint", "tiny"}));
    EXPECT_EQ(start, 10u);
    auto ops = s.repl.complete("  x = conv", start);
    EXPECT_NE(std::find(ops.begin(), ops.end(), "conv2d"), ops.end());
}

}  // namespace
}  // namespace netc::repl
