#include "Source.h"

#include <fstream>
#include <sstream>

namespace netc {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
    starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); i++)
        if (text_[i] == '\n') starts_.push_back(i + 1);
}

std::string SourceFile::line(int n) const {
    if (n < 1 || static_cast<size_t>(n) > starts_.size()) return "";
    size_t b = starts_[n - 1];
    size_t e = text_.find('\n', b);
    if (e == std::string::npos) e = text_.size();
    if (e > b && text_[e - 1] == '\r') e--;
    return text_.substr(b, e - b);
}

int SourceManager::add(std::string path, std::string text) {
    files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
    return static_cast<int>(files_.size()) - 1;
}

std::string SourceManager::describe(const Loc &loc) const {
    if (loc.file < 0 || loc.file >= size()) return "<unknown>";
    std::ostringstream os;
    os << file(loc.file).path();
    if (loc.line > 0) os << ":" << loc.line << ":" << loc.col;
    return os.str();
}

bool read_file(const std::string &path, std::string &out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return false;
    out = ss.str();
    return true;
}

// The length of the well-formed UTF-8 sequence at s[i], or 0. Strict, as
// RFC 3629 has it (ANTLR's converter throws on anything else): no overlong
// forms, no surrogates, nothing above U+10FFFF, no lead bytes F5-FF.
namespace {

int utf8_sequence(const std::string &s, size_t i) {
    auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    unsigned c = byte(i);
    if (c < 0x80) return 1;
    int n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else return 0;
    if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (int k = 2; k < n; k++)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    return n;
}

}  // namespace

bool validate_utf8(const std::string &s, int &bad_line, int &bad_col, size_t *bad_offset) {
    int line = 1, col = 1;
    for (size_t i = 0; i < s.size();) {
        int n = utf8_sequence(s, i);
        if (n == 0) {
            bad_line = line;
            bad_col = col;
            if (bad_offset) *bad_offset = i;
            return false;
        }
        if (s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += n;
    }
    return true;
}

}  // namespace netc
