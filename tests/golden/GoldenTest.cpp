// Golden-file tests in the style of MLIR's Toy tutorial: each case is a .net
// file whose first line may say how to run netc (`// RUN: summary --entry x`),
// and a file beside it holds the exact expected output:
//   parser/*.net      -> *.ast       (netc FILE --emit=ast)
//   ir/*.net          -> *.ir        (netc FILE --emit=ir)
//   plan/*.net        -> *.plan      (netc FILE --emit=plan: steps, fusion, borders)
//   diagnostics/*.net -> *.expected  (stderr of `netc check FILE`, exit 1)
// NETC_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing;
// review the diff before committing it.
#include "Driver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

struct Case {
    std::string suite, name;  // "parser", "resnet_block"
    std::string source, expected;
};

// How gtest and CTest show a case.
void PrintTo(const Case &c, std::ostream *os) { *os << c.suite << "/" << c.name << ".net"; }

std::string read(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<Case> cases() {
    static const std::pair<const char *, const char *> kinds[] = {
        {"parser", ".ast"}, {"ir", ".ir"}, {"plan", ".plan"}, {"diagnostics", ".expected"}};
    std::vector<Case> out;
    for (auto [suite, ext] : kinds) {
        fs::path dir = fs::path(NETC_TESTS_DIR) / suite;
        if (!fs::is_directory(dir)) continue;
        for (auto &e : fs::directory_iterator(dir)) {
            if (e.path().extension() != ".net") continue;
            Case c{suite, e.path().stem().string(), e.path().string(), ""};
            c.expected = (dir / (c.name + ext)).string();
            out.push_back(c);
        }
    }
    std::sort(out.begin(), out.end(), [](const Case &a, const Case &b) { return a.source < b.source; });
    return out;
}

// The words after "// RUN:" on the first line, else the suite's default.
std::vector<std::string> command_for(const Case &c) {
    std::string first = read(c.source);
    first = first.substr(0, first.find('\n'));
    std::vector<std::string> args;
    const std::string tag = "// RUN:";
    if (first.rfind(tag, 0) == 0) {
        std::istringstream words(first.substr(tag.size()));
        for (std::string w; words >> w;) args.push_back(w);
    } else if (c.suite == "parser") {
        args = {"--emit=ast"};
    } else if (c.suite == "ir") {
        args = {"--emit=ir"};
    } else if (c.suite == "plan") {
        args = {"--emit=plan"};
    } else {
        args = {"check"};
    }
    return args;
}

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, MatchesExpectedOutput) {
    const Case &c = GetParam();
    // Paths in messages are relative to tests/, as a user would type them.
    std::string rel = c.suite + "/" + c.name + ".net";
    std::vector<std::string> words = command_for(c);
    bool is_command = !words.empty() && words[0].rfind("-", 0) != 0;
    std::vector<std::string> argv_s{"netc"};
    if (is_command) argv_s.push_back(words[0]);
    argv_s.push_back(rel);
    argv_s.insert(argv_s.end(), words.begin() + (is_command ? 1 : 0), words.end());
    std::vector<char *> argv;
    for (auto &s : argv_s) argv.push_back(s.data());

    fs::path old = fs::current_path();
    fs::current_path(NETC_TESTS_DIR);
    std::ostringstream out, err;
    int code = netc::run_netc(static_cast<int>(argv.size()), argv.data(), out, err);
    fs::current_path(old);

    bool diag = c.suite == "diagnostics";
    std::string actual = diag ? err.str() : out.str();
    if (diag) {
        EXPECT_EQ(code, 1) << "a user error must exit with 1\n" << err.str();
    } else {
        EXPECT_EQ(code, 0) << err.str();
    }
    if (std::getenv("NETC_UPDATE_GOLDEN")) {
        std::ofstream(c.expected, std::ios::binary) << actual;
        return;
    }
    ASSERT_TRUE(fs::exists(c.expected)) << "missing " << c.expected << " (run with NETC_UPDATE_GOLDEN=1)";
    EXPECT_EQ(actual, read(c.expected)) << "for " << rel;
}

std::string case_name(const ::testing::TestParamInfo<Case> &info) {
    std::string n = info.param.suite + "_" + info.param.name;
    for (char &ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(Files, Golden, ::testing::ValuesIn(cases()), case_name);

}  // namespace
