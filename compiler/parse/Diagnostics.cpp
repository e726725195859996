#include "Diagnostics.h"

namespace netc {

namespace {

const char *severity_name(Severity s) {
    switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
    }
    return "error";
}

// Prints the source line and a caret under [col, col+length), keeping tabs so
// the caret lines up in any terminal.
void print_caret(std::ostream &out, const std::string &line, int col, int length) {
    out << line << "\n";
    std::string marks;
    int cp = 1;
    for (size_t i = 0; i < line.size() && cp < col; cp++) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        marks += (c == '\t') ? '\t' : ' ';
        i += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    }
    marks += '^';
    for (int k = 1; k < length && k < 80; k++) marks += '~';
    out << marks << "\n";
}

}  // namespace

Diagnostics::Diagnostics(const SourceManager &sources, std::ostream &out)
    : sources_(sources), out_(out) {}

bool Diagnostics::count_error() {
    errors_++;
    suppressing_ = errors_ > limit_;
    if (errors_ == limit_ + 1) out_ << "netc: error: too many errors; the rest are not shown\n";
    return !suppressing_;
}

void Diagnostics::report(Severity sev, const Loc &loc, const std::string &msg) {
    if (sev == Severity::Error) count_error();
    if (suppressing_) return;
    if (loc.valid() && loc.file < sources_.size()) {
        out_ << sources_.describe(loc) << ": " << severity_name(sev) << ": " << msg << "\n";
        std::string line = sources_.file(loc.file).line(loc.line);
        if (line.size() <= 400) print_caret(out_, line, loc.col, loc.length);
    } else {
        out_ << "netc: " << severity_name(sev) << ": " << msg << "\n";
    }
}

void Diagnostics::error(const std::string &what, const std::string &msg) {
    if (count_error()) out_ << what << ": error: " << msg << "\n";
}

void Diagnostics::summarize() {
    if (errors_ > 1) out_ << errors_ << " errors generated.\n";
}

}  // namespace netc
