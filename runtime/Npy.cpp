// .npy, NumPy's array format (numpy/lib/format.py): a magic string, a version,
// a header that is a Python dict literal, then the raw data. The header is
// parsed as a Python literal rather than matched as text, because writers
// differ in key order, quoting, spacing and trailing commas.
#include "Npy.h"

#include "Zip.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

namespace netc::rt {

using detail::quote;

int64_t Array::size() const {
    // Saturates to -1 instead of overflowing, so encode_npy can reject it.
    int64_t n = 1;
    for (int64_t d : shape)
        if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
    return n;
}

std::string Array::shape_str() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
// Bytes of data must fit both size_t and int64_t.
constexpr uint64_t kMaxElements =
    std::min<uint64_t>(std::numeric_limits<size_t>::max(), std::numeric_limits<int64_t>::max()) / 4;
constexpr int kMaxDepth = 16;  // nesting in the header; only structured dtypes nest at all

// The subset of Python literals an .npy header holds.
struct Value {
    enum Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = None;
    std::string str;            // Str
    int64_t num = 0;            // Int, Bool
    bool overflow = false;      // Int: did not fit int64
    std::vector<Value> items;   // Tuple, List; Dict as key, value, key, value...
    size_t offset = 0;          // in the file, for messages
    std::string text;           // the source text, for messages
};

class HeaderParser {
public:
    HeaderParser(const char *p, size_t n, size_t base, const std::string &what)
        : p_(p), n_(n), base_(base), what_(what) {}

    Value parse() {
        ws();
        if (peek() != '{') error("expected '{'");
        Value v = value(0);
        ws();
        if (i_ != n_) error("unexpected text after the header dict");
        return v;
    }

