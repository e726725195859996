// Binding files to a network's inputs and outputs, shared by `netc run` and
// the REPL's :run: one array per input, named by the signature (a network
// of one input takes a bare file), so no input is ever fed another's data.
#include "Execute.h"

#include "JitNetwork.h"

#include <fstream>
#include <random>
#include <set>

namespace netc::exec {

namespace {

std::string names_of(const ir::Graph &g, const std::vector<int> &nodes, const std::vector<std::string> *names) {
    std::string s;
    for (size_t k = 0; k < nodes.size(); k++)
        s += (k ? ", " : "") + (names ? (*names)[k] : g.node(nodes[k]).name);
    return s;
}

}  // namespace

NamedFile named_file(const std::string &spec) {
    NamedFile f;
    f.spec = spec;
    size_t eq = spec.find('=');
    // NAME=FILE; a path with '=' in a directory part stays a plain file.
    if (eq != std::string::npos && eq > 0 && spec.find('/') > eq) {
        f.name = spec.substr(0, eq);
        f.file = spec.substr(eq + 1);
    } else {
        f.file = spec;
    }
    return f;
}

void check_input(const ir::Graph &g, int k, const rt::Array &x, const std::string &file, const std::string &resize) {
    const ir::Shape &want = g.node(g.inputs[k]).shape;
    std::string which = g.inputs.size() > 1 ? " input '" + g.node(g.inputs[k]).name + "'" : "";
    if (x.shape.size() != want.dims.size() || x.shape[0] < 1 ||
        !std::equal(want.dims.begin() + 1, want.dims.end(), x.shape.begin() + 1))
        throw rt::IOError(file + ": input has shape " + x.shape_str() + "; network '" + g.name + "'" + which +
                          " expects " + want.str(g.batch_symbol) +
                          (want.rank() == 4 ? " (" + resize + " runs it at another size)" : ""));
    if (x.shape[0] > (1 << 20))
        throw rt::IOError(file + ": batch of " + std::to_string(x.shape[0]) + " is too large");
}

rt::Array read_input(const ir::Graph &g, int k, const std::string &file, const std::string &resize) {
    rt::Array x;
    try {
        x = rt::read_npy(file);
    } catch (const rt::IOError &e) {
        // A file that is not there says so; one netc cannot use says what would do.
        if (!std::ifstream(file)) throw;
        throw rt::IOError(std::string(e.what()) + " (network '" + g.name + "' takes a float32 array of shape " +
                          g.node(g.inputs[k]).shape.str(g.batch_symbol) + ")");
    }
    check_input(g, k, x, file, resize);
    return x;
}

std::vector<rt::Array> read_inputs(const ir::Graph &g, const std::vector<NamedFile> &files, int64_t batch,
                                   const std::string &resize, std::ostream &note) {
    const size_t n = g.inputs.size();
    std::vector<rt::Array> xs(n);
    if (files.empty()) {
        for (size_t k = 0; k < n; k++) {
            xs[k].shape = g.node(g.inputs[k]).shape.dims;
            xs[k].shape[0] = std::max<int64_t>(1, batch);
            xs[k].data = random_input(xs[k].size());
            note << "netc: no input given; using a pseudo-random " << xs[k].shape_str()
                 << (n > 1 ? " array for '" + g.node(g.inputs[k]).name + "'" : std::string(" image")) << "\n";
        }
        return xs;
    }
    std::vector<std::string> from(n);
    for (auto &f : files) {
        size_t k = n;
        if (f.name.empty()) {
            if (n != 1)
                throw rt::IOError(f.spec + ": network '" + g.name + "' has " + std::to_string(n) +
                                  " inputs (" + names_of(g, g.inputs, nullptr) + "): give each as NAME=FILE");
            k = 0;
        } else {
            for (size_t i = 0; i < n; i++)
                if (g.node(g.inputs[i]).name == f.name) k = i;
            if (k == n)
                throw rt::IOError(f.spec + ": network '" + g.name + "' has no input '" + f.name + "' (its inputs: " +
                                  names_of(g, g.inputs, nullptr) + ")");
        }
        if (!from[k].empty()) throw rt::IOError(f.spec + ": input '" + g.node(g.inputs[k]).name + "' is given twice");
        from[k] = f.file;
        xs[k] = read_input(g, static_cast<int>(k), f.file, resize);
    }
    for (size_t k = 0; k < n; k++)
        if (from[k].empty())
            throw rt::IOError("network '" + g.name + "' input '" + g.node(g.inputs[k]).name + "' is not given (" +
                              g.node(g.inputs[k]).shape.str(g.batch_symbol) + "): add NAME=FILE for it");
    for (size_t k = 1; k < n; k++)
        if (xs[k].shape[0] != xs[0].shape[0])
            throw rt::IOError(from[k] + ": holds " + std::to_string(xs[k].shape[0]) + " images but " + from[0] +
                              " holds " + std::to_string(xs[0].shape[0]) + ": every input needs the same batch");
    return xs;
}

std::vector<std::string> output_files(const ir::Graph &g, const std::vector<NamedFile> &specs) {
    const size_t n = g.outputs.size();
    std::vector<std::string> files(n);
    for (auto &f : specs) {
        size_t k = n;
        if (f.name.empty()) {
            if (n != 1)
                throw rt::IOError(f.spec + ": network '" + g.name + "' has " + std::to_string(n) + " outputs (" +
                                  names_of(g, g.outputs, &g.output_names) + "): write each as -o NAME=FILE");
            k = 0;
        } else {
            for (size_t i = 0; i < n; i++)
                if (g.output_names[i] == f.name) k = i;
            if (k == n)
                throw rt::IOError(f.spec + ": network '" + g.name + "' has no output '" + f.name + "' (its outputs: " +
                                  names_of(g, g.outputs, &g.output_names) + ")");
        }
        if (!files[k].empty()) throw rt::IOError(f.spec + ": output '" + g.output_names[k] + "' is written twice");
        files[k] = f.file;
    }
    return files;
}

std::vector<std::vector<float>> random_inputs(const jit::JitNetwork &net, int batch) {
    std::vector<std::vector<float>> xs;
    for (int k = 0; k < net.inputs(); k++) xs.push_back(random_input(net.input_size(k, batch)));
    return xs;
}

}  // namespace netc::exec
