"""The parser's syntax errors as one sentence a person can act on.

Oxigraph (the embedded engines, and the local check before a query goes to an
external store) says `error at LINE:COLUMN: expected one of …`, the list often
hundreds of characters of grammar (`['-' | '0' ..= '9' | '\\u{00B7}' …]`).
`explain` turns it into `line L, column C: <what is wrong>`:

* an undeclared prefix: `the prefix "foo:" is not declared (declare it with PREFIX foo: <…>, or
  use one of the predeclared prefixes: sco, rdf, …)`;
* no query form: `"SELEC" is not a SPARQL keyword; a query starts with SELECT, CONSTRUCT, ASK or
  DESCRIBE (after its PREFIX and BASE declarations)`;
* an IRI that is not one: `"<x>" is not a valid IRI`;
* anything else: `unexpected "<token>"; expected …`, the list cut to its readable part.

Oxigraph's position is 1-based; its column counts characters (code points, not
bytes or UTF-16 units) since the last line feed (a carriage return is a
character of the line), in the text as sent, `\\uXXXX` escapes undecoded. It
is the furthest point the parser reached: the start of the token it could not
read (`LIMIT x`: at `x`), the end of a token it read and then refused (an
undeclared prefix, an invalid IRI: just after it), or, where a longer reading
failed further on, later, up to the end of the query. So the token named is
found with the lexer: the first undeclared prefixed name or the query's
first word where those are the fault, else the token at that position.

Positions are those of the client's text: the store may have put one line of
declarations before it (`prefixes.declare`), and `lines_added` takes it off.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from spacecoop.rdf.sparql_lexer import Token, code, read_prologue, scan, split_prefixed_name
from spacecoop.store.prefixes import prefixes_used
from spacecoop.store.protocol import QuerySyntaxError

_MESSAGE = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)
# One item of the parser's list: a quoted literal, a character class, or a bare name or phrase.
_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:\'(?:[^\'\\]|\\.)*\'|[^\]\'])*\]|[^,\["]+')
_SINGLE_CHARACTER = re.compile(r"\['((?:[^'\\]|\\.))'\]")
SHOWN_EXPECTED = 8  # items of the expectation list shown, then "…"
# The predeclared prefixes a sentence lists first (those a server has), then how many more there are.
COMMON_PREFIXES = ("sco", "rdf", "rdfs", "owl", "xsd", "skos", "prov", "oa", "dcterms", "schema")
TOKEN_CHARACTERS = 40  # characters of the offending token quoted
FORMS = ("select", "construct", "ask", "describe")
# Words of the grammar that may not start a query (anything else there is not a SPARQL keyword).
_KEYWORDS = frozenset({
    "where", "from", "named", "graph", "optional", "union", "minus", "filter", "bind", "values", "service",
    "limit", "offset", "order", "group", "by", "having", "distinct", "reduced", "as", "asc", "desc", "exists",
    "not", "in", "a", "true", "false", "undef", "silent", "prefix", "base",
})
_START = "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after its PREFIX and BASE declarations)"


@dataclass(frozen=True)
class ParserMessage:
    """Oxigraph's message read: its position, what it expected (as readable phrases), and the failures
    it names among them (`Prefix not found`, `IRI parsing failed`)."""

    line: int
    column: int
    expected: tuple[str, ...]
    failures: tuple[str, ...]


def read_message(message: str) -> ParserMessage | None:
    """`error at L:C: expected …` read; None for any other message."""
    match = _MESSAGE.fullmatch(message.strip())
    if match is None:
        return None
    rest = match.group(3)
    rest = rest.removeprefix("expected one of ").removeprefix("expected ")
    expected: list[str] = []
    failures: list[str] = []
    for item in (found.group().strip() for found in _ITEM.finditer(rest)):
        phrase = _readable(item)
        if not phrase:
            continue
        if " " in phrase and not item.startswith(("[", '"')):
            failures.append(phrase)
        elif phrase not in expected:
            expected.append(phrase)
    return ParserMessage(int(match.group(1)), int(match.group(2)), tuple(expected), tuple(failures))


def _readable(item: str) -> str:
    """One expected item as a reader would say it; "" for what says nothing to a reader."""
    if item.startswith("["):
        single = _SINGLE_CHARACTER.fullmatch(item)
        if single is not None:
            return f'"{single.group(1)}"'
        if "'a' ..= 'z'" in item or "'A' ..= 'Z'" in item:
            return "a name"
        if item.replace(" ", "") == "['0'..='9']":
            return "a digit"
        return ""  # `[_]` (any character) and the grammar's other classes of characters
    return item


def with_position(message: str, lines_added: int) -> str:
    """The parser's message with its position moved to the client's text (`lines_added` lines off)."""
    match = _MESSAGE.fullmatch(message.strip())
    if match is None or not lines_added or int(match.group(1)) <= lines_added:
        return message
    return f"error at {int(match.group(1)) - lines_added}:{match.group(2)}: {match.group(3)}"


# --- positions -----------------------------------------------------------------------------------


def offset_of(text: str, line: int, column: int) -> int:
    """The offset in `text` of a 1-based line and column (characters since the last line feed)."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return len(text)
        start = found + 1
    return min(start + max(column, 1) - 1, len(text))


