#include "Parser.h"

#include "Nesting.h"

#include "NetBaseVisitor.h"
#include "NetLexer.h"
#include "NetParser.h"
#include "antlr4-runtime.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace netc {

using G = grammar::NetParser;
using namespace ast;

namespace {

Loc loc_of(int file, antlr4::Token *t) {
    Loc l;
    l.file = file;
    l.line = static_cast<int>(t->getLine());
    l.col = static_cast<int>(t->getCharPositionInLine()) + 1;
    l.length = std::max<int>(1, static_cast<int>(t->getText().size()));
    return l;
}

std::string describe_token(antlr4::Token *t) {
    if (t->getType() == antlr4::Token::EOF) return "end of file";
    std::string s = t->getText();
    std::string shown;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            snprintf(buf, sizeof buf, "\\x%02x", c);
            shown += buf;
        } else {
            shown += static_cast<char>(c);
        }
    }
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return "'" + shown + "'";
}

// "Unexpected end of file" points just past the last character rather than
// at the empty line after the final newline, so the caret has context.
Loc end_of_text(Loc l, const SourceFile &src) {
    l.length = 1;
    auto blank = [](const std::string &t) { return t.find_first_not_of(" \t\r\f") == std::string::npos; };
    int line = l.line;
    while (line > 1 && blank(src.line(line))) line--;
    if (line == l.line) return l;
    std::string text = src.line(line);
    int cps = 0;
    for (unsigned char c : text) cps += (c & 0xC0) != 0x80;
    l.line = line;
    l.col = cps + 1;
    return l;
}

// Turns ANTLR's messages into netc's wording and positions.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
    SyntaxErrorListener(int file, const SourceFile &src, Diagnostics &diag) : file_(file), src_(src), diag_(diag) {}

    void syntaxError(antlr4::Recognizer *, antlr4::Token *bad, size_t line, size_t col,
                     const std::string &msg, std::exception_ptr) override {
        Loc l;
        l.file = file_;
        l.line = static_cast<int>(line);
        l.col = static_cast<int>(col) + 1;
        std::string text;
        if (bad) {
            l = loc_of(file_, bad);
            if (bad->getType() == antlr4::Token::EOF) l = end_of_text(l, src_);
            if (bad->getType() == grammar::NetLexer::BAD_CHAR)
                text = "unexpected character " + describe_token(bad);
            else if (bad->getType() == grammar::NetLexer::UNTERMINATED_STRING)
                text = "unterminated string literal";
            else
                text = "unexpected " + describe_token(bad);
            // Short expectation lists help; ANTLR's long ones are noise.
            auto e = msg.find("expecting ");
            bool unterminated = bad->getType() == grammar::NetLexer::UNTERMINATED_STRING;
            if (e != std::string::npos && !unterminated) {
                std::string want = msg.substr(e + 10);
                if (std::count(want.begin(), want.end(), ',') < 4) text += ", expecting " + want;
            }
        } else {
            text = msg;
        }
        diag_.error(l, text);
    }

private:
    int file_;
    const SourceFile &src_;
    Diagnostics &diag_;
};

// The one visitor from parse tree to AST. Expression alternatives dispatch
// through visit(); the Any carries a raw Expr* that is wrapped at once.
class AstBuilder : public grammar::NetBaseVisitor {
public:
    AstBuilder(int file, Diagnostics &diag) : file_(file), diag_(diag) {}

    std::unique_ptr<Module> build(G::FileContext *ctx) {
        auto m = std::make_unique<Module>();
        m->file = file_;
        for (auto *d : ctx->decl()) m->decls.push_back(decl(d));
        return m;
    }

    ExprPtr build(G::ExprOnlyContext *ctx) { return expr(ctx->expr()); }

private:
    int file_;
    Diagnostics &diag_;

    Loc at(antlr4::Token *t) const { return loc_of(file_, t); }
    Loc at(antlr4::tree::TerminalNode *n) const { return loc_of(file_, n->getSymbol()); }
    Loc at(antlr4::ParserRuleContext *c) const { return loc_of(file_, c->getStart()); }

