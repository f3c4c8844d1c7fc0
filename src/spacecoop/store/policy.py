"""What a query may do here: read, and nothing else, within a bounded depth.

`check_query` reads a SPARQL query's tokens, without evaluating anything, and
returns its form ('select', 'ask' or 'graph'), or refuses it:

- SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...): the endpoint is read-only;
- SERVICE anywhere in the query: the server never makes an outbound request
  because of a query;
- a query nested deeper than `max_nesting` levels (`QueryTooComplex`): Oxigraph
  parses and evaluates by recursion, and a few thousand levels overflow its
  stack and kill the process (see `nesting` for what counts as a level).

The tokenizer (`spacecoop.rdf.sparql_lexer`) follows the SPARQL 1.1 grammar
for the spans it treats as opaque (comments, strings, IRIs, variables, prefixed
names) and treats everything else as code, so text it cannot classify is
searched rather than skipped. It reads each character a bounded number of
times, so the check of any text is linear in its length. Two views of the
query are checked for SERVICE, as written and with `\\uXXXX` escapes decoded,
because a parser may decode escapes before or after tokenizing. Oxigraph's
parser accepts keywords glued to what precedes or follows them (`trueSERVICE
<...>`, `SERVICE:x`, `SERVICEex:x`, `SERVICESILENT<...>`), so any word that
contains "service" counts, and so does a prefixed name whose prefix contains
it, unless that prefix is declared (`PREFIX service: <...>`) and no glued
reading of it (`SERVICE` + a declared prefix, `service:x` with `PREFIX :`)
exists.

This check is the first of two guards: the query engines also run without the
ability to open network sockets (see `spacecoop.store.sandbox`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from spacecoop.rdf.sparql_lexer import code, read_prologue, scan
from spacecoop.store.protocol import QueryRefused

SELECT, ASK, GRAPH = "select", "ask", "graph"

# Levels of nesting a query may have (see `nesting`). Oxigraph 0.5 (pyoxigraph, and the
# `oxigraph` server on its threads) crashes at 960 nested function calls STR(STR(…)), 830
# nested FILTER EXISTS { … } (2 500 by this count), 2 200 nested braces (4 400 by this
# count), 2 600 OPTIONAL, MINUS or BIND in one group, 4 700 nested parentheses, 6 600
# UNION, 6 800 `+`, 9 300 `!` or `&&`: 100 is ten times below the first, and far above
# real queries (the deepest competency query reaches 11).
MAX_NESTING = 100


class QueryTooComplex(QueryRefused):
    """The query nests deeper than this endpoint evaluates safely: the client's to simplify (HTTP 400)."""


