// The .net language: imports, constants, arg-scopes, units and networks.
//
// `//` starts a comment, so there is no `//` operator: `/` on two ints
// divides and rounds down (as Python's //), on floats it divides exactly.
//
// Statements need no separator: every statement begins with a keyword or with
// `name =`, and no expression can continue with an identifier, so whitespace
// and newlines carry no meaning. A `;` may still end a statement.
grammar Net;

file        : decl* EOF ;
// One expression on its own: the REPL's command arguments (`:shape EXPR`).
exprOnly    : expr EOF ;

decl        : importDecl
            | constDecl
            | argScopeDecl
            | unitDecl
            | networkDecl
            ;

importDecl  : 'import' STRING ';'? ;
constDecl   : 'const' ID '=' expr ';'? ;

// arg_scope resnet_arg_scope(weight_decay = 0.0001) { conv2d: activation = relu ... }
argScopeDecl: 'arg_scope' ID '(' params? ')' '{' scopeEntry* '}' ;
scopeEntry  : ID (',' ID)* ':' kwarg (',' kwarg)* ';'? ;
kwarg       : ID '=' expr ;

// `inline` units open no scope of their own (like slim's conv2d_same).
unitDecl    : INLINE='inline'? 'unit' ID '(' params? ')' scopeClause? withClause? body ;
networkDecl : 'network' ID '(' params? ')' scopeClause? withClause? body ;
scopeClause : 'scope' scopeName ;
withClause  : 'with' call (',' call)* ;
call        : ID '(' args? ')' ;

params      : param (',' param)* ','? ;
param       : ID (':' tensorType)? ('=' expr)? ;
tensorType  : ID '[' dim (',' dim)* ']' ;
dim         : INT | ID ;

body        : '{' stmt* '}' ;

stmt        : targets '=' expr ';'?                                   # assignStmt
            | 'end_points' '[' expr ']' '=' expr ';'?                 # endPointStmt
            | 'return' expr (',' expr)* ';'?                          # returnStmt
            | 'if' expr body ('else' (body | elseIf=stmt))?           # ifStmt
            | 'for' ID (',' ID)* 'in' expr body                       # forStmt
            | 'scope' scopeName body                                  # scopeStmt
            | 'with' withTarget body                                  # withStmt
            ;
targets     : ID (',' ID)* ;
withTarget  : call (',' call)*
            | scopeEntry+
            ;

// `@ conv1` and `@ "conv1"` are literal names; `@ (expr)` computes one.
scopeName   : ID | STRING | '(' expr ')' ;

// `conv2d(x, 64, 3) @ conv1` calls conv2d in the scope `conv1`.
expr        : callee=expr '(' args? ')' ('@' scopeName)?              # callExpr
            | expr '.' fieldName                                      # fieldExpr
            | expr '[' expr ']'                                       # indexExpr
            | op='-' expr                                             # unaryExpr
            | expr op=('*' | '/' | '%') expr                          # binaryExpr
            | expr op=('+' | '-') expr                                # binaryExpr
            | expr op=('==' | '!=' | '<' | '<=' | '>' | '>=') expr    # binaryExpr
            | op='not' expr                                           # unaryExpr
            | expr op='and' expr                                      # binaryExpr
            | expr op='or' expr                                       # binaryExpr
            | <assoc=right> 'if' expr 'then' expr 'else' expr         # condExpr
            | '[' expr 'for' ID (',' ID)* 'in' expr ('if' expr)? ']'  # compExpr
            | '[' (expr (',' expr)* ','?)? ']'                        # listExpr
            | '(' expr ',' (expr (',' expr)* ','?)? ')'               # tupleExpr
            | '(' ')'                                                 # tupleExpr
            | '(' expr ')'                                            # parenExpr
            | INT                                                     # intExpr
            | FLOAT                                                   # floatExpr
            | STRING                                                  # stringExpr
            | ('true' | 'false')                                      # boolExpr
            | 'none'                                                  # noneExpr
            | ID                                                      # nameExpr
            ;

// Keywords that read naturally as record fields (slim's Block.scope).
fieldName   : ID | 'scope' ;

args        : arg (',' arg)* ','? ;
arg         : ID '=' expr                                             # keywordArg
            | '*' expr                                                # splatArg
            | expr                                                    # positionalArg
            ;

ID          : [a-zA-Z_] [a-zA-Z_0-9]* ;
FLOAT       : [0-9]+ '.' [0-9]* EXPONENT?
            | '.' [0-9]+ EXPONENT?
            | [0-9]+ EXPONENT
            ;
INT         : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;
STRING      : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* ;

LINE_COMMENT  : ('//' | '#') ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS            : [ \t\r\n\f]+ -> skip ;

// Anything else becomes a token of its own so that the parser reports it
// with a position instead of the lexer dropping it.
BAD_CHAR    : . ;
