"""SPARQL 1.1 query text read as tokens, in time linear in its length.

`scan` yields every token with its kind, its text and its offset: whitespace and
comments too, so that the tokens put end to end give the text back. The kinds:

- `space`, `comment` (`#` to the end of the line);
- `string` (the four quotings, with their escapes), `iri` (`<...>`), `var` (`?x`, `$x`),
  `bnode` (`_:b`), `langtag` (`@en-GB`), `number`;
- `pname`, a prefixed name (`ex:a`, `:a`, `ex:`), whose local part may hold the
  backslash escapes of SPARQL 1.1 (`id:country\\/china`; see `split_prefixed_name`);
- `word`, a name that is not a prefixed name: keywords, in any case (`SELECT`, `a`, `true`);
- `op`, a two-character operator (`&&`, `||`, `^^`, `!=`, `<=`, `>=`);
- `other`, any other single character: brackets (`{`, `}`, `(`, `)`, `[`, `]`),
  punctuation, and a quote or `<` that opens no string or IRI.

Names are read with Python's `\\w` for the grammar's name characters, loosely: a
prefixed name may end with `.` and its local part may be empty. Text the lexer
cannot classify is `other`, one character at a time, never skipped: the query
policy (`spacecoop.store.policy`) relies on this to search all of it.

Strings follow the grammar, where `\\uXXXX` escapes are decoded before tokenizing
and only the short escapes (`\\n`, `\\"`, ...) remain in strings; a reader that
rewrites text as written reads them leniently (`lenient_strings`, see `scan`).
`with_grammar_names` reads names strictly, as the grammar does, for readers
that act on names (`spacecoop.rdf.escaped_names`, DESCRIBE's targets), and
`read_prologue` reads the BASE and PREFIX declarations.

Each character is read a bounded number of times: where a string ends depends on
the text only, so the end of an unclosed string is remembered rather than looked
for again from each quote before it, and a run of name characters where no
prefixed name starts is not searched again from each of its characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, cast

# --- The grammar's prefixed names (SPARQL 1.1, PN_PREFIX and PN_LOCAL), strictly ---

# Characters a SPARQL 1.1 prefixed name may escape with a backslash (PN_LOCAL_ESC).
PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PLX = rf"(?:%[0-9A-Fa-f]{{2}}|{PN_LOCAL_ESC})"
_PN_CHARS_BASE = (
    r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F"
    r"\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
PN_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
# A variable, blank node or prefixed name as the grammar reads it (VAR1/VAR2, BLANK_NODE_LABEL, PNAME_NS/PNAME_LN).
_GRAMMAR_NAME = re.compile(
    rf"(?P<var>[?$]{_VARNAME})"
    rf"|(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"
    rf"|(?P<pname>(?:{PN_PREFIX})?:(?:{PN_LOCAL})?)"
)
_PN_CHARS_BASE_CHARACTER = re.compile(rf"[{_PN_CHARS_BASE}]")
_GRAMMAR_NAME_RUN = re.compile(rf"[{_PN_CHARS}.]*")
_NAMED = frozenset({"var", "bnode", "pname", "word", "other"})  # tokens where a grammar name may start

# --- Tokens ---

# Strings are found by `_string_end`; the `quote` group only says where one may start.
_TOKENS = r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<quote>'''|\"\"\"|'|")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    PNAME
    | (?P<word>[^\W\d]\w*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    | (?P<op>&&|\|\||\^\^|!=|<=|>=)
    | (?P<other>.)
    """
_PNAME = r"| (?P<pname>(?:[^\W\d_][\w.\-]*+)?:(?:[\w\-.:%]|\\[_~.\-!$&'()*+,;=/?\#@%])*+)"
_TOKEN = re.compile(_TOKENS.replace("PNAME", _PNAME), re.VERBOSE | re.DOTALL)
# Inside a run of name characters not followed by ":" no prefixed name starts (see `scan`).
_TOKEN_IN_A_NAME = re.compile(_TOKENS.replace("PNAME", ""), re.VERBOSE | re.DOTALL)
_NAME_RUN = re.compile(r"[\w.\-]*")