    std::unique_ptr<Decl> decl(G::DeclContext *ctx) {
        if (auto *c = ctx->importDecl()) {
            auto d = std::make_unique<Decl>(DeclKind::Import, at(c->STRING()));
            d->name = unquote(c->STRING());
            return d;
        }
        if (auto *c = ctx->constDecl()) {
            auto d = std::make_unique<Decl>(DeclKind::Const, at(c->ID()));
            d->name = c->ID()->getText();
            d->value = expr(c->expr());
            return d;
        }
        if (auto *c = ctx->argScopeDecl()) {
            auto d = std::make_unique<Decl>(DeclKind::ArgScope, at(c->ID()));
            d->name = c->ID()->getText();
            if (c->params()) d->params = params(c->params());
            for (auto *e : c->scopeEntry()) d->entries.push_back(entry(e));
            return d;
        }
        if (auto *c = ctx->unitDecl()) {
            auto d = std::make_unique<Decl>(DeclKind::Unit, at(c->ID()));
            d->name = c->ID()->getText();
            d->is_inline = c->INLINE != nullptr;
            callable(d.get(), c->params(), c->scopeClause(), c->withClause(), c->body());
            return d;
        }
        auto *c = ctx->networkDecl();
        auto d = std::make_unique<Decl>(DeclKind::Network, at(c->ID()));
        d->name = c->ID()->getText();
        callable(d.get(), c->params(), c->scopeClause(), c->withClause(), c->body());
        return d;
    }

    void callable(Decl *d, G::ParamsContext *ps, G::ScopeClauseContext *sc,
                  G::WithClauseContext *wc, G::BodyContext *b) {
        if (ps) d->params = params(ps);
        if (sc) d->scope = scope_name(sc->scopeName());
        if (wc)
            for (auto *c : wc->call()) d->with_calls.push_back(scope_call(c));
        d->body = body(b);
    }

    std::vector<Param> params(G::ParamsContext *ctx) {
        std::vector<Param> out;
        for (auto *p : ctx->param()) {
            Param q;
            q.name = p->ID()->getText();
            q.loc = at(p->ID());
            if (auto *t = p->tensorType()) {
                q.type = std::make_unique<TensorType>();
                q.type->dtype = t->ID()->getText();
                q.type->loc = at(t->ID());
                for (auto *dc : t->dim()) {
                    Dim dim;
                    dim.loc = at(dc);
                    if (dc->ID()) dim.symbol = dc->ID()->getText();
                    else dim.value = integer(dc->INT()->getSymbol());
                    q.type->dims.push_back(std::move(dim));
                }
            }
            if (p->expr()) q.default_value = expr(p->expr());
            out.push_back(std::move(q));
        }
        return out;
    }

    ScopeEntry entry(G::ScopeEntryContext *ctx) {
        ScopeEntry e;
        e.loc = at(ctx);
        for (auto *id : ctx->ID()) {
            e.ops.push_back(id->getText());
            e.op_locs.push_back(at(id));
        }
        for (auto *k : ctx->kwarg()) e.kwargs.push_back({k->ID()->getText(), expr(k->expr()), at(k->ID())});
        return e;
    }

    ScopeCall scope_call(G::CallContext *ctx) {
        ScopeCall c;
        c.name = ctx->ID()->getText();
        c.loc = at(ctx->ID());
        if (ctx->args()) c.args = args(ctx->args());
        return c;
    }

    ScopeName scope_name(G::ScopeNameContext *ctx) {
        ScopeName s;
        s.loc = at(ctx);
        if (ctx->ID()) {
            s.kind = ScopeName::Literal;
            s.text = ctx->ID()->getText();
        } else if (ctx->STRING()) {
            s.kind = ScopeName::Literal;
            s.text = unquote(ctx->STRING());
        } else {
            s.kind = ScopeName::Computed;
            s.expr = expr(ctx->expr());
        }
        return s;
    }

    std::vector<StmtPtr> body(G::BodyContext *ctx) {
        std::vector<StmtPtr> out;
        for (auto *s : ctx->stmt()) out.push_back(stmt(s));
        return out;
    }

