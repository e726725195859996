#include "Repl.h"

#include "Interrupt.h"
#include "LineEditor.h"
#include "Parser.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace netc::repl {

namespace {

// Code points in s[0, n): carets count columns in them.
int columns(const std::string &s, size_t n) {
    int c = 0;
    for (size_t i = 0; i < n && i < s.size(); i++)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) c++;
    return c;
}

}  // namespace

Repl::Repl(std::ostream &out, std::ostream &err, bool interactive)
    : out_(out), err_(err), interactive_(interactive),
      session_(out, err, [] { return InterruptHandler::pending(); }) {}

bool Repl::feed(const std::string &line) {
    if (pending_.empty()) {
        size_t b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos) return true;
        if (line[b] == ':') {
            run_input(line, true);
            return !quit_;
        }
    }
    pending_ += line;
    pending_ += '\n';
    // needs_more_input parses all the pending text, so asking it at every
    // line made a long definition quadratic (270 KB inside a comment took
    // 80 s). Text inside a block comment or an open brace cannot be complete
    // (it says so too, for well-formed UTF-8 without nesting too deep), so
    // it is asked again only when the text has doubled: nesting too deep is
    // then reported once the body closes or the text doubles.
    open_.scan(line);
    int bad_line, bad_col;
    if ((open_.comment || open_.braces > 0) && pending_.size() < 2 * open_.parsed &&
        validate_utf8(line, bad_line, bad_col))
        return true;
    open_.parsed = pending_.size();
    if (needs_more_input(pending_)) return true;
    std::string text;
    text.swap(pending_);
    open_ = {};
    run_input(text, false);
    return !quit_;
}

// As the grammar lexes: strings and line comments end with their line (or
// at a carriage return), block comments and braces carry over.
void Repl::Open::scan(const std::string &line) {
    const size_t n = line.size();
    for (size_t i = 0; i < n; i++) {
        char c = line[i], next = i + 1 < n ? line[i + 1] : '\0';
        if (comment) {
            if (c == '*' && next == '/') comment = false, i++;
        } else if (c == '/' && next == '*') {
            comment = true, i++;
        } else if (c == '#' || (c == '/' && next == '/')) {
            while (i + 1 < n && line[i + 1] != '\r') i++;
        } else if (c == '"') {
            for (i++; i < n && line[i] != '"' && line[i] != '\r'; i++)
                if (line[i] == '\\' && i + 1 < n && line[i + 1] != '\r') i++;
        } else if (c == '{') {
            braces++;
        } else if (c == '}' && braces > 0) {
            braces--;
        }
    }
}

void Repl::finish() {
    if (pending_.empty()) return;
    // Parsing the unfinished text reports where it stopped.
    std::string text;
    text.swap(pending_);
    open_ = {};
    err_ << "netc: error: the input ended inside a definition\n";
    run_input(text, false);
}

// Every complete input runs here: a failure is reported, counted and
// forgotten; the session keeps its previous state.
bool Repl::run_input(const std::string &text, bool is_command) {
    inputs_++;
    session_.diag().reset();
    InterruptHandler::clear();
    int file = session_.sources().add("<input-" + std::to_string(inputs_) + ">", text);
    bool ok = false;
    try {
        if (is_command) {
            Invocation inv;
            inv.file = file;
            inv.line = text;
            std::vector<Word> words = split(text, 0);
            inv.name = words[0].text;
            inv.args.assign(words.begin() + 1, words.end());
            inv.rest = words.size() > 1 ? words[1].begin : text.size();
            ok = command(inv);
        } else {
            ok = session_.define(file);
        }
    } catch (const jit::Interrupted &) {
        // At a terminal, over the echoed ^C and any progress line.
        err_ << (interactive_ ? "\r\033[Kinterrupted\n" : "interrupted\n");
        interrupted_ = true;
    } catch (const rt::IOError &e) {
        err_ << "netc: error: " << e.what() << "\n";
    } catch (const CompileAborted &) {
    } catch (const Halide::RuntimeError &e) {
        err_ << "netc: error: a kernel failed: " << e.what() << "\n";
    } catch (const Halide::CompileError &e) {
        err_ << "netc: internal compiler error: Halide rejected a kernel: " << e.what() << "\n";
        internal_errors_++;
    } catch (const Halide::InternalError &e) {
        err_ << "netc: internal compiler error: Halide: " << e.what() << "\n";
        internal_errors_++;
    } catch (const std::bad_alloc &) {
        err_ << "netc: error: out of memory\n";
    } catch (const std::exception &e) {
        err_ << "netc: internal compiler error: " << e.what() << "\n";
        internal_errors_++;
    }
    out_.flush();
    if (!ok) failures_++;
    return ok;
}

// Words of a command line: blanks separate them, except inside brackets and
// string quotes, so `:summary net(num_classes = 10)` has two.
std::vector<Repl::Word> Repl::split(const std::string &line, size_t from) {
    std::vector<Word> out;
    size_t i = from;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) i++;
        if (i >= line.size()) break;
        size_t b = i;
        int depth = 0;
        bool quoted = false;
        for (; i < line.size(); i++) {
            char c = line[i];
            if (quoted) {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
                continue;
            }
            if (c == '"') quoted = true;
            else if (c == '(' || c == '[') depth++;
            else if ((c == ')' || c == ']') && depth > 0) depth--;
            else if (depth == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) break;
        }
        out.push_back({line.substr(b, i - b), b, i});
    }
    return out;
}

