"""Content negotiation: which representation a client gets.

One pure function, `negotiate`, reads an HTTP `Accept` header (q-values,
wildcards, specificity) against the media types the server can produce. The
`FormatTable`s below wrap it for SPARQL results and RDF graphs: they add the
alias media types clients send (`application/json`, `application/xml`, ...)
and the short names of the `format` request parameter (`json`, `ttl`, ...),
and always answer with the canonical media type. They are made of the formats
of `spacecoop.rdf.formats`, in its order of preference.

Media-type parameters other than `q` (charset, profile, level) are ignored
when matching: the server offers one variant per media type.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from spacecoop.rdf import formats
from spacecoop.rdf.formats import (
    CSV,
    HTML,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    PROBLEM_JSON,
    RDF_XML,
    SPARQL_RESULTS_JSON,
    SPARQL_RESULTS_XML,
    TRIG,
    TSV,
    TURTLE,
    Format,
)

__all__ = [
    # the media types, as `spacecoop.rdf.formats` names them
    "CSV", "HTML", "JSON_LD", "N_QUADS", "N_TRIPLES", "PROBLEM_JSON", "RDF_XML", "SPARQL_RESULTS_JSON",
    "SPARQL_RESULTS_XML", "TRIG", "TSV", "TURTLE",
    "EXTENSIONS", "PROBLEM", "RDF", "RDF_OR_HTML", "RESULTS", "FormatTable", "MediaRange", "negotiate", "parse_accept",
]

# Specificity of a media range: `*/*` < `type/*` < `type/subtype`.
_ANY, _TYPE_ANY, _EXACT = 1, 2, 3


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """How precisely this range names `media_type` (0: it does not match)."""
        offered_type, _, offered_subtype = media_type.partition("/")
        if self.type == "*":
            return _ANY
        if self.type != offered_type:
            return 0
        if self.subtype == "*":
            return _TYPE_ANY
        return _EXACT if self.subtype == offered_subtype else 0


def parse_accept(accept: str) -> list[MediaRange]:
    """The well-formed media ranges of an Accept header; malformed elements are skipped."""
    ranges: list[MediaRange] = []
    for element in accept.split(","):
        media_range, *params = (part.strip() for part in element.split(";"))
        type_, slash, subtype = media_range.lower().partition("/")
        if not slash or not type_ or not subtype or (type_ == "*" and subtype != "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
                break  # parameters after q are accept-extensions
        if 0.0 <= q <= 1.0:
            ranges.append(MediaRange(type_, subtype, q))
    return ranges


def _base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The element of `offered` the client prefers, or None if it accepts none of them.

    Clients send a handful of distinct Accept headers: the verdicts are kept
    (`_negotiate`, keyed by the header and the offer).

    - No Accept header (or none that parses): the first offered type.
    - Each offered type takes the q-value of the most specific range that matches
      it (`type/subtype` over `type/*` over `*/*`); q=0 means "not this one".
    - The highest q wins; ties go to the type named more specifically, then to
      the server's order of preference (the order of `offered`).
    """
    if accept is not None and len(accept) > 512:  # kept verdicts stay small
        return _negotiate.__wrapped__(accept, tuple(offered))
    return _negotiate(accept, tuple(offered))


@functools.lru_cache(maxsize=1024)
def _negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    if not offered:
        return None
    ranges = parse_accept(accept) if accept else []
    if not ranges:
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for position, media_type in enumerate(offered):
        base = _base(media_type)
        specificity, q = 0, 0.0
        for media_range in ranges:
            s = media_range.specificity(base)
            if s > specificity or (s == specificity and s and media_range.q > q):
                specificity, q = s, media_range.q
        if specificity == 0 or q <= 0.0:
            continue
        rank = (q, specificity, -position)
        if best is None or rank > best:
            best, chosen = rank, media_type
    return chosen


@dataclass(frozen=True)
class FormatTable:
    """The representations of one kind of answer, in the server's order of preference."""

    media_types: tuple[str, ...]
    # Media types some clients ask for instead of the canonical one.
    aliases: Mapping[str, str] = field(default_factory=dict)
    # Values of the `format` request parameter.
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, *offered: Format, aliases: bool = True) -> FormatTable:
        """The formats in this order, with their `format` parameter names and (`aliases`) alias media types."""
        return cls(()).extended(*offered, aliases=aliases)

    def extended(self, *offered: Format, first: bool = False, aliases: bool = True) -> FormatTable:
        """This table with more formats, after its own or before them (`first`); their aliases and
        parameter names come after this table's. ValueError if two formats claim a media type or a name."""
        added = tuple(fmt.media_type for fmt in offered)
        media_types = (*added, *self.media_types) if first else (*self.media_types, *added)
        alias_pairs = [*self.aliases.items(),
                       *((alias, fmt.media_type) for fmt in (offered if aliases else ()) for alias in fmt.aliases)]
        name_pairs = [*self.names.items(), *((name, fmt.media_type) for fmt in offered for name in fmt.parameters)]
        claimed = [*media_types, *(alias for alias, _ in alias_pairs)]
        if len(set(claimed)) != len(claimed) or len(dict(name_pairs)) != len(name_pairs):
            raise ValueError(f"two formats of one table claim the same media type or name: {claimed}, {name_pairs}")
        return FormatTable(media_types, dict(alias_pairs), dict(name_pairs))

    def from_format_parameter(self, value: str) -> str | None:
        """The media type a `format=` value names (a short name or a media type), or None."""
        key = value.strip().lower()
        if key in self.names:
            return self.names[key]
        key = _base(key)
        if key in self.media_types:
            return key
        return self.aliases.get(key)

    def negotiate(self, accept: str | None, format: str | None = None) -> str | None:
        """The canonical media type to answer with: `format` wins over `Accept`."""
        if format:
            return self.from_format_parameter(format)
        chosen = negotiate(accept, (*self.media_types, *self.aliases))
        if chosen is None:
            return None
        return self.aliases.get(chosen, chosen)

    def describe(self) -> str:
        """The offered media types as a sentence fragment, for 406 messages."""
        return ", ".join(self.media_types)


# SELECT and ASK answers.
RESULTS = FormatTable.of(*formats.of_kind(formats.RESULTS))

# RDF graphs: CONSTRUCT and DESCRIBE answers, resource descriptions.
RDF = FormatTable.of(*formats.of_kind(formats.GRAPH))

# Pages that are also data: HTML for browsers, RDF for everyone else (`*/*` gets Turtle).
RDF_OR_HTML = RDF.extended(*formats.of_kind(formats.PAGE))

# Error bodies: a page for browsers, RFC 9457 problem details for everyone else.
PROBLEM = FormatTable(
    media_types=(PROBLEM_JSON, HTML),
    aliases=dict.fromkeys(formats.BY_MEDIA_TYPE[PROBLEM_JSON].aliases, PROBLEM_JSON),
)

# File extensions of the formats the server negotiates, for downloads and format links.
EXTENSIONS: dict[str, str] = {
    fmt.media_type: fmt.extension
    for fmt in formats.of_kind(formats.RESULTS, formats.GRAPH, formats.DATASET, formats.PAGE)
    if fmt.extension is not None
}
