#include "TuningTable.h"

#include "KernelCache.h"
#include "Npy.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace netc::tune {

std::optional<std::string> TuningTable::find(const std::string &signature) const {
    auto it = entries_.find(signature);
    if (it == entries_.end()) return std::nullopt;
    return it->second.schedule;
}

void TuningTable::set(const std::string &signature, const std::string &schedule, double us) {
    entries_[signature] = {schedule, us};
}

TuningTable TuningTable::read(const std::string &path) {
    TuningTable t;
    std::ifstream f(path);
    if (!f) return t;
    std::string line;
    int n = 0;
    while (std::getline(f, line)) {
        n++;
        if (line.empty() || line[0] == '#') continue;
        size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
        char *end = nullptr;
        double us = b == std::string::npos ? 0 : std::strtod(line.c_str() + b + 1, &end);
        if (b == std::string::npos || a == 0 || b == a + 1 || !end || *end || us < 0)
            throw rt::IOError(path + ":" + std::to_string(n) +
                              ": not a tuning entry (SIGNATURE, SCHEDULE and MICROSECONDS separated by tabs)");
        t.set(line.substr(0, a), line.substr(a + 1, b - a - 1), us);
    }
    return t;
}

void TuningTable::write(const std::string &path, const std::string &header) const {
    for (size_t i = 1; i < path.size(); i++)
        if (path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
    std::string tmp = path + ".tmp" + std::to_string(getpid());
    {
        std::ofstream f(tmp);
        std::istringstream h(header);
        for (std::string line; std::getline(h, line);) f << "# " << line << "\n";
        for (auto &kv : entries_) f << kv.first << "\t" << kv.second.schedule << "\t" << kv.second.us << "\n";
        if (!f) {
            std::remove(tmp.c_str());
            throw rt::IOError("cannot write " + path);
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw rt::IOError("cannot write " + path);
    }
}

std::string TuningTable::cpu_description() {
    std::ifstream f("/proc/cpuinfo");
    std::string line, model, family, cpu_model, stepping;
    auto value = [](const std::string &l) {
        size_t c = l.find(':');
        std::string v = c == std::string::npos ? "" : l.substr(c + 1);
        while (!v.empty() && v.front() == ' ') v.erase(v.begin());
        return v;
    };
    while (std::getline(f, line) && !line.empty()) {
        if (line.rfind("model name", 0) == 0) model = value(line);
        else if (line.rfind("cpu family", 0) == 0) family = value(line);
        else if (line.rfind("model", 0) == 0) cpu_model = value(line);
        else if (line.rfind("stepping", 0) == 0) stepping = value(line);
    }
    std::string l2;
    std::ifstream c("/sys/devices/system/cpu/cpu0/cache/index2/size");
    if (c) std::getline(c, l2);
    return (model.empty() ? "unknown CPU" : model) + " (family " + family + " model " + cpu_model + " stepping " +
           stepping + ", L2 " + (l2.empty() ? "?" : l2) + ")";
}

std::string TuningTable::default_path(const Halide::Target &t) {
    if (const char *p = getenv("NETC_TUNING"); p && *p) return p;
    const std::string &dir = jit::KernelCache::instance().dir();
    if (dir.empty()) return "";
    // Tunings outlive netc builds: schedules are stored as text and
    // checked before use.
    std::string target = t.without_feature(Halide::Target::JIT).to_string();
    return dir + "/tuning/" + jit::KernelCache::hash_hex(cpu_description() + "\n" + target, 8) + ".tune";
}

TuningTable load_tuning(const std::string &explicit_path, const Halide::Target &t) {
    if (!explicit_path.empty()) {
        std::ifstream probe(explicit_path);
        if (!probe) throw rt::IOError(explicit_path + ": cannot read the tuning file");
        return TuningTable::read(explicit_path);
    }
    std::string path = TuningTable::default_path(t);
    if (path.empty()) return TuningTable();
    try {
        return TuningTable::read(path);
    } catch (const rt::IOError &e) {
        // The automatic table is a cache: a damaged one costs speed, not the run.
        static bool warned = false;
        if (!warned) std::fprintf(stderr, "netc: warning: ignoring the tuning table: %s\n", e.what());
        warned = true;
        return TuningTable();
    }
}

}  // namespace netc::tune
