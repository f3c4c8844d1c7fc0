"""Content negotiation: which representation a client gets.

One pure function, `negotiate`, reads an HTTP `Accept` header (q-values,
wildcards, specificity) against the media types the server can produce. The
`FormatTable`s below wrap it for SPARQL results and RDF graphs: they add the
alias media types clients send (`application/json`, `application/xml`, ...)
and the short names of the `format` request parameter (`json`, `ttl`, ...),
and always answer with the canonical media type.

Media-type parameters other than `q` (charset, profile, level) are ignored
when matching: the server offers one variant per media type.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# SPARQL query results (SELECT, ASK).
SPARQL_RESULTS_JSON = "application/sparql-results+json"
SPARQL_RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

# RDF graphs (CONSTRUCT, DESCRIBE, resource descriptions).
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

# Datasets (dumps).
N_QUADS = "application/n-quads"
TRIG = "application/trig"

HTML = "text/html"
PROBLEM_JSON = "application/problem+json"

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


RESULTS = FormatTable(
    media_types=(SPARQL_RESULTS_JSON, SPARQL_RESULTS_XML, CSV, TSV),
    aliases={
        "application/json": SPARQL_RESULTS_JSON,
        "application/xml": SPARQL_RESULTS_XML,
        "text/xml": SPARQL_RESULTS_XML,
    },
    names={
        "json": SPARQL_RESULTS_JSON,
        "srj": SPARQL_RESULTS_JSON,
        "xml": SPARQL_RESULTS_XML,
        "srx": SPARQL_RESULTS_XML,
        "csv": CSV,
        "tsv": TSV,
    },
)

RDF = FormatTable(
    media_types=(TURTLE, N_TRIPLES, JSON_LD, RDF_XML),
    aliases={
        "application/x-turtle": TURTLE,
        "application/json": JSON_LD,
        "application/xml": RDF_XML,
        "text/xml": RDF_XML,
    },
    names={
        "turtle": TURTLE,
        "ttl": TURTLE,
        "nt": N_TRIPLES,
        "ntriples": N_TRIPLES,
        "n-triples": N_TRIPLES,
        "jsonld": JSON_LD,
        "json-ld": JSON_LD,
        "json": JSON_LD,
        "rdfxml": RDF_XML,
        "rdf": RDF_XML,
        "xml": RDF_XML,
        "owl": RDF_XML,
    },
)

# Pages that are also data: HTML for browsers, RDF for everyone else (`*/*` gets Turtle).
RDF_OR_HTML = FormatTable(
    media_types=(*RDF.media_types, HTML),
    aliases={**RDF.aliases, "application/xhtml+xml": HTML},
    names={**RDF.names, "html": HTML},
)

# Error bodies: a page for browsers, RFC 9457 problem details for everyone else.
PROBLEM = FormatTable(media_types=(PROBLEM_JSON, HTML), aliases={"application/json": PROBLEM_JSON})

# File extensions of the formats, for downloads and format links.
EXTENSIONS: dict[str, str] = {
    SPARQL_RESULTS_JSON: "srj",
    SPARQL_RESULTS_XML: "srx",
    CSV: "csv",
    TSV: "tsv",
    TURTLE: "ttl",
    N_TRIPLES: "nt",
    JSON_LD: "jsonld",
    RDF_XML: "rdf",
    N_QUADS: "nq",
    TRIG: "trig",
    HTML: "html",
}
