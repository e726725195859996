// Source files and positions. Every diagnostic and AST node points into a
// SourceFile through a Loc, so messages can show the line and a caret.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace netc {

struct Loc {
    int file = -1;   // index into SourceManager; -1 means "no position"
    int line = 0;    // 1-based
    int col = 0;     // 1-based, in code points
    int length = 1;  // code points to underline
    bool valid() const { return file >= 0 && line > 0; }
};

class SourceFile {
public:
    SourceFile(std::string path, std::string text);
    const std::string &path() const { return path_; }
    const std::string &text() const { return text_; }
    // The text of a 1-based line without its newline; empty past the end.
    std::string line(int n) const;

private:
    std::string path_, text_;
    std::vector<size_t> starts_;
};

class SourceManager {
public:
    int add(std::string path, std::string text);
    const SourceFile &file(int id) const { return *files_.at(id); }
    int size() const { return static_cast<int>(files_.size()); }
    std::string describe(const Loc &loc) const;  // "path:line:col"

private:
    std::vector<std::unique_ptr<SourceFile>> files_;
};

// Reads a whole file; false (and errno intact) when it cannot be read.
bool read_file(const std::string &path, std::string &out);

// Checks that text is well-formed UTF-8 (RFC 3629: no overlong forms,
// surrogates or code points above U+10FFFF); on failure reports the 1-based
// line/column and, if asked, the byte offset of the first bad sequence.
bool validate_utf8(const std::string &text, int &bad_line, int &bad_col, size_t *bad_offset = nullptr);

}  // namespace netc
