"""RDF representations of graphs and datasets, and which one a request gets.

The choice itself is `spacecoop.web.http.negotiation`'s: an extension (`.ttl`) names a
representation outright, then `?format=`, then the Accept header. This module
adds the tables for datasets (named graphs), the serialisers, and conditional
requests: every representation has a weak `ETag` and a `Last-Modified`, and a
client that holds it gets 304.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from rdflib import Dataset, Graph
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from spacecoop.iris import PREFIXES
from spacecoop.rdf import formats
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http.conditional import is_fresh
from spacecoop.web.pages.jsonld import compact

# A named graph as a page or data: TriG and N-Quads, which keep the graph name, first.
DATASET_OR_HTML = neg.RDF_OR_HTML.extended(*formats.of_kind(formats.DATASET), first=True)

# Resource descriptions and the vocabulary: RDF or a page. `*/*` gets Turtle.
GRAPH_OR_HTML = neg.RDF_OR_HTML

# RDF/XML is written nested (rdflib's `pretty-xml`); the other formats by their rdflib names.
_RDFLIB_WRITERS = {neg.RDF_XML: "pretty-xml"}

# Headers that describe a body, which a 304 does not have.
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "content-range", "accept-ranges"})

# `.ttl` -> text/turtle, for every format either table offers.
BY_EXTENSION: dict[str, str] = {ext: media for media, ext in neg.EXTENSIONS.items()}

# Labels of the formats, for links to the other representations.
FORMAT_LABELS = {fmt.media_type: fmt.label for fmt in formats.of_kind(formats.GRAPH, formats.DATASET, formats.PAGE)}


@dataclass(frozen=True)
class Choice:
    """The representation a request gets, and whether the client negotiated for it."""

    media_type: str
    negotiated: bool  # True: chosen from Accept (the response varies by Accept)


def choose(request: Request, table: neg.FormatTable, extension: str | None) -> Choice:
    """Extension, then `?format=`, then Accept; 404 for an unknown extension, 400/406 otherwise."""
    if extension is not None:
        media_type = BY_EXTENSION.get(extension.lower())
        if media_type is None or media_type not in table.media_types:
            raise HTTPException(404, f"no .{extension} representation here; try one of: "
                                     + ", ".join("." + neg.EXTENSIONS[m] for m in table.media_types))
        return Choice(media_type, negotiated=False)
    format_value = request.query_params.get("format")
    if format_value:
        media_type = table.from_format_parameter(format_value)
        if media_type is None or media_type not in table.media_types:
            raise HTTPException(400, f"unknown format {format_value!r}; offered: {table.describe()}")
        return Choice(media_type, negotiated=False)
    media_type = table.negotiate(request.headers.get("accept"))
    if media_type is None:
        raise HTTPException(406, f"none of the accepted media types is offered; offered: {table.describe()}")
    return Choice(media_type, negotiated=True)


def entity_tag(*parts: str) -> str:
    """A weak validator: the same parts give the same meaning, not always the same bytes (rdflib
    writes a graph's triples in no fixed order)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f'W/"{digest[:32]}"'


def conditional(request: Request, response: Response, etag: str, last_modified: float) -> Response:
    """`response` with `ETag` and `Last-Modified`, or 304 with the same headers and no body."""
    response.headers["etag"] = etag
    response.headers["last-modified"] = formatdate(last_modified, usegmt=True)
    fresh = is_fresh(request.headers.get("if-none-match"), request.headers.get("if-modified-since"), etag,
                     last_modified)
    if request.method not in ("GET", "HEAD") or not fresh:
        return response
    headers = {name: value for name, value in response.headers.items() if name not in _BODY_HEADERS}
    return Response(status_code=304, headers=headers)


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def serialize_graph(graph: Graph, media_type: str, *, context: dict[str, Any] | None = None,
                    context_url: str | None = None) -> bytes:
    """`graph` in `media_type`; JSON-LD is compacted with `context` and refers to `context_url`."""
    if media_type == neg.JSON_LD:
        return jsonld(graph, context, context_url)
    bind_prefixes(graph)
    return graph.serialize(format=_rdflib_writer(media_type), encoding="utf-8")


def jsonld(graph: Graph, context: dict[str, Any] | None, context_url: str | None) -> bytes:
    """Compact JSON-LD: property names are the context's terms; `@context` is the published URL."""
    if context is None:
        return graph.serialize(format="json-ld", encoding="utf-8")
    document = compact(graph, context, context_url or context)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def serialize_dataset(dataset: Dataset, media_type: str) -> bytes:
    """A dataset (named graphs kept) in TriG or N-Quads."""
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return dataset.serialize(format=_rdflib_writer(media_type), encoding="utf-8")


def _rdflib_writer(media_type: str) -> str:
    return _RDFLIB_WRITERS.get(media_type) or formats.rdflib_name(media_type)
