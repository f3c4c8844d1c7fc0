"""Source documents: `/source/{source-id}` shows an article and, on request, its evidence quotes.

The page holds what the sources graph states about the document (title,
publisher, author, dates, the original's address — nothing else is shown, and
nothing is guessed), the text of `dist/sources/{source-id}.txt` — its header,
body (`sco:bodyStart` to `sco:bodyEnd`) and any trailer — and the list of the
quotes it holds. Every quote is anchored (`#ev-{annotation}`); none is marked
unless asked: `?highlight={resource}` (its IRI, `{type}/{slug}` or a slug no
other quoted resource shares) marks the quotes supporting that resource, the
first one anchored `#highlight`, and `?highlight=all` marks every quote. A
well-formed resource the document quotes nothing about leaves the text unmarked
and says so; a value that cannot name a resource is a 400. The file's own
details (name, SHA-256, body offsets) are in a collapsed "technical details"
section. `.txt` gives the file itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV
from rdflib.term import Identifier
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from spacecoop.iris import ID, OA, SCO
from spacecoop.rdf.formats import PLAIN_TEXT
from spacecoop.rdf.terms import literal_int
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http import problems as errors
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.baseiri import IriMap, is_iri
from spacecoop.web.pages.describe import describe_query, is_safe_iri
from spacecoop.web.pages.highlight import Segment, Span, segments
from spacecoop.web.pages.resource_view import (
    PropertyValues,
    Value,
    ViewBuilder,
    annotation_anchor,
    highlight_key,
)
from spacecoop.web.pages.resources import construct, select
from spacecoop.web.pages.site import LANGUAGE_VARY, Alternate, Site, vary
from spacecoop.web.pages.vocabulary import LABEL_PROPERTIES

_SOURCE_ID = re.compile(r"[A-Za-z0-9_.\-]+")
ALL = "all"
MAX_HIGHLIGHT = 500  # characters of a `?highlight=` value
_SCHEMA = "https://schema.org/"
# Properties that give the address of a document's original, most specific first.
ORIGINAL_PROPERTIES = (URIRef(_SCHEMA + "url"), DCAT.landingPage, FOAF.page, FOAF.isPrimaryTopicOf,
                       PROV.hadPrimarySource, DCTERMS.source)
# The file's own details, shown collapsed.
TECHNICAL_PROPERTIES = (SCO.fileName, SCO.sha256, SCO.bodyStart, SCO.bodyEnd)


@dataclass
class SourceQuote:
    """One annotation on this source, numbered in reading order."""

    annotation: str
    anchor: str
    start: int | None
    end: int | None
    exact: str
    bodies: list[Value] = field(default_factory=list)
    number: int = 0
    located: bool = True  # False: the offsets do not hold the quoted text


@dataclass
class DocumentFacts:
    """What the sources graph states about a document, for its page (None or empty: not stated)."""

    title: str
    publishers: list[Value]
    creators: list[Value]
    issued: str | None
    modified: str | None
    language: str | None
    original: str | None  # an http(s) address of the original
    technical: list[PropertyValues]  # file name, SHA-256, body offsets
    other: list[PropertyValues]  # everything else the graph states about it


@dataclass
class Highlight:
    """What `?highlight=` asked for and what it marks."""

    requested: str | None  # the value as given; None: nothing asked
    resources: list[Value] = field(default_factory=list)  # the resources whose quotes are marked
    everything: bool = False
    annotations: set[str] = field(default_factory=set)  # the quotes marked
    message: str | None = None  # why nothing is marked although something was asked


@dataclass
class SourcePage:
    source_id: str
    iri: str
    title: str
    metadata: list[PropertyValues]  # PropertyValues of the source resource
    header: list[Segment]
    body: list[Segment]
    trailer: list[Segment]
    quotes: dict[str, SourceQuote]
    text_available: bool
    facts: DocumentFacts | None = None
    highlight: Highlight = field(default_factory=lambda: Highlight(None))
    first_marked: str | None = None  # the annotation of the first marked quote in reading order


def _annotations_query(source_iri: str) -> str:
    return f"""