    [[noreturn]] void error(const std::string &msg, size_t at = SIZE_MAX) const {
        std::string header(p_, std::min<size_t>(n_, 256));
        while (!header.empty() && (header.back() == ' ' || header.back() == '\n')) header.pop_back();
        if (header.size() > 200) header = header.substr(0, 200) + "...";
        throw IOError(what_ + ": malformed header at offset " + std::to_string(base_ + (at == SIZE_MAX ? i_ : at)) +
                      ": " + msg + " in " + quote(header));
    }

private:
    char peek() const { return i_ < n_ ? p_[i_] : '\0'; }
    void ws() {
        while (i_ < n_ && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n' || p_[i_] == '\r')) ++i_;
    }
    void expect(char c) {
        ws();
        if (peek() != c) error(std::string("expected '") + c + "'");
        ++i_;
    }

    Value value(int depth) {
        if (depth > kMaxDepth) error("nested too deeply");
        ws();
        Value v;
        size_t start = i_;
        v.offset = base_ + i_;
        char c = peek();
        if (c == '\'' || c == '"') {
            v.kind = Value::Str;
            ++i_;
            while (true) {
                if (i_ >= n_) error("unterminated string", start);
                char d = p_[i_++];
                if (d == c) break;
                if (d == '\\' && i_ < n_) d = p_[i_++];  // escapes only occur in names netc never uses
                v.str += d;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            v.kind = Value::Int;
            bool neg = c == '-';
            if (neg) ++i_;
            if (!(peek() >= '0' && peek() <= '9')) error("expected a digit");
            while (peek() >= '0' && peek() <= '9') {
                int digit = p_[i_++] - '0';
                if (__builtin_mul_overflow(v.num, 10, &v.num) ||
                    __builtin_add_overflow(v.num, neg ? -digit : digit, &v.num))
                    v.overflow = true;
            }
            if (peek() == 'L') ++i_;  // Python 2 longs, written by old numpy
        } else if (c == '(' || c == '[' || c == '{') {
            char close = c == '(' ? ')' : c == '[' ? ']' : '}';
            v.kind = c == '(' ? Value::Tuple : c == '[' ? Value::List : Value::Dict;
            ++i_;
            bool comma = false;  // "(5)" is 5, "(5,)" a tuple
            while (ws(), peek() != close) {
                v.items.push_back(value(depth + 1));
                if (v.kind == Value::Dict) {
                    expect(':');
                    v.items.push_back(value(depth + 1));
                }
                ws();
                if (peek() == close) break;
                expect(',');
                comma = true;
            }
            ++i_;
            if (v.kind == Value::Tuple && v.items.size() == 1 && !comma) {
                Value inner = std::move(v.items[0]);
                return inner;
            }
        } else {
            size_t j = i_;
            while (j < n_ && std::isalpha(static_cast<unsigned char>(p_[j]))) ++j;
            std::string word(p_ + i_, j - i_);
            if (word == "True" || word == "False") {
                v.kind = Value::Bool;
                v.num = word == "True";
            } else if (word != "None") {
                error(i_ < n_ ? "unexpected character " + quote(std::string(1, c)) : "unexpected end");
            }
            i_ = j;
        }
        v.text.assign(p_ + start, i_ - start);
        return v;
    }

    const char *p_;
    size_t n_, i_ = 0, base_;
    const std::string &what_;
};

// numpy's name for a dtype string ('<f8' is float64), for messages.
std::string dtype_name(const std::string &descr) {
    std::string s = descr;
    if (!s.empty() && std::strchr("<>=|", s[0])) s = s.substr(1);
    if (s.empty()) return "";
    char kind = s[0];
    std::string rest = s.substr(1);
    int bytes = 0;
    if (!rest.empty() && rest.size() <= 3 && rest.find_first_not_of("0123456789") == std::string::npos)
        bytes = std::stoi(rest);
    switch (kind) {
    case 'f': return bytes ? "float" + std::to_string(bytes * 8) : "";
    case 'i': return bytes ? "int" + std::to_string(bytes * 8) : "";
    case 'u': return bytes ? "uint" + std::to_string(bytes * 8) : "";
    case 'c': return bytes ? "complex" + std::to_string(bytes * 8) : "";
    case 'b': return "bool";
    case '?': return "bool";
    case 'U': return "str";
    case 'S': return "bytes";
    case 'V': return "void";
    case 'O': return "object";
    case 'M': return "datetime64";
    case 'm': return "timedelta64";
    }
    return "";
}

// Integer element types netc reads (class labels), by numpy descr:
// size in bytes and signedness; 0 for none.
int integer_type(const std::string &d, bool &is_signed) {
    if (d.size() != 3 || (d[0] != '<' && d[0] != '|' && !(d[0] == '=' && kLittleEndianHost))) return 0;
    if (d[1] != 'i' && d[1] != 'u') return 0;
    int size = d[2] - '0';
    if (size != 1 && size != 2 && size != 4 && size != 8) return 0;
    if (d[0] == '|' && size != 1) return 0;
    is_signed = d[1] == 'i';
    return size;
}

void check_dtype(const Value &descr, const std::string &what, bool integers, int &int_size, bool &is_signed) {
    int_size = 0;
    if (integers && descr.kind == Value::Str && (int_size = integer_type(descr.str, is_signed)) > 0) return;
    if (descr.kind != Value::Str)
        throw IOError(what + ": " + (descr.kind == Value::List ? "structured dtype " : "dtype ") + descr.text +
                      "; netc needs float32");
    const std::string &d = descr.str;
    if (d == "<f4" || (d == "=f4" && kLittleEndianHost)) return;
    std::string name = dtype_name(d);
    if (name == "float32")
        throw IOError(what + ": dtype float32 " + (d[0] == '|' ? "without a byte order" : "big-endian") + " (" +
                      quote(d) + "); netc needs little-endian float32 ('<f4')");
    throw IOError(what + ": dtype " + (name.empty() ? "" : name + " (") + quote(d) + (name.empty() ? "" : ")") +
                  "; netc needs float32");
}

uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }

}  // namespace

Array parse_npy(const uint8_t *bytes, size_t size, const std::string &what, bool integers) {
    if (size < kMagicLen + 2 || std::memcmp(bytes, kMagic, kMagicLen) != 0) {
        if (size < kMagicLen + 2 && (size == 0 || std::memcmp(bytes, kMagic, std::min(size, kMagicLen)) == 0))
            throw IOError(what + ": truncated: the file ends at offset " + std::to_string(size) +
                          ", inside the 8-byte .npy signature (magic and version)");
        throw IOError(what + ": not an .npy file: it does not start with \"\\x93NUMPY\" at offset 0");
    }
    int major = bytes[6], minor = bytes[7];
    if (!(major >= 1 && major <= 3 && minor == 0))
        throw IOError(what + ": unsupported .npy format version " + std::to_string(major) + "." +
                      std::to_string(minor) + " at offset 6; netc reads 1.0, 2.0 and 3.0");
    size_t len_size = major == 1 ? 2 : 4;
    size_t header_at = 8 + len_size;
    if (size < header_at)
        throw IOError(what + ": truncated: the file ends at offset " + std::to_string(size) +
                      ", inside the header length at offset 8");
    uint64_t header_len = major == 1 ? bytes[8] | bytes[9] << 8 : le32(bytes + 8);
    if (header_len > size - header_at)
        throw IOError(what + ": truncated: expected a " + std::to_string(header_len) + "-byte header at offset " +
                      std::to_string(header_at) + ", found " + std::to_string(size - header_at) + " bytes");

    HeaderParser parser(reinterpret_cast<const char *>(bytes + header_at), header_len, header_at, what);
    Value dict = parser.parse();
    const Value *descr = nullptr, *fortran = nullptr, *shape = nullptr;
    for (size_t i = 0; i < dict.items.size(); i += 2) {
        const Value &k = dict.items[i];
        const Value **slot = k.kind != Value::Str  ? nullptr
                             : k.str == "descr"         ? &descr
                             : k.str == "fortran_order" ? &fortran
                             : k.str == "shape"         ? &shape
                                                        : nullptr;
        if (!slot) parser.error("unexpected key " + k.text, k.offset - header_at);
        if (*slot) parser.error("duplicate key " + k.text, k.offset - header_at);
        *slot = &dict.items[i + 1];
    }
    if (!descr || !fortran || !shape)
        parser.error(std::string("missing key '") + (!descr ? "descr" : !fortran ? "fortran_order" : "shape") + "'",
                     0);

    int int_size = 0;
    bool is_signed = false;
    check_dtype(*descr, what, integers, int_size, is_signed);
    if (fortran->kind != Value::Bool) parser.error("fortran_order is not True or False", fortran->offset - header_at);
    if (fortran->num)
        throw IOError(what + ": fortran_order is True (column-major data); netc needs C order "
                             "(save np.ascontiguousarray(a))");
    if (shape->kind != Value::Tuple) parser.error("shape is not a tuple", shape->offset - header_at);

    Array a;
    uint64_t count = 1;
    bool zero = false;
    for (const Value &d : shape->items) {
        if (d.kind != Value::Int) parser.error("shape has a non-integer dimension " + d.text, d.offset - header_at);
        if (d.overflow || d.num < 0)
            throw IOError(what + ": shape " + shape->text + " has an impossible dimension " + d.text);
        zero |= d.num == 0;
        a.shape.push_back(d.num);
    }
    // As NumPy does, the dimensions other than zeros must multiply without
    // overflow even when one is zero: Array::size() multiplies them all.
    for (int64_t d : a.shape)
        if (d != 0 && (__builtin_mul_overflow(count, uint64_t(d), &count) || count > kMaxElements))
            throw IOError(what + ": shape " + shape->text + " has too many elements");
    if (zero) count = 0;

    uint64_t data_at = header_at + header_len;
    uint64_t want = count * (int_size ? int_size : 4), have = size - data_at;
    if (have != want)
        throw IOError(what + ": " + (have < want ? "truncated" : "trailing data") + ": expected " +
                      std::to_string(want) + " bytes of data at offset " + std::to_string(data_at) + ", found " +
                      std::to_string(have));
    a.data.resize(count);
    if (int_size) {
        // Integers (class labels) as exact float32 values.
        for (uint64_t i = 0; i < count; i++) {
            const uint8_t *p = bytes + data_at + i * int_size;
            uint64_t u = 0;
            for (int b = 0; b < int_size; b++) u |= uint64_t(p[b]) << (8 * b);
            int64_t v = int64_t(u);
            if (is_signed && int_size < 8 && (u >> (8 * int_size - 1)) & 1) v = int64_t(u | (~uint64_t(0) << (8 * int_size)));
            if ((!is_signed && u > (1u << 24)) || v > (1 << 24) || v < -(1 << 24))
                throw IOError(what + ": value " + (is_signed ? std::to_string(v) : std::to_string(u)) + " at index " +
                              std::to_string(i) + " is too large for a class id");
            a.data[i] = float(v);
        }
        return a;
    }
    if (count) std::memcpy(a.data.data(), bytes + data_at, want);
    if (!kLittleEndianHost)
        for (float &f : a.data) {
            uint32_t u;
            std::memcpy(&u, &f, 4);
            u = __builtin_bswap32(u);
            std::memcpy(&f, &u, 4);
        }
    return a;
}

std::vector<uint8_t> encode_npy(const Array &a) {
    int64_t n = a.size();
    if (n < 0 || uint64_t(n) != a.data.size())
        throw IOError("cannot encode an array of shape " + a.shape_str() + " from " + std::to_string(a.data.size()) +
                      " values");
    std::string shape = "(";
    for (size_t i = 0; i < a.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(a.shape[i]);
    shape += a.shape.size() == 1 ? ",)" : ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // As numpy does: pad with spaces and a newline so the data starts on a
    // 64-byte boundary; version 2.0 only when the header outgrows 16 bits.
    int major = 1;
    size_t prefix = 10;
    size_t padded = (prefix + header.size() + 1 + 63) / 64 * 64 - prefix;
    if (padded > 0xFFFF) {
        major = 2;
        prefix = 12;
        padded = (prefix + header.size() + 1 + 63) / 64 * 64 - prefix;
    }
    header.resize(padded - 1, ' ');
    header += '\n';

    std::vector<uint8_t> out(prefix + header.size() + a.data.size() * 4);
    std::memcpy(out.data(), kMagic, kMagicLen);
    out[6] = uint8_t(major);
    out[7] = 0;
    for (size_t i = 0; i < prefix - 8; ++i) out[8 + i] = uint8_t(header.size() >> (8 * i));
    std::memcpy(out.data() + prefix, header.data(), header.size());
    uint8_t *d = out.data() + prefix + header.size();
    if (!a.data.empty()) std::memcpy(d, a.data.data(), a.data.size() * 4);
    if (!kLittleEndianHost)
        for (size_t i = 0; i < a.data.size() * 4; i += 4) std::swap(d[i], d[i + 3]), std::swap(d[i + 1], d[i + 2]);
    return out;
}

Array read_npy(const std::string &path) {
    std::vector<uint8_t> bytes = detail::read_file(path);
    return parse_npy(bytes.data(), bytes.size(), path);
}

void write_npy(const std::string &path, const Array &a) {
    std::vector<uint8_t> bytes;
    try {
        bytes = encode_npy(a);
    } catch (const IOError &e) {
        throw IOError(path + ": " + e.what());
    }
    detail::OutFile f(path);
    f.write(bytes.data(), bytes.size());
    f.commit();
}

}  // namespace netc::rt
