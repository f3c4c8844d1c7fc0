"""What a query may do here: read, and nothing else.

`check_query` reads a SPARQL query's tokens, without evaluating anything, and
returns its form ('select', 'ask' or 'graph'), or refuses it:

- SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...): the endpoint is read-only;
- SERVICE anywhere in the query: the server never makes an outbound request
  because of a query.

The tokenizer follows the SPARQL 1.1 grammar for the spans it treats as
opaque (comments, strings, IRIs, variables, prefixed names) and treats
everything else as code, so text it cannot classify is searched rather than
skipped. Two views of the query are checked, as written and with `\\uXXXX`
escapes decoded, because a parser may decode escapes before or after
tokenizing. Oxigraph's parser accepts keywords glued to what follows
(`SERVICE:x`, `SERVICEex:x`, `SERVICESILENT<...>`), so any word or prefixed
name that starts with "service" counts.

This check is the first of two guards: query workers also run without the
ability to open network sockets (see `spacecoop.sandbox`).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from spacecoop.store import QueryRefused

SELECT, ASK, GRAPH = "select", "ask", "graph"

_FORMS = {"select": SELECT, "ask": ASK, "construct": GRAPH, "describe": GRAPH}
_UPDATE_KEYWORDS = frozenset(
    {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}
)

_ECHAR = r"""\\[tbnrf\\"']"""
_TOKEN = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>
          '''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''
        | \"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*\"\"\"
        | '(?:[^'\\\n\r]|{_ECHAR})*'
        | "(?:[^"\\\n\r]|{_ECHAR})*"
      )
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w\-.:%]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
    | (?P<word>[^\W\d]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decode_escapes(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _UNICODE_ESCAPE.sub(replace, text)


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) for every token but whitespace and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield kind, match.group()


def _names_service(kind: str, text: str) -> bool:
    return kind in ("word", "pname") and text.lower().startswith("service")


def _form(text: str) -> str | None:
    """The first keyword after the prologue (BASE and PREFIX declarations), lower-cased."""
    expect_prologue_args = 0
    for kind, value in tokens(text):
        if expect_prologue_args:
            expect_prologue_args -= 1
            continue
        if kind != "word":
            return None
        keyword = value.lower()
        if keyword == "base":
            expect_prologue_args = 1
        elif keyword == "prefix":
            expect_prologue_args = 2
        else:
            return keyword
    return None


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


def check_query(query: str) -> str | None:
    """The query's form ('select', 'ask', 'graph'), or None if it has none (a syntax error).

    Raises QueryRefused for updates and for SERVICE.
    """
    if "\\" not in query and "service" not in query.lower():
        # The common case, read only up to the form: a token that names SERVICE spells "service"
        # (lower() maps each character on its own), and without escapes there is one view.
        return _checked_form(_form(query))
    return read_every_token(query)


SHORT_QUERY = 4096  # characters: a query up to this long is quick to check, and its verdict is kept


@functools.lru_cache(maxsize=4096)
def _check_short(query: str) -> str | None:
    return check_query(query)


def check_query_cached(query: str) -> str | None:
    """`check_query`, with the verdicts on the last few thousand short queries kept: the
    server checks a query before it negotiates the answer's format and the store checks
    it again before it runs it, and clients repeat queries. A refusal is not kept (it raises)."""
    return _check_short(query) if len(query) <= SHORT_QUERY else check_query(query)


def read_every_token(query: str) -> str | None:
    """`check_query` without its shortcut: every token of both views is read."""
    views = (query, _decode_escapes(query)) if "\\" in query else (query,)
    forms = {_form(view) for view in views}
    for keyword in sorted(k for k in forms if k in _UPDATE_KEYWORDS):
        raise refuse_update(keyword)
    for view in views:
        if any(_names_service(kind, value) for kind, value in tokens(view)):
            raise refuse_service()
    return _checked_form(_form(query))


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
