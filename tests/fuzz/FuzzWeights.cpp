// Fuzz harness (d): a weight file read and checked against a network's
// variables, as `netc run --weights` and the REPL's :weights load do
// (weights_net.net: every kind of variable netc makes). Besides crashes and
// sanitizer reports, a finding is an error other than rt::IOError, or
// weights accepted that are not exactly the network's variables with their
// shapes and values.
#include "Elaborate.h"
#include "FuzzUtil.h"
#include "Program.h"
#include "Resolve.h"
#include "Weights.h"
#include "Zip.h"

#include <cstring>
#include <iostream>
#include <sstream>

using namespace netc;

namespace {

std::unique_ptr<ir::Graph> graph;

void load_network() {
    SourceManager sources;
    Diagnostics diag(sources, std::cerr);
    Program program(sources, diag, {NETC_STDLIB_DIR});
    int m = program.load_file(NETC_FUZZ_DIR "/weights_net.net");
    if (m < 0 || !resolve_module(program, m) || !(graph = elaborate_network(program, *program.networks(m).at(0))))
        fuzz::finding("cannot build " NETC_FUZZ_DIR "/weights_net.net");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    load_network();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rt::NamedArrays arrays;
    weights::WeightMap w;
    try {
        arrays = rt::detail::parse_npz(data, size, "fuzz.npz");
        rt::NamedArrays given = arrays;
        w = weights::bind_weights(*graph, std::move(given), "fuzz.npz");
    } catch (const rt::IOError &) {
        return 0;
    }
    size_t variables = 0;
    for (const ir::Node &n : graph->nodes)
        for (const ir::Param &p : n.params) {
            variables++;
            auto it = w.find(p.name);
            if (it == w.end()) fuzz::finding("accepted weights without '" + p.name + "'");
            if (it->second.shape != p.shape || it->second.data.size() != size_t(p.count()))
                fuzz::finding("accepted '" + p.name + "' of shape " + it->second.shape_str());
            for (auto &[name, a] : arrays)
                if (name == p.name && (a.data.size() != it->second.data.size() ||
                                       (!a.data.empty() &&
                                        std::memcmp(a.data.data(), it->second.data.data(), a.data.size() * 4) != 0)))
                    fuzz::finding("'" + p.name + "' changed its values");
        }
    if (w.size() != variables || arrays.size() != variables)
        fuzz::finding("accepted " + std::to_string(arrays.size()) + " tensors for " + std::to_string(variables) +
                      " variables");
    return 0;
}