Loc Repl::loc(const Invocation &inv, const Word &w) const {
    Loc l;
    l.file = inv.file;
    l.line = 1;
    l.col = columns(inv.line, w.begin) + 1;
    l.length = std::max(1, columns(inv.line, w.end) - columns(inv.line, w.begin));
    return l;
}

bool Repl::error(const Invocation &inv, const Word &w, const std::string &msg) {
    session_.diag().error(loc(inv, w), msg);
    return false;
}

bool Repl::network(const Invocation &inv, const Word &w, NetworkRef &ref, std::unique_ptr<ir::Graph> &g) {
    ast::ExprPtr e = parse_expression(session_.sources(), inv.file, w.begin, w.end, session_.diag());
    if (!e || !session_.resolve_expression(e) || !session_.network_ref(*e, ref)) return false;
    g = session_.elaborate(ref);
    return g != nullptr;
}

bool Repl::options(const Invocation &inv, size_t first, const std::vector<std::string> &names,
                   std::map<std::string, Word> &out) {
    auto known = [&](const std::string &n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    for (size_t i = first; i < inv.args.size(); i++) {
        const Word &w = inv.args[i];
        if (w.text == "-o" && known("-o")) {
            if (i + 1 >= inv.args.size()) return error(inv, w, "-o needs a file name");
            out["-o"] = inv.args[++i];
            continue;
        }
        size_t eq = w.text.find('=');
        std::string name = w.text.substr(0, eq);
        if (eq == std::string::npos || !known(name)) {
            std::string list;
            for (auto &n : names) list += (list.empty() ? "" : ", ") + (n == "-o" ? "-o FILE" : n + "=N");
            return error(inv, w, "unexpected argument '" + w.text + "'" + (list.empty() ? "" : " (options: " + list + ")"));
        }
        Word v{w.text.substr(eq + 1), w.begin + eq + 1, w.end};
        if (v.text.empty()) return error(inv, w, name + "= needs a value");
        out[name] = v;
    }
    return true;
}

bool Repl::int_option(const Invocation &inv, const std::map<std::string, Word> &opts, const std::string &name,
                      int64_t min, int64_t &out) {
    auto it = opts.find(name);
    if (it == opts.end()) return true;
    const std::string &s = it->second.text;
    char *end = nullptr;
    long long v = s.size() <= 12 ? std::strtoll(s.c_str(), &end, 10) : 0;
    if (s.size() > 12 || *end || v < min)
        return error(inv, it->second, name + " needs an integer of at least " + std::to_string(min));
    out = v;
    return true;
}

jit::JitNetwork &Repl::compile(const ir::Graph &g, const NetworkRef &ref, exec::Compiled &how) {
    jit::JitNetwork::Progress progress;
    if (interactive_)
        progress = [&](int k, int n, const std::string &name) {
            err_ << "\r\033[Kcompiling " << ref.key << ": kernel " << k + 1 << "/" << n << " " << name << std::flush;
        };
    try {
        jit::JitNetwork &net = session_.pipeline(g, ref, how, progress);
        if (interactive_ && !how.cached) err_ << "\r\033[K" << std::flush;
        return net;
    } catch (...) {
        if (interactive_) err_ << "\r\033[K" << std::flush;
        throw;
    }
}

int run_repl(std::ostream &out, std::ostream &err) {
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    Repl repl(out, err, tty);
    InterruptHandler sigint;
    if (!tty) {
        // A script: no prompts, no echo. Ctrl-C while reading ends netc as
        // usual; during a command it stops the command and then the script.
        std::string line;
        for (;;) {
            sigint.set_mode(InterruptHandler::Mode::Kill);
            if (!std::getline(std::cin, line)) break;
            sigint.set_mode(InterruptHandler::Mode::Work);
            bool more = repl.feed(line);
            if (!more || repl.interrupted() || InterruptHandler::pending()) break;
        }
        bool stopped = repl.interrupted() || InterruptHandler::pending();
        if (!stopped) repl.finish();
        out.flush();
        return stopped ? 130 : repl.internal_errors() ? kExitInternal : repl.failures() ? kExitUserError : kExitOk;
    }
    std::string history;
    if (const char *h = getenv("NETC_HISTORY")) history = h;
    else if (const char *home = getenv("HOME")) history = std::string(home) + "/.netc_history";
    LineEditor editor([&](const std::string &before, size_t &start) { return repl.complete(before, start); },
                      history);
    out << "netc " << NETC_VERSION << " repl: :help lists the commands, Ctrl-D leaves\n";
    for (;;) {
        out.flush();
        std::string line;
        InterruptHandler::clear();  // a Ctrl-C that stopped a command is spent
        sigint.set_mode(InterruptHandler::Mode::Prompt);
        auto got = editor.read(repl.continuing() ? " ...> " : "netc> ", line);
        sigint.set_mode(InterruptHandler::Mode::Work);
        if (got == LineEditor::Result::End) {
            out << "\n";
            break;
        }
        if (got == LineEditor::Result::Interrupted) {
            // As a shell does: the line is dropped, a fresh prompt follows.
            out << "^C\n";
            repl.cancel();
            continue;
        }
        editor.remember(line);
        if (!repl.feed(line)) break;
    }
    out.flush();
    return kExitOk;
}

}  // namespace netc::repl
