// Compares each stdlib network's IR with what the reference framework itself
// builds: every variable's name, shape and trainability, the output shape,
// every end point the framework reports, and the parameter totals. The
// reference dumps come from tests/oracle/dump_tf.py (TF-slim) and
// dump_torch.py (torchvision, names mapped to slim's style), written into
// $NETC_ORACLE_DIR by the CTest fixture before this test runs. A missing
// dump is a failure, never a skip.
#include "Elaborate.h"
#include "Program.h"
#include "Resolve.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace netc {
namespace {

struct Reference {
    std::map<std::string, std::pair<std::string, bool>> vars;  // name -> (shape, trainable)
    std::map<std::string, std::string> end_points;
    std::string output;
    int64_t total = -1, trainable = -1;
};

std::string join(const std::vector<int64_t> &dims, int64_t batch) {
    std::string s;
    for (size_t i = 0; i < dims.size(); i++) s += (i ? "," : "") + std::to_string(dims[i] == ir::kBatch ? batch : dims[i]);
    return s.empty() ? "-" : s;
}

bool load_reference(const std::string &path, Reference &ref, std::string &error) {
    std::ifstream in(path);
    if (!in) {
        error = "no reference dump at " + path + " (the oracle fixture did not run or failed)";
        return false;
    }
    for (std::string line; std::getline(in, line);) {
        std::istringstream w(line);
        std::string kind, a, b, c;
        w >> kind >> a >> b >> c;
        if (kind == "var") ref.vars[a] = {b, c == "trainable"};
        else if (kind == "endpoint") ref.end_points[a] = b;
        else if (kind == "output") ref.output = a;
        else if (kind == "total_params") ref.total = std::stoll(a);
        else if (kind == "trainable_params") ref.trainable = std::stoll(a);
    }
    if (ref.vars.empty()) {
        error = path + " lists no variables";
        return false;
    }
    return true;
}

struct NetCase {
    const char *net, *file;
};

void PrintTo(const NetCase &c, std::ostream *os) { *os << c.net; }

class Oracle : public ::testing::TestWithParam<NetCase> {};

TEST_P(Oracle, MatchesReferenceFramework) {
    const NetCase &c = GetParam();
    const char *dir = std::getenv("NETC_ORACLE_DIR");
    ASSERT_NE(dir, nullptr) << "NETC_ORACLE_DIR is not set; run through ctest";
    Reference ref;
    std::string error;
    ASSERT_TRUE(load_reference(std::string(dir) + "/" + c.net + ".txt", ref, error)) << error;

    SourceManager sources;
    std::ostringstream diag_text;
    Diagnostics diag(sources, diag_text);
    Program program(sources, diag, {NETC_STDLIB_DIR});
    int m = program.load_file(std::string(NETC_STDLIB_DIR) + "/" + c.file);
    ASSERT_GE(m, 0) << diag_text.str();
    ASSERT_TRUE(resolve_module(program, m)) << diag_text.str();
    const ast::Decl *decl = program.lookup(m, c.net);
    ASSERT_NE(decl, nullptr) << c.file << " does not define " << c.net;
    auto g = elaborate_network(program, *decl);
    ASSERT_NE(g, nullptr) << diag_text.str();

    std::map<std::string, std::pair<std::string, bool>> ours;
    for (auto &n : g->nodes)
        for (auto &p : n.params) ours[p.name] = {join(p.shape, 1), p.trainable};
    std::ostringstream diff;
    int problems = 0;
    for (auto &[name, want] : ref.vars) {
        auto it = ours.find(name);
        if (it == ours.end()) {
            if (problems++ < 25) diff << "  missing: " << name << " " << want.first << "\n";
        } else if (it->second != want) {
            if (problems++ < 25)
                diff << "  differs: " << name << " netc " << it->second.first << (it->second.second ? "" : " (stat)")
                     << ", reference " << want.first << (want.second ? "" : " (stat)") << "\n";
        }
    }
    for (auto &[name, got] : ours)
        if (!ref.vars.count(name) && problems++ < 25) diff << "  extra: " << name << " " << got.first << "\n";
    EXPECT_EQ(problems, 0) << c.net << ": variables differ from the reference:\n" << diff.str();

    EXPECT_EQ(join(g->node(g->outputs.at(0)).shape.dims, 1), ref.output) << "output shape at batch 1";
    EXPECT_EQ(g->total_params(), ref.total);
    EXPECT_EQ(g->trainable_params(), ref.trainable);

    // Every end point the framework reports must exist with the same shape,
    // found by its key or as the op of that scope path.
    std::ostringstream eps;
    int ep_problems = 0;
    for (auto &[key, shape] : ref.end_points) {
        int node = -1;
        for (auto &ep : g->end_points)
            if (ep.name == key) node = ep.node;
        if (node < 0) node = g->find(key);
        if (node < 0) {
            if (ep_problems++ < 25) eps << "  missing end point " << key << " " << shape << "\n";
        } else if (join(g->node(node).shape.dims, 1) != shape) {
            if (ep_problems++ < 25)
                eps << "  end point " << key << ": netc " << join(g->node(node).shape.dims, 1) << ", reference "
                    << shape << "\n";
        }
    }
    EXPECT_EQ(ep_problems, 0) << c.net << ":\n" << eps.str();
}

const NetCase kNets[] = {
    {"resnet_v1_18", "resnet_v1.net"},   {"resnet_v1_34", "resnet_v1.net"},   {"resnet_v1_50", "resnet_v1.net"},
    {"resnet_v1_101", "resnet_v1.net"},  {"resnet_v1_152", "resnet_v1.net"},  {"resnet_v2_50", "resnet_v2.net"},
    {"resnet_v2_101", "resnet_v2.net"},  {"resnet_v2_152", "resnet_v2.net"},  {"resnet_v2_200", "resnet_v2.net"},
    {"mobilenet_v2", "mobilenet_v2.net"}, {"inception_v3", "inception_v3.net"}, {"vgg_a", "vgg.net"},
    {"vgg_16", "vgg.net"},               {"vgg_19", "vgg.net"},               {"alexnet_v2", "alexnet.net"},
};

INSTANTIATE_TEST_SUITE_P(Stdlib, Oracle, ::testing::ValuesIn(kNets),
                         [](const ::testing::TestParamInfo<NetCase> &i) { return std::string(i.param.net); });

}  // namespace
}  // namespace netc
