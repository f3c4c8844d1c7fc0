"""The text of SHACL-SPARQL constraints: what a query uses that is not compiled (`sparql_problems`),
and the rewrite of a top-level `FILTER NOT EXISTS` as `MINUS` where the two agree (`minus_rewrite`).

Both read the query as text, without a SPARQL parser: `sparql_problems` searches it with regular
expressions once its strings and comments are blanked out; `minus_rewrite` splits it into tokens
(`_TOKEN`: strings, IRIs, comments, variables, words, brackets) and matches the brackets.
"""

from __future__ import annotations

import re
from typing import cast


def sparql_problems(query: str) -> list[str]:
    """What the query of a SPARQL constraint uses that the compiled validation refuses."""
    text = re.sub(r'"""(?:.|\n)*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*', " ", query)
    problems = []
    for keyword in ("MINUS", "SERVICE", "VALUES", "GROUP", "HAVING"):
        if re.search(rf"(?<![\w:]){keyword}\b", text, flags=re.I):
            problems.append(keyword)
    if len(re.findall(r"(?<![\w:])SELECT\b", text, flags=re.I)) != 1:
        problems.append("a subquery")
    if re.search(r"[$?]shapesGraph\b", text):
        problems.append("$shapesGraph")
    if not re.search(r"[$?]this\b", text):
        problems.append("no $this")
    return problems


_TOKEN = re.compile(
    r'(?P<string>"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}();,.]*)?|:[^\s{}();,.]*)"
    r"|(?P<open>[{(])|(?P<close>[})])"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)"
)
_NOT_IN_MINUS = {"OPTIONAL", "UNION", "MINUS", "BIND", "VALUES", "GRAPH", "SERVICE", "SELECT", "EXISTS", "NOT"}


_Token = tuple[str, str, int, int]  # (group name, text, start, end)


def _tokens(text: str) -> list[_Token]:
    # every alternative of _TOKEN is a named group and one of them always matches: lastgroup is set
    return [(cast(str, m.lastgroup), m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _matching(tokens: list[_Token], i: int) -> int:
    """The index of the token closing the bracket opened at tokens[i]."""
    depth = 0
    for j in range(i, len(tokens)):
        kind = tokens[j][0]
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced brackets")


def minus_rewrite(query: str) -> str:
    """`FILTER NOT EXISTS { P }` at the top of the WHERE clause as `MINUS { P }` at its end,
    where the two are equivalent: P is triple patterns and FILTERs on P's own variables, and
    shares $this (always bound: the focus node) with the solutions it removes.

    pyoxigraph evaluates NOT EXISTS over several triple patterns row by row without using
    the row's bindings (oxigraph issue #885): minutes on 100 000 triples. MINUS is a hash
    anti-join. Anything else is left as written.
    """
    tokens = _tokens(query)
    code = [t for t in tokens if t[0] not in ("space", "comment")]
    start = next((i for i, t in enumerate(code) if t[0] == "word" and t[1].upper() == "WHERE"), None)
    if start is None or start + 1 >= len(code) or code[start + 1][1] != "{":
        return query
    end = _matching(code, start + 1)
    removals: list[tuple[int, int]] = []
    moved: list[str] = []
    i = start + 2
    while i < end:
        kind, text = code[i][0], code[i][1]
        if kind == "open":
            i = _matching(code, i) + 1
            continue
        if (kind == "word" and text.upper() == "FILTER" and i + 3 < end and code[i + 1][1].upper() == "NOT"
                and code[i + 2][1].upper() == "EXISTS" and code[i + 3][1] == "{"):
            close = _matching(code, i + 3)
            inner = code[i + 4:close]
            if _minus_safe(inner):
                removals.append((code[i][2], code[close][3]))
                moved.append(query[code[i + 3][2]:code[close][3]])
            i = close + 1
            continue
        i += 1
    if not removals:
        return query
    out, last = [], 0
    for a, b in removals:
        out.append(query[last:a])
        last = b
    closing = code[end][2]
    out.append(query[last:closing])
    out.append(" " + " ".join(f"MINUS {block}" for block in moved) + " ")
    out.append(query[closing:])
    return "".join(out)


def _minus_safe(inner: list[_Token]) -> bool:
    pattern_vars: set[str] = set()
    filter_vars: set[str] = set()
    i = 0
    while i < len(inner):
        kind, text = inner[i][0], inner[i][1]
        if kind == "open" and text == "{":
            return False
        if kind == "word" and text.upper() in _NOT_IN_MINUS:
            return False
        if kind == "word" and text.upper() == "FILTER":
            j = i + 1
            if j >= len(inner) or inner[j][1] != "(":
                return False  # FILTER EXISTS, FILTER regex(...) without brackets...
            close = _matching(inner, j)
            for t in inner[j:close + 1]:
                if t[0] == "word" and t[1].upper() in _NOT_IN_MINUS:
                    return False
                if t[0] == "var":
                    filter_vars.add(t[1][1:])
            i = close + 1
            continue
        if kind == "var":
            pattern_vars.add(text[1:])
        i += 1
    return "this" in pattern_vars and filter_vars <= pattern_vars

