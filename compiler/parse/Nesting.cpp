#include "Nesting.h"

#include "NetLexer.h"
#include "antlr4-runtime.h"

#include <vector>

namespace netc {

namespace {

Loc loc_of(int file, antlr4::Token *t) {
    Loc l;
    l.file = file;
    l.line = static_cast<int>(t->getLine());
    l.col = static_cast<int>(t->getCharPositionInLine()) + 1;
    l.length = std::max<int>(1, static_cast<int>(t->getText().size()));
    return l;
}

bool is_chain_reset(const std::string &s) {
    static const char *const words[] = {",", ";", "=", ":", "@", "return", "const", "if", "then", "else", "for",
                                        "in", "with", "scope", "unit", "network", "import", "arg_scope",
                                        "end_points", "inline"};
    for (const char *w : words)
        if (s == w) return true;
    return false;
}

bool is_binary_operator(const std::string &s) {
    static const char *const ops[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "."};
    for (const char *o : ops)
        if (s == o) return true;
    return false;
}

}  // namespace

// A chain of binary
// operators (`1 + 1 + ... + 1`) parses in a loop but nests one level per
// operator in the tree, so a long one is refused too: the operators since
// the last separator are counted per bracket level, a closed group adding
// its count to the level that holds it.
bool check_nesting(antlr4::CommonTokenStream &tokens, int file, Diagnostics &diag) {
    int depth = 0, prefix_run = 0, chained_ifs = 0;
    std::vector<long> chain{0};  // per open bracket
    long chained = 0;            // their sum
    bool after_operand = false;
    std::string prev;
    for (antlr4::Token *t : tokens.getTokens()) {
        if (t->getType() == grammar::NetLexer::STRING) {
            prev.clear();
            prefix_run = 0;
            after_operand = true;
            continue;
        }
        std::string s = t->getText();
        bool opens = s == "(" || s == "[" || s == "{", closes = s == ")" || s == "]" || s == "}";
        // A call or an index on a value nests like a binary operator.
        bool link = (is_binary_operator(s) && (s != "-" || after_operand)) || (after_operand && opens && s != "{");
        if (link) {
            chain.back()++;
            chained++;
        }
        if (is_chain_reset(s) || s == "{" || s == "}") {
            chained -= chain.back();
            chain.back() = 0;
        }
        if (opens) {
            depth++;
            chain.push_back(0);
        }
        if (closes && depth > 0) {
            depth--;
            long inner = chain.back();
            chain.pop_back();
            if (s != "}") chain.back() += inner;
            else chained -= inner;
        }
        after_operand = closes || t->getType() == grammar::NetLexer::ID || t->getType() == grammar::NetLexer::INT ||
                        t->getType() == grammar::NetLexer::FLOAT || s == "true" || s == "false" || s == "none";
        prefix_run = (s == "-" || s == "not") && !link ? prefix_run + 1 : 0;
        // `else if` and `then if` chains recurse once per link.
        if (s == "if" && (prev == "else" || prev == "then")) chained_ifs++;
        if (depth == 0) chained_ifs = 0;
        if (depth > kMaxNesting || prefix_run > kMaxNesting || chained_ifs > 5 * kMaxNesting) {
            diag.error(loc_of(file, t), "nesting too deep (more than " +
                                            std::to_string(kMaxNesting) + " levels)");
            return false;
        }
        if (chained > kMaxChain) {
            diag.error(loc_of(file, t), "expression too long: more than " + std::to_string(kMaxChain) +
                                            " operators in a row (give parts of it names)");
            return false;
        }
        prev = s;
    }
    return true;
}

}  // namespace netc