_ECHAR = r"""\\[tbnrf\\"']"""


def _string_contents(escape: str) -> dict[str, re.Pattern[str]]:
    """A string's content, up to its closing quote or to where it cannot go on, for each quoting.

    Both ends are deterministic: where a string ends depends on the text only, not on the
    position a scan started from."""
    return {
        "'''": re.compile(rf"(?:(?:'|'')?(?:[^'\\]|{escape}))*+"),
        '"""': re.compile(rf'(?:(?:"|"")?(?:[^"\\]|{escape}))*+'),
        "'": re.compile(rf"(?:[^'\\\n\r]|{escape})*+"),
        '"': re.compile(rf'(?:[^"\\\n\r]|{escape})*+'),
    }


_STRING_CONTENT = _string_contents(_ECHAR)
_STRING_CONTENT_LENIENT = _string_contents(r"\\[^\n]")


class Token(NamedTuple):
    """One token: its kind (see the module's docstring), its text, and the offset where it starts."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


# `Token((kind, text, start))` without the Python-level `__new__` of a named tuple: `scan` makes one per token.
_token = functools.partial(tuple.__new__, Token)


def _string_end(
    text: str, start: int, quote: str, contents: dict[str, re.Pattern[str]], unterminated: dict[str, int]
) -> int | None:
    """Where the string opened by `quote` at `start` ends, or None if it is not closed.

    A scan that finds no closing quote stops at the same place from any opening quote
    it passed over (those were escaped), so that place is remembered: a later opening
    before it is known to fail too, and no character is scanned twice.
    """
    if start < unterminated.get(quote, -1):
        return None
    stop = cast("re.Match[str]", contents[quote].match(text, start + len(quote))).end()  # `*`: always matches
    if text.startswith(quote, stop):
        return stop + len(quote)
    unterminated[quote] = stop
    return None


def scan(text: str, *, lenient_strings: bool = False) -> Iterator[Token]:
    """Every token of `text`, whitespace and comments included.

    `lenient_strings`: in a string, a backslash escapes any character but a line feed
    (`\\u00e9`, `\\/`), as in text whose `\\u` escapes are not decoded yet, or written for
    a store that accepts more escapes than the grammar does.

    A word that starts with a letter is where a prefixed name was looked for, to the
    end of its run of name characters (`a-b-c`), and not found; no prefixed name
    starts before that end either, so the rest of the run is read without looking again.
    """
    contents = _STRING_CONTENT_LENIENT if lenient_strings else _STRING_CONTENT
    unterminated: dict[str, int]
    end: int | None
    position, unterminated, no_prefixed_name_before = 0, {}, 0
    while position < len(text):
        in_a_name = position < no_prefixed_name_before
        match = (_TOKEN_IN_A_NAME if in_a_name else _TOKEN).match(text, position)
        assert match is not None  # `other` matches any character
        kind, end = match.lastgroup or "other", match.end()
        if kind == "word" and not in_a_name and text[position] != "_":  # "_" starts no prefix: nothing was read
            # `*`: always matches
            no_prefixed_name_before = cast("re.Match[str]", _NAME_RUN.match(text, position)).end()
        if kind == "quote":
            quote = match.group()
            end = _string_end(text, position, quote, contents, unterminated)
            if end is None and len(quote) == 3:  # ''' not closed: '' and then a string that may be
                quote = quote[0]
                end = _string_end(text, position, quote, contents, unterminated)
            kind, end = ("string", end) if end is not None else ("other", position + 1)
        yield _token((kind, text[position:end], position))
        position = end


def code(text: str, *, lenient_strings: bool = False) -> Iterator[Token]:
    """The tokens of `text` but whitespace and comments (see `scan`)."""
    for token in scan(text, lenient_strings=lenient_strings):
        if token.kind not in ("space", "comment"):
            yield token


def split_prefixed_name(name: str) -> tuple[str, str]:
    """A prefixed name's prefix and local part, as written: `id:a\\/b` gives `("id", "a\\/b")`."""
    prefix, _, local = name.partition(":")
    return prefix, local


