"""The text of SHACL-SPARQL constraints: what a query uses that is not compiled (`sparql_problems`),
and the rewrite of a top-level `FILTER NOT EXISTS` as `MINUS` where the two agree (`minus_rewrite`).

Both read the query's tokens (`spacecoop.rdf.sparql_lexer`) without a SPARQL parser:
`sparql_problems` looks for keywords and variables, `minus_rewrite` matches the brackets.
"""

from __future__ import annotations

from spacecoop.rdf.sparql_lexer import Token, code

_REFUSED = ("MINUS", "SERVICE", "VALUES", "GROUP", "HAVING")
_NOT_IN_MINUS = {"OPTIONAL", "UNION", "MINUS", "BIND", "VALUES", "GRAPH", "SERVICE", "SELECT", "EXISTS", "NOT"}


def _tokens(query: str) -> list[Token]:
    """The query's tokens but whitespace and comments; a backslash in a string escapes any character."""
    return list(code(query, lenient_strings=True))


def _keyword(token: Token) -> str | None:
    """The keyword a token spells, in upper case (None for anything but a bare word)."""
    return token.text.upper() if token.kind == "word" else None


def sparql_problems(query: str) -> list[str]:
    """What the query of a SPARQL constraint uses that the compiled validation refuses."""
    tokens = _tokens(query)
    keywords = [k for k in map(_keyword, tokens) if k is not None]
    variables = {t.text[1:] for t in tokens if t.kind == "var"}
    problems = [keyword for keyword in _REFUSED if keyword in keywords]
    if keywords.count("SELECT") != 1:
        problems.append("a subquery")
    if "shapesGraph" in variables:
        problems.append("$shapesGraph")
    if "this" not in variables:
        problems.append("no $this")
    return problems


def _opens(token: Token) -> bool:
    return token.kind == "other" and token.text in "{("


def _closes(token: Token) -> bool:
    return token.kind == "other" and token.text in "})"


def _matching(tokens: list[Token], i: int) -> int:
    """The index of the token closing the bracket opened at tokens[i]."""
    depth = 0
    for j in range(i, len(tokens)):
        if _opens(tokens[j]):
            depth += 1
        elif _closes(tokens[j]):
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
    code = _tokens(query)
    start = next((i for i, t in enumerate(code) if _keyword(t) == "WHERE"), None)
    if start is None or start + 1 >= len(code) or code[start + 1].text != "{":
        return query
    end = _matching(code, start + 1)
    removals: list[tuple[int, int]] = []
    moved: list[str] = []
    i = start + 2
    while i < end:
        if _opens(code[i]):
            i = _matching(code, i) + 1
            continue
        if (_keyword(code[i]) == "FILTER" and i + 3 < end and _keyword(code[i + 1]) == "NOT"
                and _keyword(code[i + 2]) == "EXISTS" and code[i + 3].text == "{"):
            close = _matching(code, i + 3)
            if _minus_safe(code[i + 4:close]):
                removals.append((code[i].start, code[close].end))
                moved.append(query[code[i + 3].start:code[close].end])
            i = close + 1
            continue
        i += 1
    if not removals:
        return query
    out, last = [], 0
    for a, b in removals:
        out.append(query[last:a])
        last = b
    closing = code[end].start
    out.append(query[last:closing])
    out.append(" " + " ".join(f"MINUS {block}" for block in moved) + " ")
    out.append(query[closing:])
    return "".join(out)


def _minus_safe(inner: list[Token]) -> bool:
    pattern_vars: set[str] = set()
    filter_vars: set[str] = set()
    i = 0
    while i < len(inner):
        token = inner[i]
        if token.kind == "other" and token.text == "{":
            return False
        if _keyword(token) in _NOT_IN_MINUS:
            return False
        if _keyword(token) == "FILTER":
            j = i + 1
            if j >= len(inner) or inner[j].text != "(":
                return False  # FILTER EXISTS, FILTER regex(...) without brackets...
            close = _matching(inner, j)
            for t in inner[j:close + 1]:
                if _keyword(t) in _NOT_IN_MINUS:
                    return False
                if t.kind == "var":
                    filter_vars.add(t.text[1:])
            i = close + 1
            continue
        if token.kind == "var":
            pattern_vars.add(token.text[1:])
        i += 1
    return "this" in pattern_vars and filter_vars <= pattern_vars
