"""Source documents: `/source/{source-id}` shows an article with every evidence quote marked.

The page holds the source's metadata (from the sources graph), the text of
`dist/sources/{source-id}.txt` — its header, body (`sco:bodyStart` to
`sco:bodyEnd`) and any trailer — with each quote highlighted, anchored
(`#ev-{annotation}`) and linked to the resources it supports. `.txt` gives the
file itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from spacecoop.iris import OA, SCO
from spacecoop.rdf.formats import PLAIN_TEXT
from spacecoop.rdf.terms import literal_int
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.describe import describe_query, is_safe_iri
from spacecoop.web.pages.highlight import Segment, Span, segments
from spacecoop.web.pages.resource_view import PropertyValues, Value, ViewBuilder, annotation_anchor
from spacecoop.web.pages.resources import construct, select
from spacecoop.web.pages.site import Alternate, Site
from spacecoop.web.pages.vocabulary import LABEL_PROPERTIES

_SOURCE_ID = re.compile(r"[A-Za-z0-9_.\-]+")


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

    builder = ViewBuilder(site.vocabulary, page.iris, page.languages)
    title = next((str(o) for o in graph.objects(node, URIRef("http://purl.org/dc/terms/title"))), None)
    title = title or builder.label_pair(graph, node)[0]
    metadata = builder.properties(graph, node)

    quotes: dict[str, SourceQuote] = {}
    for row in select(site, _annotations_query(iri)):
        ann = str(row["ann"])
        quote = quotes.get(ann)
        if quote is None:
            quote = quotes[ann] = SourceQuote(
                annotation=ann, anchor=annotation_anchor(ann), start=literal_int(row.get("start")),
                end=literal_int(row.get("end")), exact=str(row.get("exact") or ""),
            )
        body = str(row["body"])
        if body not in [b.value for b in quote.bodies]:
            quote.bodies.append(Value(kind="iri", value=body, href=page.iris.to_server(body)))
    _label_bodies(site, page.languages, quotes)

    text = text_path.read_text(encoding="utf-8") if text_path.exists() else ""
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
    spans = [Span(q.annotation, q.start, q.end)
             for q in ordered if q.located and q.start is not None and q.end is not None]
    body_start = literal_int(graph.value(node, SCO.bodyStart)) or 0
    body_end = literal_int(graph.value(node, SCO.bodyEnd)) or len(text)
    view = SourcePage(
        source_id=source_id,
        iri=iri,
        title=title,
        metadata=metadata,
        header=segments(text, spans, begin=0, end=body_start),
        body=segments(text, spans, begin=body_start, end=body_end),
        trailer=segments(text, spans, begin=body_end, end=len(text)),
        quotes={q.annotation: q for q in ordered},
        text_available=bool(text),
    )
    alternates = [
        Alternate(PLAIN_TEXT, page.iris.path(f"source/{source_id}.txt"), "text"),
        *(Alternate(a.media_type, a.href, f"what it states ({a.label})")
          for a in page.alternates(f"graph/{source_id}", (neg.TRIG, neg.N_QUADS, neg.TURTLE))),
        *(Alternate(a.media_type, a.href, f"description ({a.label})")
          for a in page.alternates(f"id/source/{source_id}", (neg.TURTLE, neg.JSON_LD))),
    ]
    response = page.html("source.html", {"view": view, "graph_href": page.iris.path(f"graph/{source_id}"),
                                         "resource_href": page.iris.to_server(iri)}, alternates=alternates)
    response.headers["vary"] = "Accept-Language"
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
