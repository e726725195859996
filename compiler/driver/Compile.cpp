// The driver's ahead-of-time command: `netc FILE.net -o NAME.o` runs the
// front end, build_plan, then per code variant network_module (lower every
// step, embed the constants, build the entry), and write_outputs (one LLVM
// module with the C ABI, emitted as an object and a header).
#include "Driver.h"

#include "CAbi.h"
#include "Dot.h"
#include "NetworkModule.h"
#include "Npy.h"
#include "Plan.h"
#include "WriteObject.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <set>

namespace netc {

namespace {

// Features are not implied in Halide 14: each string lists them all.
const char *const kPortable[] = {
    "x86-64-linux-sse41-avx-f16c-fma-avx2-avx512-avx512_skylake",
    "x86-64-linux-sse41-avx-f16c-fma-avx2",
    "x86-64-linux-sse41",
};

}  // namespace

bool is_c_identifier(const std::string &s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

// host, portable (AVX-512, AVX2, SSE4.1 chosen at run time), or Halide target
// strings separated by commas, best first.
std::vector<Halide::Target> Driver::aot_targets() const {
    std::vector<Halide::Target> out;
    std::string list = opt_.target;
    size_t b = 0;
    while (b <= list.size()) {
        size_t e = list.find(',', b);
        if (e == std::string::npos) e = list.size();
        std::string t = list.substr(b, e - b);
        b = e + 1;
        if (t == "portable") {
            for (const char *p : kPortable) out.emplace_back(p);
        } else if (t == "host") {
            out.push_back(Halide::get_host_target());
        } else if (Halide::Target::validate_target_string(t)) {
            out.emplace_back(t);
        } else {
            throw rt::IOError("--target: '" + t + "' is not 'host', 'portable' or a Halide target string");
        }
    }
    for (auto &t : out) {
        if (t.has_gpu_feature() && !t.has_feature(Halide::Target::CUDA))
            throw rt::IOError("--target " + t.to_string() + ": of the GPU targets netc supports CUDA only");
        if (t.os != Halide::Target::Linux)
            throw rt::IOError("--target " + t.to_string() + ": netc writes ELF objects for Linux only");
    }
    return out;
}

// NAME.o, NAME.h and what --emit adds; empty after a usage error. Each is
// checked to be writable before the seconds of compiling, not after.
aot::Outputs Driver::aot_outputs(bool train) {
    static const std::set<std::string> kAot = {"obj", "h", "lib", "ll", "bc", "asm", "stmt", "html", "dot"};
    std::string base = opt_.output;
    if (base.size() > 2 && base.compare(base.size() - 2, 2, ".o") == 0) base.resize(base.size() - 2);
    aot::Outputs outputs = {{"obj", base + ".o"}, {"h", base + ".h"}};
    const char *ext[][2] = {{"lib", ".a"}, {"ll", ".ll"}, {"bc", ".bc"}, {"asm", ".s"},
                            {"stmt", ".stmt"}, {"html", ".html"}, {"dot", ".dot"}};
    for (auto &k : opt_.emit) {
        if (!kAot.count(k)) {
            err_ << "netc: error: --emit=" << k << " dumps a compiler stage; give it without -o NAME.o "
                 << "(it writes to stdout, or to -o FILE)\n";
            return {};
        }
        if (train && k == "dot") {
            err_ << "netc: error: --emit=dot draws the inference network; give it without --train\n";
            return {};
        }
        for (auto &e : ext)
            if (k == e[0]) outputs[k] = base + e[1];
    }
    for (auto &kv : outputs) {
        bool existed = std::ifstream(kv.second).good();
        if (!std::ofstream(kv.second, std::ios::app)) throw rt::IOError("cannot write " + kv.second);
        if (!existed) std::remove(kv.second.c_str());
    }
    return outputs;
}

int Driver::compile_command(int m) {
    aot::Outputs outputs = aot_outputs(false);
    if (outputs.empty()) return kExitUsage;
    auto targets = aot_targets();
    auto g = inference_graph(m);
    if (!g) return fail();
    std::string entry = g->name;
    if (!is_c_identifier(entry))
        throw rt::IOError("network name '" + entry + "' is not a C identifier, so it cannot name the entry");
    if (opt_.weights.empty() && opt_.random_seed < 0)
        throw rt::IOError("an object embeds its weights: give --weights W.npz or --random-weights SEED");
    auto w = network_weights(*g, false);
    if (outputs.count("dot")) {
        std::ofstream f(outputs["dot"]);
        print_dot(f, *g);
    }
    stage("plan");
    lower::Plan plan = lower::build_plan(*g);

    aot::Abi abi;
    abi.entry = entry;
    abi.source = opt_.file;
    abi.network = g->name;
    abi.object = outputs["obj"];
    for (size_t k = 0; k < plan.inputs.size(); k++) {
        const auto &d = plan.buffers[plan.inputs[k]].shape.dims;
        abi.inputs.emplace_back(d.begin() + 1, d.end());
        abi.input_names.push_back(g->node(g->inputs[k]).name);
    }
    for (size_t k = 0; k < plan.outputs.size(); k++) {
        const auto &d = plan.buffers[plan.outputs[k]].shape.dims;
        abi.outputs.emplace_back(d.begin() + 1, d.end());
        abi.output_names.push_back(g->output_names[k]);
    }
    // They name C parameters in the header.
    for (auto *names : {&abi.input_names, &abi.output_names})
        for (auto &n : *names)
            if (!is_c_identifier(n)) n = "arg_" + std::to_string(&n - names->data());
    std::vector<aot::NetworkModule> variants;
    for (size_t i = 0; i < targets.size(); i++) {
        Halide::Target t = aot::variant_target(targets, i);
        std::string prefix = aot::variant_prefix(entry, targets.size(), i);
        stage(("lower kernels for " + targets[i].to_string()).c_str());
        auto progress = [&](int k, int total, const std::string &name) {
            if (opt_.verbose) err_ << "netc:   lowering kernel " << k + 1 << "/" << total << " " << name << "\n";
        };
        // Each variant takes its own target's tuning table, unless --tuning names one.
        tune::TuningTable tuning = tune::load_tuning(opt_.tuning, targets[i]);
        if (opt_.verbose)
            err_ << "netc: tuning table "
                 << (opt_.tuning.empty() ? tune::TuningTable::default_path(targets[i]) : opt_.tuning) << ": "
                 << tuning.entries().size() << " entries\n";
        variants.push_back(aot::network_module(plan, w, t, prefix, progress, &tuning));
        abi.variants.push_back({variants.back().run, targets[i]});
        abi.max_batch = variants.back().max_batch;
        const lower::MemoryLayout &mem = variants.back().memory;
        abi.head_bytes = mem.arena * 4;
        abi.tail_bytes = mem.tail_arena * 4;
        abi.head_pass = mem.head_pass;
        abi.tail_pass = mem.tail_pass;
    }
    w.clear();  // packed into the modules
    auto stage_name = [&](const std::string &s) { stage(s.c_str()); };
    aot::write_outputs(variants, abi, outputs, stage_name);
    stage("done");
    const auto &v = variants.front();
    out_ << outputs["obj"] << ", " << outputs["h"] << ": " << entry << " (" << v.steps << " steps, " << v.kernels
         << " kernels";
    if (targets.size() > 1) out_ << " x " << targets.size() << " targets";
    out_ << ", " << std::fixed << std::setprecision(1) << v.constant_bytes / 1048576.0 << " MiB of weights)\n";
    return kExitOk;
}

}  // namespace netc
