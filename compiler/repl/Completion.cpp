// Tab completion: command names, then what each command's argument can be
// (networks, emit kinds, files); in source text, every name in scope.
#include "Repl.h"

#include "Builtins.h"

#include <algorithm>
#include <filesystem>

namespace netc::repl {

namespace {

const std::vector<std::string> kKeywords = {
    "import", "const", "arg_scope", "unit", "inline", "network", "scope", "with", "return", "if",
    "then", "else", "for", "in", "and", "or", "not", "true", "false", "none", "end_points",
};

bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Files and directories whose names begin like `word`; files only with one
// of `exts` (any when empty).
std::vector<std::string> files(const std::string &word, const std::vector<std::string> &exts) {
    namespace fs = std::filesystem;
    size_t slash = word.rfind('/');
    std::string dir = slash == std::string::npos ? "" : word.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? word : word.substr(slash + 1);
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind(base, 0) != 0 || (name[0] == '.' && base.empty())) continue;
        bool is_dir = it->is_directory(ec);
        std::string ext = it->path().extension().string();
        if (!is_dir && !exts.empty() && std::find(exts.begin(), exts.end(), ext) == exts.end()) continue;
        out.push_back(dir + name + (is_dir ? "/" : ""));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::vector<std::string> Repl::complete(const std::string &before, size_t &start) const {
    auto keep = [](std::vector<std::string> all, const std::string &prefix) {
        all.erase(std::remove_if(all.begin(), all.end(), [&](const std::string &s) { return s.rfind(prefix, 0) != 0; }),
                  all.end());
        std::sort(all.begin(), all.end());
        all.erase(std::unique(all.begin(), all.end()), all.end());
        return all;
    };
    size_t first = before.find_first_not_of(" \t");
    if (!pending_.empty() || first == std::string::npos || before[first] != ':') {
        // Source text: the identifier before the cursor.
        start = before.size();
        while (start > 0 && is_ident(before[start - 1])) start--;
        std::vector<std::string> all = session_.visible_names();
        for (auto &n : builtin_names()) all.push_back(n);
        all.insert(all.end(), kKeywords.begin(), kKeywords.end());
        return keep(all, before.substr(start));
    }
    std::vector<Word> words = split(before, first);
    bool fresh = std::isspace(static_cast<unsigned char>(before.back()));
    size_t index = fresh ? words.size() : words.size() - 1;
    std::string word = fresh ? "" : words.back().text;
    start = fresh ? before.size() : words.back().begin;
    std::vector<std::string> names;
    for (auto &c : commands()) names.push_back(c.name);
    if (index == 0) return keep(names, word);

    std::vector<std::string> candidates;
    const Command *c = find_command(words[0].text, candidates);
    if (!c) return {};
    const std::string cmd = c->name;
    const std::string prev = words[index - 1].text;
    if (prev == "-o") return files(word, {});
    if (cmd == ":help" && index == 1) {
        for (auto &n : names) n = n.substr(1);
        return keep(names, word);
    }
    if (cmd == ":load" && index == 1) return files(word, {".net"});
    if (cmd == ":show" && index == 1) return keep(session_.visible_names(), word);
    bool net_first = cmd == ":summary" || cmd == ":shape" || cmd == ":emit" || cmd == ":run" || cmd == ":bench" ||
                     cmd == ":train";
    if (net_first && index == 1) return keep(session_.network_names(), word);
    if (cmd == ":emit" && index == 2) return keep({"ir", "dot", "plan", "halide", "stmt", "asm"}, word);
    if (cmd == ":emit" && index == 3) return keep({"-o"}, word);
    if (cmd == ":run" && index >= 2) {
        std::vector<std::string> all = index == 2 ? files(word, {".npy"}) : std::vector<std::string>{};
        for (const char *o : {"-o", "batch="}) all.push_back(o);
        return keep(all, word);
    }
    if (cmd == ":bench" && index >= 2) return keep({"backward", "batch=", "steps=", "burn_in="}, word);
    if (cmd == ":summary" && index == 2) return keep({"batch="}, word);
    if (cmd == ":train" && index >= 2)
        return keep({"data=", "validation=", "epochs=", "batch=", "steps=", "lr=", "optimizer=", "momentum=", "seed=",
                     "resume=", "-o"},
                    word);
    if (cmd == ":weights") {
        if (index == 1) return keep({"random", "load", "save"}, word);
        if (words[1].text == "load" && index == 2) return files(word, {".npz"});
        if (words[1].text == "save" && index == 2) return keep(session_.network_names(), word);
        if (words[1].text == "save" && index == 3) return files(word, {".npz"});
    }
    if (cmd == ":target" && index == 1)
        return keep({"host", "host-cuda", "x86-64-linux", "x86-64-linux-avx2", "x86-64-linux-avx512"}, word);
    return {};
}

}  // namespace netc::repl