    StmtPtr stmt(G::StmtContext *ctx) {
        if (auto *c = dynamic_cast<G::AssignStmtContext *>(ctx)) {
            auto s = std::make_unique<Stmt>(StmtKind::Assign, at(c));
            for (auto *id : c->targets()->ID()) {
                s->targets.push_back(id->getText());
                s->target_locs.push_back(at(id));
            }
            s->exprs.push_back(expr(c->expr()));
            return s;
        }
        if (auto *c = dynamic_cast<G::EndPointStmtContext *>(ctx)) {
            auto s = std::make_unique<Stmt>(StmtKind::EndPoint, at(c));
            s->exprs.push_back(expr(c->expr(0)));
            s->exprs.push_back(expr(c->expr(1)));
            return s;
        }
        if (auto *c = dynamic_cast<G::ReturnStmtContext *>(ctx)) {
            auto s = std::make_unique<Stmt>(StmtKind::Return, at(c));
            for (auto *e : c->expr()) s->exprs.push_back(expr(e));
            return s;
        }
        if (auto *c = dynamic_cast<G::IfStmtContext *>(ctx)) {
            auto s = std::make_unique<Stmt>(StmtKind::If, at(c));
            s->exprs.push_back(expr(c->expr()));
            s->body = body(c->body(0));
            if (c->elseIf) s->orelse.push_back(stmt(c->elseIf));
            else if (c->body().size() > 1) s->orelse = body(c->body(1));
            return s;
        }
        if (auto *c = dynamic_cast<G::ForStmtContext *>(ctx)) {
            auto s = std::make_unique<Stmt>(StmtKind::For, at(c));
            for (auto *id : c->ID()) {
                s->targets.push_back(id->getText());
                s->target_locs.push_back(at(id));
            }
            s->exprs.push_back(expr(c->expr()));
            s->body = body(c->body());
            return s;
        }
        if (auto *c = dynamic_cast<G::ScopeStmtContext *>(ctx)) {
            auto s = std::make_unique<Stmt>(StmtKind::Scope, at(c));
            s->scope = scope_name(c->scopeName());
            s->body = body(c->body());
            return s;
        }
        auto *c = dynamic_cast<G::WithStmtContext *>(ctx);
        if (!c) throw InternalError("unknown statement form in parse tree");
        auto s = std::make_unique<Stmt>(StmtKind::With, at(c));
        for (auto *call : c->withTarget()->call()) s->with_calls.push_back(scope_call(call));
        for (auto *e : c->withTarget()->scopeEntry()) s->with_entries.push_back(entry(e));
        s->body = body(c->body());
        return s;
    }

    std::vector<Arg> args(G::ArgsContext *ctx) {
        std::vector<Arg> out;
        for (auto *a : ctx->arg()) {
            Arg r;
            r.loc = at(a);
            if (auto *k = dynamic_cast<G::KeywordArgContext *>(a)) {
                r.kind = Arg::Keyword;
                r.name = k->ID()->getText();
                r.value = expr(k->expr());
            } else if (auto *sp = dynamic_cast<G::SplatArgContext *>(a)) {
                r.kind = Arg::Splat;
                r.value = expr(sp->expr());
            } else {
                r.value = expr(dynamic_cast<G::PositionalArgContext *>(a)->expr());
            }
            out.push_back(std::move(r));
        }
        return out;
    }

    ExprPtr expr(G::ExprContext *ctx) {
        return ExprPtr(visit(ctx).as<Expr *>());
    }

    Expr *make(ExprKind k, antlr4::ParserRuleContext *c) { return new Expr(k, at(c)); }

