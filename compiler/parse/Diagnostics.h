// User-facing diagnostics: `file:line:col: error: message`, the source line and
// a caret. User errors (exit 1) and internal compiler errors (exit 3) are kept
// apart: the latter are thrown as InternalError and never printed as the
// user's fault.
#pragma once

#include "Source.h"

#include <ostream>
#include <stdexcept>
#include <string>

namespace netc {

enum class Severity { Error, Warning, Note };

// Exit codes of the netc binary (SPEC section 3).
enum ExitCode { kExitOk = 0, kExitUserError = 1, kExitUsage = 2, kExitInternal = 3 };

class Diagnostics {
public:
    Diagnostics(const SourceManager &sources, std::ostream &out);

    void error(const Loc &loc, const std::string &msg) { report(Severity::Error, loc, msg); }
    void warning(const Loc &loc, const std::string &msg) { report(Severity::Warning, loc, msg); }
    void note(const Loc &loc, const std::string &msg) { report(Severity::Note, loc, msg); }
    // An error about something without a source position (a file, a tensor).
    void error(const std::string &what, const std::string &msg);

    void report(Severity sev, const Loc &loc, const std::string &msg);

    int error_count() const { return errors_; }
    // Whether the next error will be printed (not past the limit): work that
    // only embellishes a message can be skipped when it will not be.
    bool will_print_error() const { return errors_ < limit_; }
    bool has_errors() const { return errors_ > 0; }
    // Past this many errors further ones are counted but not printed.
    void set_error_limit(int n) { limit_ = n; }
    // Prints "N errors generated." when there were errors.
    void summarize();
    // Starts counting afresh (the REPL, once per input).
    void reset() {
        errors_ = 0;
        suppressing_ = false;
    }

private:
    // Counts an error; false once past the limit, when it is not printed.
    bool count_error();

    const SourceManager &sources_;
    std::ostream &out_;
    int errors_ = 0;
    int limit_ = 50;
    bool suppressing_ = false;  // notes that belong to a suppressed error
};

// Thrown once an error has been reported, to unwind the work that caused it.
struct CompileAborted {};

// A bug in netc, not in the user's input.
class InternalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace netc