_FORMS = {"select": SELECT, "ask": ASK, "construct": GRAPH, "describe": GRAPH}
_UPDATE_KEYWORDS = frozenset(
    {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}
)

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decode_escapes(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _UNICODE_ESCAPE.sub(replace, text)


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) for every token but whitespace and comments (see `spacecoop.rdf.sparql_lexer`)."""
    for kind, value, _ in scan(text):
        if kind not in ("space", "comment"):
            yield kind, value


# --- Nesting -------------------------------------------------------------------------------

_OPENERS = frozenset("{([")
_CLOSERS = frozenset("})]")
# Operators the parser folds into a tree one level per operator: binary chains (a && b && …,
# paths p/q/…) and runs of unary ones (!!!…).
_CHAINED = frozenset({"&&", "||", "!", "/", "|", "^"})
_CHAINED_IN_EXPRESSIONS = frozenset({"*", "+", "-"})
_STARTS_A_LIST_ITEM = frozenset({"(", ","})  # a sign here belongs to a number: IN (-1, -2), VALUES rows
# Group elements joined one after another: each nests the ones before it one level deeper.
_GROUP_ELEMENTS = ("union", "optional", "minus", "filter", "bind", "graph", "service", "values")
_GROUP_ELEMENT = re.compile("|".join(_GROUP_ELEMENTS))  # searched in lower case: Oxigraph folds ASCII only
_LEVEL_CHARACTERS = "([&|!/^*+-"  # and "{", which may add two levels


def _adds_a_level(kind: str, value: str, opener: str, previous: str) -> bool:
    if kind == "word":
        return _GROUP_ELEMENT.search(value.lower()) is not None
    if kind not in ("op", "other"):
        return False
    if value in _CHAINED:
        return True
    if opener == "(" and value in _CHAINED_IN_EXPRESSIONS:
        return value == "*" or previous not in _STARTS_A_LIST_ITEM
    return value == "{" and opener == "{"  # a group inside a group is joined to what precedes it


def nesting(text: str, limit: int) -> int | None:
    """The offset where the query nests deeper than `limit` levels, or None if it never does.

    The depth at a token is the number of brackets (`{`, `(`, `[`) open around it plus,
    in each of them, the operators chained and the group elements (OPTIONAL, UNION,
    FILTER, a group, ...) joined so far: both make Oxigraph's parse tree one level deeper.
    The scan stops as soon as the limit is passed. Escapes are not decoded: Oxigraph
    reads `\\u007B` as text, never as a bracket.
    """
    return None if _most_levels(text) <= limit else _deeper_than(text, limit)


def _deeper_than(text: str, limit: int) -> int | None:
    """`nesting` without its shortcut: the scan of every token."""
    depth, previous = 0, ""
    openers, added = [""], [0]  # the brackets open, and the levels added inside each
    for kind, value, offset in scan(text):
        if kind in ("space", "comment"):
            continue
        if _adds_a_level(kind, value, openers[-1], previous):
            added[-1] += 1
            depth += 1
        if kind == "other" and value in _OPENERS:
            openers.append(value)
            added.append(0)
            depth += 1
        elif kind == "other" and value in _CLOSERS and len(openers) > 1:
            openers.pop()
            depth -= 1 + added.pop()
        if depth > limit:
            return offset
        previous = value
    return None


def _most_levels(text: str) -> int:
    """A bound on `nesting`'s depth, found in a few passes in C: every character or word that may
    add a level, wherever it is (in strings and IRIs too). Most queries are far below any limit."""
    lowered = text.lower()
    return (
        2 * text.count("{")
        + sum(text.count(character) for character in _LEVEL_CHARACTERS)
        + sum(lowered.count(keyword) for keyword in _GROUP_ELEMENTS)
    )


def refuse_nesting(text: str, offset: int, limit: int) -> QueryTooComplex:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return QueryTooComplex(
        f"The query nests more than {limit} levels deep (at line {line}, column {column}); this endpoint "
        f"accepts at most {limit} levels (setting --max-nesting), because deeper queries can crash the "
        "query engine. Each bracket counts, and so does each operator or group element chained inside "
        "one (a && b && ..., p/q/..., UNION, OPTIONAL, FILTER). Use VALUES or IN instead of long chains "
        "of || or UNION, or split the query."
    )


def _form(text: str) -> str | None:
    """The first keyword after the prologue (BASE and PREFIX declarations), lower-cased."""
    return _prologue(text)[0]


def _prologue(text: str) -> tuple[str | None, frozenset[str]]:
    """The first keyword after the prologue, lower-cased, and the prefixes the prologue declares."""
    prologue = read_prologue(code(text))
    return prologue.keyword, prologue.prefixes


def _names_service(kind: str, value: str, declared: frozenset[str]) -> bool:
    """True if Oxigraph may read the token as the SERVICE keyword (alone or glued to a neighbour)."""
    if kind == "word":
        return "service" in value.lower()
    prefix = value.partition(":")[0]
    if kind != "pname" or "service" not in prefix.lower():
        return False
    if prefix not in declared:
        return True  # an undeclared prefix parses only as the keyword glued to something
    # A declared prefix still reads as SERVICE [SILENT] glued to another declared prefix.
    for found in re.finditer("service", prefix, re.IGNORECASE):
        rest = prefix[found.end():]
        silent = rest[6:] if rest.lower().startswith("silent") else None
        if rest in declared or silent in declared:
            return True
    return False


def form(text: str) -> str | None:
    """The query form ('select', 'ask', 'construct', 'describe'), or another first keyword."""
    return _form(text)


def refuse_update(keyword: str | None) -> QueryRefused:
    if keyword == "load":
        return QueryRefused(
            "LOAD is refused: this endpoint is read-only and never fetches data from the network. "
            "Download the data yourself, or query what the release already holds."
        )
    operation = f" ({keyword.upper()})" if keyword else ""
    return QueryRefused(
        f"SPARQL Update{operation} is refused: this endpoint is read-only. "
        "Send a SELECT, ASK, CONSTRUCT or DESCRIBE query."
    )


def refuse_service() -> QueryRefused:
    return QueryRefused(
        "SERVICE is refused: this endpoint never makes requests to other endpoints on a query's behalf. "
        "Run the federated query from your own client, or query each endpoint separately."
    )


def check_query(query: str, max_nesting: int = MAX_NESTING) -> str | None:
    """The query's form ('select', 'ask', 'graph'), or None if it has none (a syntax error).

    Raises QueryRefused for updates and for SERVICE, QueryTooComplex (a QueryRefused)
    for a query nested deeper than `max_nesting` levels.
    """
    if "\\" not in query and "service" not in query.lower():
        # The common case: a token that names SERVICE spells "service" (lower() maps each
        # character on its own), and without escapes there is one view.
        _check_nesting(query, max_nesting)
        return _checked_form(_form(query))
    return read_every_token(query, max_nesting)


def _check_nesting(query: str, max_nesting: int) -> None:
    offset = nesting(query, max_nesting)
    if offset is not None:
        raise refuse_nesting(query, offset, max_nesting)


SHORT_QUERY = 4096  # characters: a query up to this long is quick to check, and its verdict is kept


@functools.lru_cache(maxsize=4096)
def _check_short(query: str, max_nesting: int) -> str | None:
    return check_query(query, max_nesting)


def check_query_cached(query: str, max_nesting: int = MAX_NESTING) -> str | None:
    """`check_query`, with the verdicts on the last few thousand short queries kept: the
    server checks a query before it negotiates the answer's format and the store checks
    it again before it runs it, and clients repeat queries. A refusal is not kept (it raises)."""
    return _check_short(query, max_nesting) if len(query) <= SHORT_QUERY else check_query(query, max_nesting)


def read_every_token(query: str, max_nesting: int = MAX_NESTING) -> str | None:
    """`check_query` without its shortcut: every token of both views is read."""
    _check_nesting(query, max_nesting)
    decoded = _decode_escapes(query) if "\\" in query else query
    views = (query,) if decoded == query else (query, decoded)
    prologues = [_prologue(view) for view in views]
    for keyword in sorted({k for k, _ in prologues if k in _UPDATE_KEYWORDS}):
        raise refuse_update(keyword)
    for view, (_, declared) in zip(views, prologues, strict=False):
        spelled = "service" in view.lower()  # a token naming SERVICE spells it
        if spelled and any(_names_service(kind, value, declared) for kind, value in tokens(view)):
            raise refuse_service()
    return _checked_form(prologues[0][0])


def _checked_form(keyword: str | None) -> str | None:
    """The kind of query a first keyword makes; refuses an update."""
    if keyword in _UPDATE_KEYWORDS:
        raise refuse_update(keyword)
    form = keyword or ""
    # Oxigraph accepts a keyword glued to the next one (`SELECTDISTINCT`): match by prefix.
    return next((kind for keyword, kind in _FORMS.items() if form.startswith(keyword)), None)


def check_update(update: str) -> QueryRefused:
    """The refusal for a request sent as an update (form `update=` or `application/sparql-update`)."""
    keyword = _form(update)
    return refuse_update(keyword if keyword in _UPDATE_KEYWORDS else None)


def names_dataset(query: str) -> bool:
    """True if the query names its own dataset (FROM or FROM NAMED)."""
    return any(kind == "word" and value.lower().startswith("from") for kind, value in tokens(query))