    antlrcpp::Any visitCallExpr(G::CallExprContext *c) override {
        Expr *e = make(ExprKind::Call, c);
        e->loc = at(c->callee);
        e->loc.length = std::max(1, static_cast<int>(c->callee->getText().size()));
        e->operands.push_back(expr(c->callee));
        if (c->args()) e->args = args(c->args());
        if (c->scopeName()) e->scope = scope_name(c->scopeName());
        return e;
    }
    antlrcpp::Any visitFieldExpr(G::FieldExprContext *c) override {
        Expr *e = make(ExprKind::Field, c);
        e->loc = at(c->fieldName());
        e->text = c->fieldName()->getText();
        e->operands.push_back(expr(c->expr()));
        return e;
    }
    antlrcpp::Any visitIndexExpr(G::IndexExprContext *c) override {
        Expr *e = make(ExprKind::Index, c);
        e->operands.push_back(expr(c->expr(0)));
        e->operands.push_back(expr(c->expr(1)));
        return e;
    }
    antlrcpp::Any visitUnaryExpr(G::UnaryExprContext *c) override {
        Expr *e = make(ExprKind::Unary, c);
        e->text = c->op->getText();
        e->operands.push_back(expr(c->expr()));
        return e;
    }
    antlrcpp::Any visitBinaryExpr(G::BinaryExprContext *c) override {
        Expr *e = make(ExprKind::Binary, c);
        e->loc = at(c->op);
        e->text = c->op->getText();
        e->operands.push_back(expr(c->expr(0)));
        e->operands.push_back(expr(c->expr(1)));
        return e;
    }
    antlrcpp::Any visitCondExpr(G::CondExprContext *c) override {
        Expr *e = make(ExprKind::Cond, c);
        for (auto *x : c->expr()) e->operands.push_back(expr(x));
        return e;
    }
    antlrcpp::Any visitCompExpr(G::CompExprContext *c) override {
        Expr *e = make(ExprKind::Comprehension, c);
        for (auto *id : c->ID()) e->vars.push_back(id->getText());
        for (auto *x : c->expr()) e->operands.push_back(expr(x));
        return e;
    }
    antlrcpp::Any visitListExpr(G::ListExprContext *c) override {
        Expr *e = make(ExprKind::List, c);
        for (auto *x : c->expr()) e->operands.push_back(expr(x));
        return e;
    }
    antlrcpp::Any visitTupleExpr(G::TupleExprContext *c) override {
        Expr *e = make(ExprKind::Tuple, c);
        for (auto *x : c->expr()) e->operands.push_back(expr(x));
        return e;
    }
    antlrcpp::Any visitParenExpr(G::ParenExprContext *c) override {
        return visit(c->expr());
    }
    antlrcpp::Any visitIntExpr(G::IntExprContext *c) override {
        Expr *e = make(ExprKind::Int, c);
        e->int_value = integer(c->INT()->getSymbol());
        return e;
    }
    antlrcpp::Any visitFloatExpr(G::FloatExprContext *c) override {
        Expr *e = make(ExprKind::Float, c);
        e->text = c->FLOAT()->getText();
        errno = 0;
        e->float_value = std::strtod(e->text.c_str(), nullptr);
        if (errno == ERANGE && std::abs(e->float_value) > 1)
            diag_.error(e->loc, "float literal " + e->text + " is out of range");
        return e;
    }
    antlrcpp::Any visitStringExpr(G::StringExprContext *c) override {
        Expr *e = make(ExprKind::String, c);
        e->text = unquote(c->STRING());
        return e;
    }
    antlrcpp::Any visitBoolExpr(G::BoolExprContext *c) override {
        Expr *e = make(ExprKind::Bool, c);
        e->int_value = c->getText() == "true";
        return e;
    }
    antlrcpp::Any visitNoneExpr(G::NoneExprContext *c) override {
        return make(ExprKind::None, c);
    }
    antlrcpp::Any visitNameExpr(G::NameExprContext *c) override {
        Expr *e = make(ExprKind::Name, c);
        e->text = c->ID()->getText();
        return e;
    }

    int64_t integer(antlr4::Token *t) {
        const std::string s = t->getText();
        int64_t v = 0;
        for (char ch : s) {
            if (v > (std::numeric_limits<int64_t>::max() - (ch - '0')) / 10) {
                diag_.error(at(t), "integer literal " + (s.size() > 30 ? s.substr(0, 30) + "..." : s) +
                                       " is too large (the limit is 2^63-1)");
                return 0;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    std::string unquote(antlr4::tree::TerminalNode *n) {
        const std::string s = n->getText();
        std::string out;
        for (size_t i = 1; i + 1 < s.size(); i++) {
            if (s[i] != '\\') {
                out += s[i];
                continue;
            }
            char c = s[++i];
            switch (c) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case '\\': out += '\\'; break;
            case '"': out += '"'; break;
            default:
                diag_.error(at(n), std::string("unknown escape sequence '\\") + c + "' in string");
            }
        }
        return out;
    }
};

}  // namespace

namespace {

// The lexer and parser of one text as every entry point sets them up: the
// tokens read, the lexer's own messages off (bad characters become BAD_CHAR
// tokens), syntax errors to the given listener.
struct ParseRun {
    antlr4::ANTLRInputStream input;
    grammar::NetLexer lexer{&input};
    antlr4::CommonTokenStream tokens{&lexer};
    grammar::NetParser parser{&tokens};
    std::unique_ptr<antlr4::ANTLRErrorListener> listener;

