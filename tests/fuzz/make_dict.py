#!/usr/bin/env python3
"""Writes a libFuzzer dictionary for .net source: every literal token of the
grammar ('import', '@', '==', ...), every built-in's name and parameters (the
identifiers quoted in the C++ sources given) and every name and string the
.net sources given use, so that mutations make words the parser and the
elaborator know. With --repl, also the REPL's command words.

    make_dict.py [--repl] GRAMMAR OUT FILE.net|FILE.cpp..."""
import re
import sys

REPL_WORDS = [":help", ":quit", ":load", ":defs", ":show", ":check", ":summary", ":shape",
              ":emit", ":weights", ":target", ":cache", ":exit", ":?", ":list",
              "ir", "dot", "plan", "batch=", "random", "host", "x86-64-linux-avx2"]


NET_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|#[^\n]*|/\*.*?\*/|[A-Za-z_][A-Za-z_0-9]*', re.S)


def entry(token):
    escaped = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c) for c in token)
    return '"%s"' % escaped


def main(argv):
    repl = argv[:1] == ["--repl"]
    if repl:
        argv = argv[1:]
    grammar, out, sources = argv[0], argv[1], argv[2:]
    text = open(grammar, encoding="utf-8").read()
    # Rules only: the comment lines quote words that are not tokens.
    code = re.sub(r"^\s*//[^\n]*", "", text, flags=re.M)
    tokens = set(re.findall(r"'((?:[^'\\\n]|\\.)+)'", code))
    tokens -= {"\\\\", "\\r", "\\n"}
    tokens |= {"f32", "N", "//", "/*", "*/", '"', "1e-5", "0.5", "2.0", "1000000"}
    for path in sources:
        src = open(path, encoding="utf-8").read()
        if path.endswith(".net"):
            for t in NET_TOKEN.findall(src):
                if not t.startswith(("//", "#", "/*")):
                    tokens.add(t)
        else:
            tokens |= set(re.findall(r'"([A-Za-z_][A-Za-z_0-9]*)"', src))
    if repl:
        tokens |= set(REPL_WORDS)
    with open(out, "w", encoding="utf-8") as f:
        for t in sorted(tokens):
            f.write(entry(t) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