def position_of(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of an offset in `text`."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --- sentences ----------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    shown = text if len(text) <= TOKEN_CHARACTERS else text[: TOKEN_CHARACTERS - 1] + "…"
    return f'"{shown}"'


def _expectation(expected: Sequence[str]) -> str:
    if not expected:
        return ""
    shown = list(expected[:SHOWN_EXPECTED]) + (["…"] if len(expected) > SHOWN_EXPECTED else [])
    return f"; expected {shown[0]}" if len(shown) == 1 else f"; expected one of {', '.join(shown)}"


def undeclared_prefix(prefix: str, predeclared: Mapping[str, str]) -> str:
    """What to say of a prefix used but declared nowhere."""
    close = difflib.get_close_matches(prefix, list(predeclared), n=1, cutoff=0.75) if prefix else []
    hint = f'did you mean "{close[0]}:"? ' if close else ""
    common = [name for name in COMMON_PREFIXES if name in predeclared] or list(predeclared)[: len(COMMON_PREFIXES)]
    more = len(predeclared) - len(common)
    listed = ", ".join(common) + (f" and {more} more, listed in the service description" if more else "")
    offer = f", or use one of the predeclared prefixes: {listed}" if predeclared else ""
    return f'the prefix "{prefix}:" is not declared ({hint}declare it with PREFIX {prefix}: <…>{offer})'


def _not_a_form(first: Token | None) -> str | None:
    """What to say when the query does not start with its form (after its prologue); None if it does."""
    if first is None:
        return f"the query has no SELECT, CONSTRUCT, ASK or DESCRIBE; {_START}"
    if first.kind == "word":
        if first.text.lower().startswith(FORMS):  # Oxigraph reads `SELECTDISTINCT` as two keywords
            return None
        if first.text.lower() in _KEYWORDS:
            return f"{_quoted(first.text)} cannot start a query; {_START}"
        return f"{_quoted(first.text)} is not a SPARQL keyword; {_START}"
    return f"unexpected {_quoted(first.text)}; {_START}"


def _first_undeclared(query: str, predeclared: Mapping[str, str], before: int) -> Token | None:
    """The first prefixed name, starting at or before `before`, whose prefix is declared nowhere."""
    declared, names = prefixes_used(query)
    for token in names:
        if token.start > before:
            return None
        prefix = split_prefixed_name(token.text)[0]
        if prefix not in declared and prefix not in predeclared:
            return token
    return None


def _invalid_iri(query: str, offset: int) -> tuple[int, str] | None:
    """The `<…>` that ends where the parser refused an IRI, with its offset."""
    if offset < 1 or query[offset - 1] != ">":
        return None
    start = query.rfind("<", 0, offset - 1)
    return (start, query[start:offset]) if start >= 0 else None


def _unclosed_string(query: str, offset: int) -> int | None:
    """The offset of a quote at or before `offset` that opens no string (the lexer found no end to it)."""
    for token in code(query):
        if token.start > offset:
            return None
        if token.kind == "other" and token.text in ("'", '"'):
            return token.start
    return None


def _offending(query: str, offset: int) -> Token | None:
    """The token at `offset`: the one there, else the one ending there, else the next; None at the end."""
    tokens = [token for token in scan(query) if token.kind not in ("space", "comment")]
    for token in tokens:
        if token.start <= offset < token.end:
            return token
    ending = [token for token in tokens if token.end == offset]
    if ending:
        return ending[-1]
    return next((token for token in tokens if token.start > offset), None)


def _at(query: str, offset: int, sentence: str) -> tuple[int, int, str]:
    line, column = position_of(query, offset)
    return line, column, f"line {line}, column {column}: {sentence}"


def _sentence(query: str, parsed: ParserMessage, offset: int,
              predeclared: Mapping[str, str]) -> tuple[int, int, str]:
    """The line, column and sentence for an error the parser places at `offset` of the client's query."""
    first = read_prologue(code(query)).first
    if first is None or offset >= first.start:
        wrong_form = _not_a_form(first)
        if wrong_form is not None:
            return _at(query, first.start if first is not None else offset, wrong_form)
    iri = _invalid_iri(query, offset) if any("IRI" in failure for failure in parsed.failures) else None
    if iri is not None:
        return _at(query, iri[0], f"{_quoted(iri[1])} is not a valid IRI")
    undeclared = _first_undeclared(query, predeclared, offset)
    if undeclared is not None:
        prefix = split_prefixed_name(undeclared.text)[0]
        return _at(query, undeclared.start, undeclared_prefix(prefix, predeclared))
    unclosed = _unclosed_string(query, offset)
    if unclosed is not None:
        return _at(query, unclosed, "a string starts here and is never closed")
    token = _offending(query, offset)
    expected = _expectation(parsed.expected)
    if token is None:
        last = list(code(query))
        after = f" after {_quoted(last[-1].text)}" if last else ""
        return _at(query, offset, f"unexpected end of the query{after}{expected}")
    return _at(query, token.start, f"unexpected {_quoted(token.text)}{expected}")


def explain(error: QuerySyntaxError, query: str, *, predeclared: Mapping[str, str],
            lines_added: int = 0) -> QuerySyntaxError:
    """`error` (the parser's, on `query` with `lines_added` lines put before it) as a sentence about
    `query`; an error whose message is not the parser's comes back as it is."""
    message = error.parser_message
    parsed = read_message(message) if error.line is None else None  # not one explained already
    if parsed is None or parsed.line <= lines_added:
        return error
    offset = offset_of(query, parsed.line - lines_added, parsed.column)
    line, column, sentence = _sentence(query, parsed, offset, predeclared)
    return QuerySyntaxError(sentence, parser_message=with_position(message, lines_added), line=line, column=column)
