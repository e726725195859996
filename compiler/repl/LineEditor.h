// Line editing and history for the REPL at a terminal, through libedit
// (BSD editline): emacs keys, arrow-key history kept in a file, and Tab
// completion from a callback. libedit's types stay in LineEditor.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace netc::repl {

class LineEditor {
public:
    // Given the text before the cursor, returns the completions of the word
    // that ends there and sets `start` to where that word begins.
    using Completer = std::function<std::vector<std::string>(const std::string &before, size_t &start)>;

    // history_file: where history is kept between sessions ("" for none).
    LineEditor(Completer completer, std::string history_file);
    ~LineEditor();

    enum class Result { Line, Interrupted, End };
    // Shows prompt and reads a line (without its newline). Interrupted: the
    // user pressed Ctrl-C (the half-typed line is dropped); End: Ctrl-D.
    Result read(const std::string &prompt, std::string &line);
    void remember(const std::string &line);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace netc::repl
