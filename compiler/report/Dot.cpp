#include "Dot.h"

#include <map>
#include <string>
#include <vector>

namespace netc {

namespace {

std::string escape(const std::string &s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string parent_of(const std::string &path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Scope tree: each scope holds its direct nodes and child scopes.
struct ScopeTree {
    std::vector<int> nodes;
    std::map<std::string, ScopeTree> children;
};

void emit(std::ostream &out, const ir::Graph &g, const ScopeTree &t, const std::string &path, int depth,
          int &cluster) {
    std::string indent(2 * depth, ' ');
    for (auto &kv : t.children) {
        out << indent << "subgraph cluster_" << cluster++ << " {\n";
        out << indent << "  label=\"" << escape(kv.first) << "\";\n";
        emit(out, g, kv.second, path.empty() ? kv.first : path + "/" + kv.first, depth + 1, cluster);
        out << indent << "}\n";
    }
    for (int id : t.nodes) {
        const ir::Node &n = g.node(id);
        std::string leaf = n.name.substr(n.name.rfind('/') + 1);
        out << indent << "n" << id << " [label=\"" << escape(leaf) << "\\n" << ir::op_name(n.op) << " "
            << n.shape.str(g.batch_symbol) << "\"];\n";
    }
}

}  // namespace

void print_dot(std::ostream &out, const ir::Graph &g) {
    out << "digraph \"" << escape(g.name) << "\" {\n  rankdir=TB;\n  node [shape=box, fontsize=10];\n";
    ScopeTree root;
    for (auto &n : g.nodes) {
        ScopeTree *t = &root;
        std::string parent = parent_of(n.name);
        size_t b = 0;
        while (!parent.empty() && b <= parent.size()) {
            size_t e = parent.find('/', b);
            if (e == std::string::npos) e = parent.size();
            t = &t->children[parent.substr(b, e - b)];
            b = e + 1;
        }
        t->nodes.push_back(n.id);
    }
    int cluster = 0;
    emit(out, g, root, "", 1, cluster);
    for (auto &n : g.nodes)
        for (int in : n.inputs) out << "  n" << in << " -> n" << n.id << ";\n";
    out << "}\n";
}

}  // namespace netc