SELECT ?ann ?body ?start ?end ?exact WHERE {{
  GRAPH ?g {{
    ?ann <{OA.hasBody}> ?body ; <{OA.hasTarget}> ?t .
    ?t <{OA.hasSource}> <{source_iri}> .
    OPTIONAL {{ ?t <{OA.hasSelector}> ?ps . ?ps <{OA.start}> ?start ; <{OA.end}> ?end }}
    OPTIONAL {{ ?t <{OA.hasSelector}> ?qs . ?qs <{OA.exact}> ?exact }}
  }}
}}"""


def _labels_query(iris: list[str]) -> str:
    values = " ".join(f"<{i}>" for i in iris if is_safe_iri(i))
    props = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    return f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} GRAPH ?g {{ ?x ?p ?label }} FILTER(?p IN ({props})) }}"



def source_page(site: Site, request: Request) -> Response:
    source_id = request.path_params["source_id"]
    as_text = source_id.endswith(".txt")
    if as_text:
        source_id = source_id[: -len(".txt")]
    if not _SOURCE_ID.fullmatch(source_id):
        raise HTTPException(404, f"there is no source {source_id!r}")
    page = site.page(request)
    iri = page.iris.to_canonical(f"id/source/{source_id}")
    text_path = site.release.root / "sources" / f"{source_id}.txt"
    graph = construct(site, describe_query(iri))
    node = URIRef(iri)
    if (node, None, None) not in graph:
        raise HTTPException(404, f"there is no source document <{iri}> in this dataset")
    if as_text:
        if not text_path.exists():
            raise HTTPException(404, f"the text of {source_id} is not part of this release")
        return page.conditional(FileResponse(text_path, media_type=f"{PLAIN_TEXT}; charset=utf-8"), PLAIN_TEXT)

    gettext = page.messages.gettext
    builder = ViewBuilder(site.vocabulary, page.iris, page.languages, gettext=gettext)
    facts = document_facts(builder, graph, node)
    quotes = _quotes(site, page.iris, page.languages, iri)
    highlight = choose_highlight(request.query_params.get("highlight"), page.iris, quotes, gettext)

    text = text_path.read_text(encoding="utf-8") if text_path.exists() else ""
    ordered = _place(quotes, text)
    spans = [Span(q.annotation, q.start, q.end)
             for q in ordered if q.located and q.start is not None and q.end is not None]
    body_start = literal_int(graph.value(node, SCO.bodyStart)) or 0
    body_end = literal_int(graph.value(node, SCO.bodyEnd)) or len(text)
    first = next((q.annotation for q in ordered if q.annotation in highlight.annotations and q.located), None)

    def cut(begin: int, end: int) -> list[Segment]:
        return only_marked(segments(text, spans, begin=begin, end=end), highlight.annotations)

    view = SourcePage(
        source_id=source_id,
        iri=iri,
        title=facts.title,
        metadata=builder.properties(graph, node),
        header=cut(0, body_start),
        body=cut(body_start, body_end),
        trailer=cut(body_end, len(text)),
        quotes={q.annotation: q for q in ordered},
        text_available=bool(text),
        facts=facts,
        highlight=highlight,
        first_marked=first,
    )
    here = page.iris.path(f"source/{source_id}")
    links = {"all": f"{here}?highlight={ALL}", "none": here}
    alternates = [
        Alternate(PLAIN_TEXT, page.iris.path(f"source/{source_id}.txt"), gettext("text")),
        *(Alternate(a.media_type, a.href, gettext("what it states (%(format)s)") % {"format": a.label})
          for a in page.alternates(f"graph/{source_id}", (neg.TRIG, neg.N_QUADS, neg.TURTLE))),
        *(Alternate(a.media_type, a.href, gettext("description (%(format)s)") % {"format": a.label})
          for a in page.alternates(f"id/source/{source_id}", (neg.TURTLE, neg.JSON_LD))),
    ]
    response = page.html("source.html", {"view": view, "graph_href": page.iris.path(f"graph/{source_id}"),
                                         "resource_href": page.iris.to_server(iri), "links": links,
                                         "highlight_key": highlight_key}, alternates=alternates)
    vary(response, *LANGUAGE_VARY)
    return page.conditional(response, neg.HTML)


def _label_bodies(site: Site, languages: list[str], quotes: dict[str, SourceQuote]) -> None:
    iris = sorted({b.value for q in quotes.values() for b in q.bodies})
    if not iris:
        return
    found: dict[str, list[Literal]] = {}
    for row in select(site, _labels_query(iris)):
        label = row.get("label")
        if isinstance(label, Literal):
            found.setdefault(str(row["x"]), []).append(label)
    for quote in quotes.values():
        for body in quote.bodies:
            chosen = labelling.choose(found.get(body.value, []), languages)
            body.label = str(chosen) if chosen is not None else body.value.rsplit("/", 1)[-1]


def _quotes(site: Site, iris: IriMap, languages: list[str], source_iri: str) -> dict[str, SourceQuote]:
    """The annotations quoting this document, with the labelled resources each supports."""
    quotes: dict[str, SourceQuote] = {}
    for row in select(site, _annotations_query(source_iri)):
        ann = str(row["ann"])
        quote = quotes.get(ann)
        if quote is None:
            quote = quotes[ann] = SourceQuote(
                annotation=ann, anchor=annotation_anchor(ann), start=literal_int(row.get("start")),
                end=literal_int(row.get("end")), exact=str(row.get("exact") or ""),
            )
        body = str(row["body"])
        if body not in [b.value for b in quote.bodies]:
            quote.bodies.append(Value(kind="iri", value=body, href=iris.to_server(body)))
    _label_bodies(site, languages, quotes)
    for quote in quotes.values():
        quote.bodies.sort(key=lambda b: ((b.label or b.value).lower(), b.value))
    return quotes


def _place(quotes: dict[str, SourceQuote], text: str) -> list[SourceQuote]:
    """Check each quote's offsets against the text (finding it when they do not hold) and number the
    quotes in reading order."""
    for quote in quotes.values():
        if quote.start is None or quote.end is None or text[quote.start:quote.end] != quote.exact:
            found = text.find(quote.exact) if quote.exact else -1
            if found >= 0:
                quote.start, quote.end = found, found + len(quote.exact)
            else:
                quote.located = False
    ordered = sorted(quotes.values(), key=lambda q: (q.start if q.start is not None else 1 << 30, q.annotation))
    for number, quote in enumerate(ordered, start=1):
        quote.number = number
    return ordered


def only_marked(parts: list[Segment], marked: set[str]) -> list[Segment]:
    """The segments with only the chosen quotes covering them (every quote keeps its anchor)."""
    for part in parts:
        part.covered_by = [key for key in part.covered_by if key in marked]
        part.ends = [key for key in part.ends if key in marked]
    return parts


def resource_of(value: str, iris: IriMap) -> str:
    """The canonical IRI a `?highlight=` value names: an IRI (canonical or this server's address),
    a path `id/{type}/{slug}` or `{type}/{slug}`, or a bare slug (returned as it is)."""
    if value.startswith(("http://", "https://")):
        return iris.to_canonical(value[len(iris.server):]) if value.startswith(iris.server) else value
    path = value.lstrip("/")
    path = path[len("id/"):] if path.startswith("id/") else path
    return f"{ID}{path}" if "/" in path else path


def choose_highlight(value: str | None, iris: IriMap, quotes: dict[str, SourceQuote],
                     gettext: Callable[[str], str] = str) -> Highlight:
    """The quotes `?highlight=` marks (see the module documentation); a 400 for a value that cannot
    name a resource. `gettext` translates the notice of a value that marks nothing."""
    if value is None or not value.strip():
        return Highlight(None)
    value = value.strip()
    if value == ALL:
        return Highlight(value, everything=True, annotations=set(quotes))
    if len(value) > MAX_HIGHLIGHT:
        raise errors.bad_request(f"highlight= takes a resource's IRI or {{type}}/{{slug}} "
                                 f"(at most {MAX_HIGHLIGHT} characters) or 'all'")
    wanted = resource_of(value, iris)
    bodies = {b.value: b for q in quotes.values() for b in q.bodies}
    if "/" in wanted or ":" in wanted:
        if not (is_iri(wanted) and is_safe_iri(wanted)):
            raise errors.bad_request(f"highlight={value!r} does not name a resource: give its IRI, "
                                     "{type}/{slug} (as in /id/{type}/{slug}) or 'all'")
        matches = [wanted] if wanted in bodies else []
    else:
        matches = sorted(b for b in bodies if b.rsplit("/", 1)[-1] == wanted)
    if len(matches) != 1:
        notice = (gettext("“%(value)s” names several resources this document supports; give {type}/{slug}, "
                          "so no quote is highlighted.") if matches
                  else gettext("“%(value)s” is not supported by any quote in this document, so no quote is "
                               "highlighted."))
        return Highlight(value, message=notice % {"value": value})
    chosen = matches[0]
    marked = {q.annotation for q in quotes.values() if chosen in {b.value for b in q.bodies}}
    return Highlight(value, resources=[bodies[chosen]], annotations=marked)


def _first_literal(graph: Graph, node: URIRef, predicate: URIRef) -> str | None:
    values = sorted(str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal))
    return values[0] if values else None


def document_facts(builder: ViewBuilder, graph: Graph, node: URIRef) -> DocumentFacts:
    """What the sources graph states about the document at `node`: its title, publisher, author,
    dates, language and the original's address — each only where the graph states it."""
    def values(predicate: URIRef) -> list[Value]:
        return [builder.value(graph, o) for o in sorted(cast("Iterable[Identifier]", graph.objects(node, predicate)))]

    addresses = (sorted(str(o) for o in graph.objects(node, p)) for p in ORIGINAL_PROPERTIES)
    original = next((a for found in addresses for a in found if a.startswith(("https://", "http://"))), None)
    shown = {DCTERMS.title, DCTERMS.publisher, DCTERMS.creator, DCTERMS.issued, DCTERMS.modified,
             DCTERMS.language, *ORIGINAL_PROPERTIES}
    technical = [row for row in builder.properties(graph, node) if URIRef(row.iri) in TECHNICAL_PROPERTIES]
    other = builder.properties(graph, node, skip=frozenset({*shown, *TECHNICAL_PROPERTIES}))
    return DocumentFacts(
        title=_first_literal(graph, node, DCTERMS.title) or builder.label_pair(graph, node)[0],
        publishers=values(DCTERMS.publisher),
        creators=values(DCTERMS.creator),
        issued=_first_literal(graph, node, DCTERMS.issued),
        modified=_first_literal(graph, node, DCTERMS.modified),
        language=_first_literal(graph, node, DCTERMS.language),
        original=original,
        technical=technical,
        other=other,
    )
