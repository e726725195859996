#include "LineEditor.h"

#include "Interrupt.h"

#include <histedit.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace netc::repl {

struct LineEditor::Impl {
    EditLine *el = nullptr;
    History *history = nullptr;
    HistEvent event;
    std::string prompt;
    Completer completer;
    std::string history_file;

    static Impl *of(EditLine *el) {
        void *p = nullptr;
        el_get(el, EL_CLIENTDATA, &p);
        return static_cast<Impl *>(p);
    }

    static char *prompt_of(EditLine *el) { return const_cast<char *>(of(el)->prompt.c_str()); }

    // Tab: complete the word before the cursor as far as every candidate
    // agrees; when that adds nothing, list the candidates.
    static unsigned char complete(EditLine *el, int) {
        Impl *self = of(el);
        const LineInfo *li = el_line(el);
        std::string before(li->buffer, li->cursor);
        size_t start = before.size();
        std::vector<std::string> found = self->completer(before, start);
        if (found.empty()) return CC_ERROR;
        std::string word = before.substr(std::min(start, before.size()));
        std::string common = found[0];
        for (auto &f : found) {
            size_t n = 0;
            while (n < common.size() && n < f.size() && common[n] == f[n]) n++;
            common.resize(n);
        }
        if (common.size() > word.size() && common.compare(0, word.size(), word) == 0) {
            std::string add = common.substr(word.size());
            if (found.size() == 1 && add.back() != '/') add += ' ';
            el_insertstr(el, add.c_str());
            return CC_REFRESH;
        }
        if (found.size() == 1) return CC_NORM;
        FILE *out = stdout;
        el_get(el, EL_GETFP, 1, &out);
        size_t width = 0;
        for (auto &f : found) width = std::max(width, f.size());
        size_t columns = std::max<size_t>(1, 78 / (width + 2)), col = 0;
        fputc('\n', out);
        for (auto &f : found) {
            fprintf(out, "%-*s", static_cast<int>(width + 2), f.c_str());
            if (++col % columns == 0) fputc('\n', out);
        }
        if (col % columns) fputc('\n', out);
        return CC_REDISPLAY;
    }
};

LineEditor::LineEditor(Completer completer, std::string history_file) : impl_(std::make_unique<Impl>()) {
    Impl &i = *impl_;
    i.completer = std::move(completer);
    i.history_file = std::move(history_file);
    i.el = el_init("netc", stdin, stdout, stderr);
    el_set(i.el, EL_CLIENTDATA, &i);
    el_set(i.el, EL_EDITOR, "emacs");
    // libedit's own signal handling stays off: Interrupt.h owns SIGINT.
    el_set(i.el, EL_SIGNAL, 0);
    el_set(i.el, EL_PROMPT, &Impl::prompt_of);
    i.history = history_init();
    history(i.history, &i.event, H_SETSIZE, 1000);
    history(i.history, &i.event, H_SETUNIQUE, 1);
    if (!i.history_file.empty()) history(i.history, &i.event, H_LOAD, i.history_file.c_str());
    el_set(i.el, EL_HIST, history, i.history);
    // The wide call: el_set's EL_ADDFN copies the name and help into wide
    // strings that libedit never frees (a leak LeakSanitizer reported);
    // el_wset keeps these static ones as they are.
    el_wset(i.el, EL_ADDFN, L"netc-complete", L"complete a command or name", &Impl::complete);
    el_set(i.el, EL_BIND, "^I", "netc-complete", nullptr);
    el_source(i.el, nullptr);  // the user's ~/.editrc, if any
}

LineEditor::~LineEditor() {
    Impl &i = *impl_;
    if (!i.history_file.empty()) history(i.history, &i.event, H_SAVE, i.history_file.c_str());
    el_end(i.el);
    history_end(i.history);
}

LineEditor::Result LineEditor::read(const std::string &prompt, std::string &line) {
    impl_->prompt = prompt;
    int count = 0;
    errno = 0;
    const char *s = el_gets(impl_->el, &count);
    if (InterruptHandler::pending() || (!s && count < 0 && errno == EINTR)) {
        InterruptHandler::clear();
        // el_gets keeps a line it did not finish for the next call.
        el_reset(impl_->el);
        const LineInfo *li = el_line(impl_->el);
        el_cursor(impl_->el, static_cast<int>(li->lastchar - li->buffer));
        el_deletestr(impl_->el, static_cast<int>(li->lastchar - li->buffer));
        return Result::Interrupted;
    }
    if (!s) return Result::End;
    line = s;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return Result::Line;
}

void LineEditor::remember(const std::string &line) {
    if (line.find_first_not_of(" \t") != std::string::npos) history(impl_->history, &impl_->event, H_ENTER, line.c_str());
}

}  // namespace netc::repl