def with_grammar_names(text: str, tokens: Iterable[Token]) -> Iterator[Token]:
    """`tokens` (of `text`, from `scan` or `code`) with variables, blank nodes and prefixed names
    as the SPARQL 1.1 grammar reads them, for readers that act on names rather than check text.

    `scan` reads names with `\\w` and loosely; the grammar's names may end before a token
    does (in `ex:a.` the "." ends a triple) or after it (`ex:a·b`, `a·b:c`, `?o·id`: "·" and
    combining marks continue a name). A name read here replaces the tokens it covers; the rest
    of a token it ends inside is an `other` token, or the name that starts there (`:c` after
    `?o·id`); a `var`, `bnode` or `pname` token where the grammar reads none is `other`.
    Linear: where no prefixed name starts, the run of name characters is not searched again.
    """
    position = no_name_before = 0  # the end of what was read; where a name may start again
    for token in tokens:
        if token.end <= position:  # read as part of a name
            continue
        start = max(token.start, position)
        while start < token.end:
            name = None
            if (start > token.start or token.kind in _NAMED) and start >= no_name_before:
                name = _GRAMMAR_NAME.match(text, start)
                if name is None and _PN_CHARS_BASE_CHARACTER.match(text, start):
                    # A prefix was read to the end of this run of name characters, and no ":" follows:
                    # no name starts before that end either. `*`: always matches.
                    no_name_before = cast("re.Match[str]", _GRAMMAR_NAME_RUN.match(text, start)).end()
            if name is not None:
                yield Token(name.lastgroup or "pname", name.group(), start)
                start = name.end()
            elif start > token.start or token.kind in ("var", "bnode", "pname"):
                yield Token("other", text[start:token.end], start)
                start = token.end
            else:
                yield token
                start = token.end
        position = start


# --- The prologue ---


@dataclass(frozen=True)
class Prologue:
    """What a query's prologue (its BASE and PREFIX declarations) declares, and the token after it."""

    # (prefix, the token after its name: its namespace if that is an `iri` token), in the order written
    declarations: tuple[tuple[str, Token | None], ...]
    # The first token after the prologue: the query's form if it is a word (SELECT, ...).
    first: Token | None

    @property
    def keyword(self) -> str | None:
        """The first word after the prologue, lower-cased; None if the prologue is followed by no word."""
        return self.first.text.lower() if self.first is not None and self.first.kind == "word" else None

    @property
    def prefixes(self) -> frozenset[str]:
        return frozenset(prefix for prefix, _ in self.declarations)

    def namespaces(self) -> dict[str, str]:
        """Each prefix declared with an IRI, and the last IRI declared for it."""
        return {prefix: iri.text[1:-1] for prefix, iri in self.declarations if iri is not None and iri.kind == "iri"}


def read_prologue(tokens: Iterator[Token]) -> Prologue:
    """Read the prologue off `tokens` (as `code` yields them), up to and including the token after it.

    BASE takes the next token and PREFIX the next two, whatever they are; PREFIX declares
    its first one if that is a prefixed name ending with ":". Reading then stops at the
    first token that is neither of these keywords (case-insensitive).
    """
    declarations: list[tuple[str, Token | None]] = []
    for token in tokens:
        keyword = token.text.lower() if token.kind == "word" else None
        if keyword == "base":
            next(tokens, None)
        elif keyword == "prefix":
            name, namespace = next(tokens, None), next(tokens, None)
            if name is not None and name.kind == "pname" and name.text.endswith(":"):
                declarations.append((name.text[:-1], namespace))
        else:
            return Prologue(tuple(declarations), token)
    return Prologue(tuple(declarations), None)