    ParseRun(const std::string &text, antlr4::ANTLRErrorListener *l) : input(text), listener(l) {
        lexer.removeErrorListeners();
        tokens.fill();
        parser.removeErrorListeners();
        parser.addErrorListener(listener.get());
    }
};

bool checked_utf8(const SourceFile &src, int file, Diagnostics &diag) {
    int bad_line = 0, bad_col = 0;
    size_t at = 0;
    const std::string &text = src.text();
    if (validate_utf8(text, bad_line, bad_col, &at)) return true;
    // The bytes themselves, since an editor shows them as one replacement mark.
    std::string bytes;
    for (size_t i = at; i < text.size() && i < at + 4; i++) {
        if (i > at && (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) break;
        char hex[4];
        snprintf(hex, sizeof hex, "%02X", static_cast<unsigned char>(text[i]));
        bytes += (bytes.empty() ? "" : " ") + std::string(hex);
    }
    diag.error(Loc{file, bad_line, bad_col, 1},
               "source is not valid UTF-8 text: " + bytes +
                   " is not a well-formed sequence (save the file as UTF-8)");
    return false;
}

// Notes whether the first syntax error sits at the end of the input, i.e.
// whether more text could still make the input valid.
class EndOfInputListener : public antlr4::BaseErrorListener {
public:
    bool any = false, at_end = false;
    void syntaxError(antlr4::Recognizer *, antlr4::Token *bad, size_t, size_t, const std::string &,
                     std::exception_ptr) override {
        if (any) return;
        any = true;
        at_end = bad && bad->getType() == antlr4::Token::EOF;
    }
};

}  // namespace

std::unique_ptr<Module> parse_module(const SourceManager &sources, int file, Diagnostics &diag) {
    const SourceFile &src = sources.file(file);
    if (!checked_utf8(src, file, diag)) return nullptr;
    int before = diag.error_count();
    ParseRun run(src.text(), new SyntaxErrorListener(file, src, diag));
    if (!check_nesting(run.tokens, file, diag)) return nullptr;
    G::FileContext *tree = run.parser.file();
    if (diag.error_count() > before) return nullptr;

    AstBuilder builder(file, diag);
    auto module = builder.build(tree);
    if (diag.error_count() > before) return nullptr;
    module->path = src.path();
    return module;
}

ExprPtr parse_expression(const SourceManager &sources, int file, size_t begin, size_t end, Diagnostics &diag) {
    const SourceFile &src = sources.file(file);
    if (!checked_utf8(src, file, diag)) return nullptr;
    // Blank out the text around the expression, a space per code point, so
    // that token positions (ANTLR counts code points) stay the file's own.
    std::string text;
    const std::string &all = src.text();
    for (size_t i = 0; i < all.size(); i++) {
        if (i >= begin && i < end) text += all[i];
        else if (all[i] == '\n') text += '\n';
        else if ((static_cast<unsigned char>(all[i]) & 0xC0) != 0x80) text += ' ';
    }
    int before = diag.error_count();
    ParseRun run(text, new SyntaxErrorListener(file, src, diag));
    if (!check_nesting(run.tokens, file, diag)) return nullptr;
    G::ExprOnlyContext *tree = run.parser.exprOnly();
    if (diag.error_count() > before) return nullptr;
    AstBuilder builder(file, diag);
    ExprPtr e = builder.build(tree);
    if (diag.error_count() > before) return nullptr;
    return e;
}

bool needs_more_input(const std::string &text) {
    int line = 0, col = 0;
    if (!validate_utf8(text, line, col)) return false;
    auto *listener = new EndOfInputListener;
    ParseRun run(text, listener);
    // An unclosed /* comment lexes as '/' then '*' (a closed one is skipped).
    std::vector<antlr4::Token *> toks = run.tokens.getTokens();
    for (size_t i = 0; i + 1 < toks.size(); i++)
        if (toks[i]->getText() == "/" && toks[i + 1]->getText() == "*" &&
            toks[i + 1]->getStartIndex() == toks[i]->getStartIndex() + 1)
            return true;
    SourceManager none;
    std::ostringstream sink;
    Diagnostics quiet(none, sink);
    if (!check_nesting(run.tokens, -1, quiet)) return false;
    run.parser.file();
    if (listener->at_end) return true;
    // An error inside an open body waits for its closing brace: the whole
    // definition is then reported at once, and its rest is not taken for new
    // input that fails again. (Braces only: an unclosed parenthesis must not
    // swallow everything after it.)
    int depth = 0;
    for (antlr4::Token *t : toks) {
        if (t->getText() == "{") depth++;
        if (t->getText() == "}" && depth > 0) depth--;
    }
    return depth > 0;
}

}  // namespace netc
