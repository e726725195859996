// Fuzz harness (a): .net source text through everything `netc check` does
// to a file -- parse, name resolution of every module it loads, elaboration
// of every network it defines, also at another input size -- and the
// reports that need no code generation: the summary, the IR text, the plan
// and its memory layout.
// Findings, besides crashes, sanitizer reports and hangs: an exception netc
// would report as an internal compiler error (exit 3), and a network refused
// without an error message.
#include "Elaborate.h"
#include "FuzzUtil.h"
#include "IRPrinter.h"
#include "Memory.h"
#include "Plan.h"
#include "Program.h"
#include "Resolve.h"
#include "Summary.h"

#include <sstream>

using namespace netc;

namespace {

void check_source(const std::string &text) {
    if (text.size() > kMaxSourceBytes) return;  // load_file refuses these before parsing
    std::ostringstream out;
    SourceManager sources;
    Diagnostics diag(sources, out);
    // Imports resolve in the stdlib only: the current directory is where
    // libFuzzer writes its findings, and $NETC_PATH is the user's.
    Program program(sources, diag, {NETC_STDLIB_DIR});
    int m = program.load_text("fuzz.net", text, NETC_STDLIB_DIR);
    if (m < 0) {
        if (!diag.has_errors()) fuzz::finding("a file was refused without an error");
        return;
    }
    bool resolved = true;
    for (int i = 0; i < program.module_count(); i++) resolved = resolve_module(program, i) && resolved;
    if (!resolved) {
        if (!diag.has_errors()) fuzz::finding("names were refused without an error");
        return;
    }
    // Each network as written, then at another input size (--image-size,
    // the REPL's image_size =), chosen from the text so that runs repeat.
    ElaborateOptions resized;
    resized.image_size = {int64_t(1 + text.size() % 37), int64_t(1 + text.size() / 37 % 41)};
    for (const ast::Decl *net : program.networks(m))
        for (const ElaborateOptions &options : {ElaborateOptions(), resized}) {
            int before = diag.error_count();
            std::unique_ptr<ir::Graph> g = elaborate_network(program, *net, options);
            if (!g) {
                if (diag.error_count() == before) fuzz::finding("network '" + net->name + "' refused without an error");
                continue;
            }
            print_summary(out, *g, 2);
            print_ir(out, *g);
            lower::Plan plan = lower::build_plan(*g);
            lower::print_plan(out, plan);
            lower::plan_memory(plan);
            out.str("");
        }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    fuzz::on_netc_stack([&] {
        try {
            check_source(text);
        } catch (const CompileAborted &) {
            // an error was reported and unwound the work
        } catch (const std::exception &e) {
            fuzz::finding(std::string("internal compiler error: ") + e.what());
        }
    });
    return 0;
}
