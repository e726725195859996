// The REPL's state: the declarations typed so far, the program built from
// them, the session's weights, target and thread count, and the compiled
// pipelines. A change is all or nothing: an input with an error leaves the
// session as it was.
#pragma once

#include "Elaborate.h"
#include "Execute.h"
#include "JitNetwork.h"
#include "Program.h"
#include "TuningTable.h"
#include "Weights.h"

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace netc::repl {

// A network as a command names it: `NAME` or `NAME(param = value, ...)`.
struct NetworkRef {
    std::string name;
    ElaborateOptions options;
    std::string key;  // NAME, or NAME(param = value, ...) with the values evaluated
};

class Session {
public:
    Session(std::ostream &out, std::ostream &err, jit::JitNetwork::Interrupt interrupt);

    SourceManager &sources() { return sources_; }
    Diagnostics &diag() { return diag_; }
    Program &program() { return *program_; }
    int module() const { return module_; }

    // Adds the declarations in source file `file` (a typed input): a name
    // defined again replaces its old definition, and every network the input
    // defines must elaborate. False after reporting errors.
    bool define(int file);
    // `:load PATH`: imports a .net file as `import "PATH"` would.
    bool load(const std::string &path, const std::string &input_name);

    // Networks, and every name, visible in the session (completion, hints).
    std::vector<std::string> network_names() const;
    std::vector<std::string> visible_names() const { return program_->visible_names(module_); }
    void list_definitions(std::ostream &os) const;
    // `:check`: every session definition checked and every session network
    // elaborated, errors shown. False if any failed.
    bool check_all();
    // Checks the names in an expression typed in a command.
    bool resolve_expression(ast::ExprPtr &e);
    // The source of a definition (`:show`); false after reporting errors.
    bool show(const std::string &name, const Loc &use, std::ostream &os);

    // Reads `NAME` or `NAME(param = value, ...)` from a command, where
    // `image_size = H` or `(H, W)` runs a fully convolutional network at
    // another size. False after reporting errors.
    bool network_ref(const ast::Expr &e, NetworkRef &ref);
    // Null after reporting errors.
    std::unique_ptr<ir::Graph> elaborate(const NetworkRef &ref);

    void set_random_weights(uint64_t seed);
    void load_weights(const std::string &path);  // rt::IOError when unreadable
    std::string weights_description() const;
    weights::WeightMap weights_for(const ir::Graph &g) const;
    // The arrays the weights come from (null for random ones) and their file.
    const rt::NamedArrays *weights_arrays() const { return weights_arrays_.get(); }
    const std::string &weights_file() const { return weights_file_; }
    // After :train: the trained arrays (a checkpoint's), described as `what`.
    void set_trained_weights(const std::string &what, rt::NamedArrays arrays);

    void set_target(const std::string &spec);  // rt::IOError for a bad one
    const std::string &target_name() const { return target_name_; }
    void set_threads(int n);  // 0: every core
    int threads() const { return threads_; }

    // g's compiled pipeline (g elaborated from `key`): from the cache unless
    // g's IR, the weights or the target changed since it was compiled.
    jit::JitNetwork &pipeline(const ir::Graph &g, const NetworkRef &ref, exec::Compiled &how,
                              const jit::JitNetwork::Progress &progress);
    void list_pipelines(std::ostream &os) const;

private:
    struct Def {
        std::string key;  // the name; `import PATH` for imports
        ast::DeclKind kind;
        int file;  // the source file that defines it
    };
    struct Pipeline {
        NetworkRef ref;
        std::string ir, weights, target;
        std::unique_ptr<jit::JitNetwork> net;
        double compile_ms = 0;
        int runs = 0;
    };
    struct Built {
        std::unique_ptr<Program> program;
        int module = -1;
    };

    bool build(const std::vector<Def> &defs, Built &out);
    // Elaborates without printing diagnostics (checks after a change).
    std::unique_ptr<ir::Graph> quiet_elaborate(const NetworkRef &ref);
    // After the definitions changed: notes session networks that no longer
    // build and drops pipelines whose network changed.
    void after_change(const std::vector<std::string> &redefined);
    std::string weights_id() const;

    std::ostream &out_, &err_;
    std::ostream diag_out_;  // err_, or nowhere while quiet
    SourceManager sources_;
    Diagnostics diag_;
    jit::JitNetwork::Interrupt interrupt_;
    std::vector<Def> defs_;  // in the order they were (re)defined
    std::unique_ptr<Program> program_;
    int module_ = -1;

    // Weights: random from a seed, or arrays read from an .npz.
    uint64_t seed_ = 0;
    std::string weights_file_;
    std::shared_ptr<const rt::NamedArrays> weights_arrays_;
    int weights_serial_ = 0;  // tells two loads of one file apart

    std::string target_name_ = "host";
    Halide::Target target_;
    tune::TuningTable tuning_;  // this machine's table for target_
    int threads_ = 0;
    std::map<std::string, Pipeline> pipelines_;  // by network key
};

}  // namespace netc::repl
