// `netc import MODEL.onnx -o MODEL.net`: the importer (compiler/import)
// writes the program; the driver then checks it with netc's own front end
// and binds the weights to the variables it declares, so an importer that
// named a variable wrongly fails here, not at a user's first run.
#include "Driver.h"

#include "Importer.h"
#include "OnnxModel.h"
#include "Weights.h"

#include <fstream>
#include <iostream>

namespace netc {

namespace {

// "NAME=1x3x224x224"
std::pair<std::string, std::vector<int64_t>> input_shape(const std::string &spec) {
    size_t eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0) throw rt::IOError("--input-shape needs NAME=DIMS, e.g. input=1x3x224x224");
    std::vector<int64_t> dims;
    std::string rest = spec.substr(eq + 1);
    size_t b = 0;
    while (b <= rest.size()) {
        size_t e = rest.find('x', b);
        if (e == std::string::npos) e = rest.size();
        std::string d = rest.substr(b, e - b);
        char *end = nullptr;
        long long v = d.empty() || d.size() > 9 ? 0 : std::strtoll(d.c_str(), &end, 10);
        if (v < 1 || !end || *end) throw rt::IOError("--input-shape " + spec + ": '" + d + "' is not a positive size");
        dims.push_back(v);
        b = e + 1;
    }
    return {spec.substr(0, eq), dims};
}

}  // namespace

int Driver::import_command() {
    if (opt_.output.empty()) {
        err_ << "netc: error: 'import' needs -o MODEL.net\n";
        return kExitUsage;
    }
    std::string weights = opt_.weights;
    if (weights.empty()) {
        std::string base = opt_.output;
        if (base.size() > 4 && base.compare(base.size() - 4, 4, ".net") == 0) base.resize(base.size() - 4);
        weights = base + ".npz";
    }
    import::ImportOptions o;
    o.source = opt_.file;
    o.network = opt_.entry;
    for (auto &s : opt_.input_shapes) o.input_shapes.insert(input_shape(s));
    stage("read the model");
    import::OnnxModel model = import::load_onnx(opt_.file, o.input_shapes);
    stage("translate");
    import::ImportResult r = import::import_model(model, o);
    {
        std::ofstream f(opt_.output);
        f << r.program;
        if (!f) throw rt::IOError("cannot write " + opt_.output);
    }
    // The program as netc reads it, and its variables against the weights.
    stage("check the program");
    int m = program_.load_file(opt_.output);
    if (m < 0 || !resolve()) {
        fail();
        throw InternalError("the imported program " + opt_.output + " does not check (above)");
    }
    const ast::Decl *net = program_.lookup(m, r.network);
    std::unique_ptr<ir::Graph> g = net ? elaborate(*net, m) : nullptr;
    if (!g) {
        fail();
        throw InternalError("the imported network '" + r.network + "' does not elaborate (above)");
    }
    weights::WeightMap w;
    try {
        w = weights::bind_weights(*g, r.weights, weights);
    } catch (const rt::IOError &e) {
        throw InternalError(std::string("the importer's weights do not fit its program: ") + e.what());
    }
    stage("write weights");
    rt::write_npz(weights, weights::in_graph_order(*g, w));
    out_ << opt_.output << ": network " << r.network << ", " << r.statements << " statements from " << r.nodes
         << " ONNX nodes\n"
         << weights << ": " << w.size() << " tensors, " << g->total_params() << " values\n";
    return kExitOk;
}

}  // namespace netc
