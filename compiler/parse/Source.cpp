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

bool validate_utf8(const std::string &s, int &bad_line, int &bad_col) {
    int line = 1, col = 1;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (int k = 1; ok && k < n; k++)
            ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
        if (!ok) {
            bad_line = line;
            bad_col = col;
            return false;
        }
        if (c == '\n') {
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
