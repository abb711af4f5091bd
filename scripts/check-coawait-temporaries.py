#!/usr/bin/env python3
"""Flags lambda or brace-initialised temporaries inside a co_await expression.

GCC 12 destroys such temporaries twice when the coroutine resumes (see
tests/unit/core/async_test.cpp and docs/adr/0002-gcc12-coawait-temporaries.md). Name the value
first (`auto work = [..]{..}; co_await offload(pool, std::move(work));`). Exits 1 on findings.
"""
import re
import sys
from pathlib import Path

LAMBDA = re.compile(r"\[[^\[\]]*\]\s*(\([^()]*\))?\s*(mutable)?\s*(->\s*[\w:<>, ]+)?\s*\{")
BRACED = re.compile(r"[A-Za-z_][\w:<>]*\s*\{[^{}]*\}")


def statements(text):
    i = 0
    while True:
        j = text.find("co_await", i)
        if j < 0:
            return
        depth, k = 0, j
        while k < len(text):
            c = text[k]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth < 0:
                    break
            elif c == ";" and depth == 0:
                break
            k += 1
        yield j, text[j:k]
        i = j + 8


def main(roots):
    bad = 0
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix not in (".cpp", ".hpp"):
                continue
            text = path.read_text(errors="replace")
            for pos, stmt in statements(text):
                expr = stmt[len("co_await"):]
                if LAMBDA.search(expr) or BRACED.search(expr):
                    line = text.count("\n", 0, pos) + 1
                    print(f"{path}:{line}: temporary inside co_await: {' '.join(stmt.split())[:120]}")
                    bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["src", "tests"]))
