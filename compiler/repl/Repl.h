// `netc repl`: type definitions and commands, compile and run networks
// in-process. Input is read line by line; lines that begin with ':' are
// commands, anything else is source text, gathered until it forms complete
// declarations. Every complete input becomes a source file of its own
// (`<input-3>`), so diagnostics point into what was typed.
#pragma once

#include "Session.h"

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace netc::repl {

class Repl {
public:
    Repl(std::ostream &out, std::ostream &err, bool interactive);

    // One line of input. False once the session should end (`:quit`).
    bool feed(const std::string &line);
    // Input ended: an unfinished definition is an error.
    void finish();
    // Ctrl-C at a prompt: drops an unfinished definition.
    void cancel() {
        pending_.clear();
        open_ = {};
    }
    bool continuing() const { return !pending_.empty(); }
    // Inputs that failed, and whether one was interrupted.
    int failures() const { return failures_; }
    // Failures that were netc's fault (reported as internal compiler errors).
    int internal_errors() const { return internal_errors_; }
    bool interrupted() const { return interrupted_; }

    // Tab completion: candidates for the word that ends `before`, which
    // begins at `start`.
    std::vector<std::string> complete(const std::string &before, size_t &start) const;

private:
    struct Word {
        std::string text;
        size_t begin = 0, end = 0;  // byte offsets in the line
    };
    struct Invocation {
        int file = -1;  // the typed line as a source file
        std::string line, name;
        std::vector<Word> args;
        size_t rest = 0;  // where the arguments begin
    };
    using Handler = bool (Repl::*)(const Invocation &);
    struct Command {
        const char *name, *args, *help;
        Handler run;
    };
    static const std::vector<Command> &commands();
    // By name, alias or unambiguous prefix; null with the candidates if none.
    static const Command *find_command(const std::string &name, std::vector<std::string> &candidates);
    static std::vector<Word> split(const std::string &line, size_t from);

    bool run_input(const std::string &text, bool is_command);
    bool command(const Invocation &inv);
    Loc loc(const Invocation &inv, const Word &w) const;
    bool error(const Invocation &inv, const Word &w, const std::string &msg);
    bool usage(const Invocation &inv);
    bool network(const Invocation &inv, const Word &w, NetworkRef &ref, std::unique_ptr<ir::Graph> &g);
    // `name=value` options after the fixed arguments; false after reporting.
    bool options(const Invocation &inv, size_t first, const std::vector<std::string> &names,
                 std::map<std::string, Word> &out);
    bool int_option(const Invocation &inv, const std::map<std::string, Word> &opts, const std::string &name,
                    int64_t min, int64_t &out);
    jit::JitNetwork &compile(const ir::Graph &g, const NetworkRef &ref, exec::Compiled &how);

    bool help(const Invocation &inv);
    bool quit(const Invocation &inv);
    bool load(const Invocation &inv);
    bool defs(const Invocation &inv);
    bool show(const Invocation &inv);
    bool check(const Invocation &inv);
    bool summary(const Invocation &inv);
    bool shape(const Invocation &inv);
    bool emit(const Invocation &inv);
    bool run(const Invocation &inv);
    bool bench(const Invocation &inv);
    bool profile(const Invocation &inv);
    bool weights(const Invocation &inv);
    bool target(const Invocation &inv);
    bool threads(const Invocation &inv);
    bool cache(const Invocation &inv);
    bool train(const Invocation &inv);  // TrainCommand.cpp

    std::ostream &out_, &err_;
    bool interactive_;
    Session session_;
    std::string pending_;  // lines of an unfinished definition
    // What pending_ leaves open, kept line by line (see feed).
    struct Open {
        bool comment = false;  // inside /* ... */
        long braces = 0;
        size_t parsed = 0;  // pending_'s size when it was last parsed
        void scan(const std::string &line);
    } open_;
    int inputs_ = 0;
    int failures_ = 0, internal_errors_ = 0;
    bool quit_ = false, interrupted_ = false;
};

// `netc repl`: reads a terminal with line editing, or stdin as a script.
// Returns the exit code: a script that had a failure exits 1 (3 if one was an
// internal compiler error).
int run_repl(std::ostream &out, std::ostream &err);

}  // namespace netc::repl
