"""The prefixes a query may use without declaring them (`sco:`, `rdf:`, `agency:` …).

As on Wikidata's and Virtuoso's endpoints, a query may use the release's
prefixes without a PREFIX line: the fixed ones every release writes
(`spacecoop.iris.PREFIXES` but `id:`) and one per resource type of the release
(`agency:` for `https://w3id.org/spacecoop/id/agency/`), the prefixes its dumps
are written with. `release_prefixes` reads them from the head of the release's
`data.trig`, where the build writes them as `@prefix` lines.

`declare` makes a query the store's parser accepts: a declaration for each of
these prefixes the query uses (a prefixed name outside strings, IRIs and
comments) and does not declare itself, all on one line put before the query.
The query's own text follows unchanged from the second line on, so a position
the parser gives on line L+1 is the client's line L (`Declared.lines_added`),
and a BASE the query starts with still applies to everything after it.

`predeclared(store)` is the set a server offers: the store's own `prefixes`
(the release's prefixes) when it has them, else `DEFAULT`.
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from spacecoop.iris import PREFIXES
from spacecoop.paths import Release
from spacecoop.rdf.sparql_lexer import Token, code, read_prologue, split_prefixed_name, with_grammar_names

DEFAULT: dict[str, str] = {name: iri for name, iri in PREFIXES.items() if name != "id"}

# One `@prefix name: <namespace> .` line (or SPARQL-style `PREFIX name: <namespace>`) of a Turtle/TriG head.
_PREFIX_LINE = re.compile(r"(?:@prefix|PREFIX)\s+([^\s:]*):\s*<([^<>\"{}|^`\\\s]*)>\s*\.?\s*", re.IGNORECASE)


def predeclared(store: object) -> dict[str, str]:
    """Prefix → namespace IRI, in the order they are listed."""
    return dict(getattr(store, "prefixes", None) or DEFAULT)


def read_head(lines: Iterable[str]) -> dict[str, str]:
    """The prefixes declared by the `@prefix` lines a Turtle or TriG text starts with (up to its first
    other line), ordered as `ordered` orders them."""
    found: dict[str, str] = {}
    for line in lines:
        match = _PREFIX_LINE.fullmatch(line.strip())
        if match is None:
            if line.strip():
                break
            continue
        found[match.group(1)] = match.group(2)
    return ordered(found)


def ordered(prefixes: Mapping[str, str]) -> dict[str, str]:
    """`prefixes` without `id:`, the fixed ones first (in `DEFAULT`'s order), then the others by name."""
    fixed = {name: prefixes[name] for name in DEFAULT if name in prefixes}
    others = {name: prefixes[name] for name in sorted(prefixes) if name not in DEFAULT and name != "id"}
    return {**fixed, **others}


def release_prefixes(dist: Path) -> dict[str, str]:
    """The prefixes of the release in `dist`, as its `data.trig` (or `data.trig.gz`) declares them;
    `DEFAULT` for a folder without either, or whose file declares none."""
    path = Release(dist).data_trig
    try:
        if path.is_file():
            with path.open(encoding="utf-8") as text:
                found = read_head(text)
        elif path.with_name(path.name + ".gz").is_file():
            with gzip.open(path.with_name(path.name + ".gz"), "rt", encoding="utf-8") as text:
                found = read_head(text)
        else:
            found = {}
    except (OSError, UnicodeDecodeError, EOFError):
        found = {}
    return found or dict(DEFAULT)


@dataclass(frozen=True)
class Declared:
    """A query with the predeclared prefixes it uses declared: `text` is what the parser is given."""

    query: str  # the query as the client sent it
    text: str  # the declarations added (one line), then `query`
    added: tuple[str, ...] = ()  # the prefixes declared for it, in the predeclared order

    @property
    def lines_added(self) -> int:
        """How many lines `text` has before the client's first line."""
        return 1 if self.added else 0


def prefixes_used(query: str) -> tuple[frozenset[str], list[Token]]:
    """The prefixes the query's prologue declares, and the prefixed names it uses after it (as the
    grammar reads names; strings, IRIs and comments hold none)."""
    # Strings read leniently (`\u00e9`, `\/` leave them whole), names as the grammar reads them.
    tokens = with_grammar_names(query, code(query, lenient_strings=True))
    prologue = read_prologue(tokens)
    after = itertools.chain([prologue.first] if prologue.first is not None else [], tokens)
    return prologue.prefixes, [token for token in after if token.kind == "pname"]


def declare(query: str, prefixes: Mapping[str, str]) -> Declared:
    """`query` with a declaration for each of `prefixes` it uses but does not declare itself."""
    if not any(f"{name}:" in query for name in prefixes):  # most queries: nothing to read
        return Declared(query, query)
    declared, names = prefixes_used(query)
    used = {split_prefixed_name(token.text)[0] for token in names}
    added = tuple(name for name in prefixes if name in used and name not in declared)
    if not added:
        return Declared(query, query)
    line = " ".join(f"PREFIX {name}: <{prefixes[name]}>" for name in added)
    return Declared(query, f"{line}\n{query}", added)
