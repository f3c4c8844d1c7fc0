"""`/query`: write SPARQL, pick an example, read the answer as a table.

Without JavaScript the form posts to `/query`, which evaluates the query with
the same store, limits and refusals as `/sparql` and renders the table
server-side. With JavaScript (`static/query.js`) the same form is sent as a
plain SPARQL-protocol form post to `/sparql` and the table is drawn in place.
Either way IRIs link to their pages with their labels, and the answer can be
downloaded from `/sparql` in every result format.

The examples are the competency questions of the examples graph
(`sh:SPARQLExecutable` with `rdfs:comment` and the query text), listed with
the same SPARQL any client can send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from spacecoop.iris import EXAMPLES_GRAPH
from spacecoop.rdf import formats
from spacecoop.rdf.terms import from_sparql_json, to_rdflib
from spacecoop.store.protocol import QueryRefused, QueryRequest, QuerySyntaxError, QueryTimeout, RowLimitExceeded
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.home import _labels
from spacecoop.web.pages.resource_view import Value, short_iri
from spacecoop.web.pages.resources import select
from spacecoop.web.pages.site import Page, Site

SH = "http://www.w3.org/ns/shacl#"
_FORMS = ("select", "ask", "construct", "describe")
MAX_QUERY_BYTES = 100_000

EXAMPLES_QUERY = f"""PREFIX sh: <{SH}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?example ?label ?comment ?query WHERE {{
  GRAPH <{EXAMPLES_GRAPH}> {{
    ?example a sh:SPARQLExecutable ; rdfs:comment ?comment .
    OPTIONAL {{ ?example rdfs:label ?label }}
    ?example ?form ?query .
    FILTER(?form IN (sh:select, sh:ask, sh:construct, sh:describe))
  }}
}} ORDER BY ?example"""


@dataclass
class Example:
    name: str
    iri: str
    comment: str
    query: str
    url: str
    href: str


@dataclass
class Answer:
    """A query's answer as a table (or a boolean), with download links."""

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Value | None]] = field(default_factory=list)
    boolean: bool | None = None
    downloads: list[tuple[str, str]] = field(default_factory=list)


def examples(site: Site, page: Page) -> list[Example]:
    found: dict[str, Example] = {}
    for row in select(site, EXAMPLES_QUERY):
        iri = str(row["example"])
        if iri in found:
            continue
        name = str(row.get("label") or iri.rstrip("/").rsplit("/", 1)[-1])
        found[iri] = Example(
            name=name, iri=iri, comment=str(row["comment"]), query=str(row["query"]),
            url=page.iris.path("query") + "?" + urlencode({"example": name}), href=page.iris.to_server(iri),
        )
    return sorted(found.values(), key=lambda e: e.name)


def _links(table: neg.FormatTable) -> tuple[tuple[str, str], ...]:
    """(label, `format=` name) of every format /sparql answers with from `table`, in its order."""
    return tuple((fmt.label, fmt.parameters[0]) for fmt in formats.of_media_types(table.media_types))


RESULT_FORMATS = _links(neg.RESULTS)
GRAPH_FORMATS = _links(neg.RDF)


def downloads(page: Page, query: str, kind: str) -> list[tuple[str, str]]:
    """(label, URL) of the answer from `/sparql` in every format of its kind."""
    formats = RESULT_FORMATS if kind in ("select", "ask") else GRAPH_FORMATS
    sparql = page.iris.path("sparql")
    return [(label, f"{sparql}?{urlencode({'query': query, 'format': name})}") for label, name in formats]


def evaluate(site: Site, page: Page, query: str) -> Answer:
    """Run `query` as `/sparql` would (same refusals and limits) and label the IRIs of the answer."""
    store = site.store
    kind = store.query_kind(query)
    answer = Answer(kind=kind, downloads=downloads(page, query, kind))
    cells: list[list[Node | None]] = []
    if kind in ("select", "ask"):
        result = store.execute(QueryRequest(query), neg.SPARQL_RESULTS_JSON,
                               timeout=site.config.query_timeout, max_rows=site.config.max_rows)
        document = json.loads(result.body)
        if "boolean" in document:
            answer.boolean = bool(document["boolean"])
            return answer
        answer.columns = list(document["head"].get("vars", []))
        for binding in document["results"]["bindings"]:
            cells.append([to_rdflib(from_sparql_json(binding[v])) if v in binding else None for v in answer.columns])
    else:
        result = store.execute(QueryRequest(query), neg.N_TRIPLES,
                               timeout=site.config.query_timeout, max_rows=site.config.max_rows)
        graph = Graph().parse(data=result.body.decode("utf-8"), format="nt")
        answer.columns = ["subject", "predicate", "object"]
        cells = [[s, p, o] for s, p, o in sorted(graph)]
    iris = sorted({str(c) for row in cells for c in row if isinstance(c, URIRef)})[:2000]
    found = _labels(site, iris)
    for row in cells:
        answer.rows.append([_cell(page, found, c) for c in row])
    return answer


def _cell(page: Page, found: dict[str, list[Literal]], term: object) -> Value | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        labels = found.get(str(term), [])
        chosen = labelling.choose(labels, page.languages)
        other = labelling.beside(labels, chosen)
        return Value(kind="iri", value=str(term), label=str(chosen) if chosen is not None else short_iri(str(term)),
                     beside=str(other) if other is not None else None, href=page.iris.to_server(str(term)))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype else None
        return Value(kind="literal", value=str(term), language=term.language,
                     datatype=short_iri(datatype) if datatype and not datatype.endswith("#string") else None)
    return Value(kind="bnode", value=f"_:{term}")


async def query_page(site: Site, request: Request) -> Response:
    page = site.page(request)
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise HTTPException(415, "post the form as application/x-www-form-urlencoded")
        body = await request.body()
        if len(body) > MAX_QUERY_BYTES:
            raise HTTPException(413, f"the query is longer than {MAX_QUERY_BYTES} bytes")
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    return await run_in_threadpool(_render, site, page, params)


def _render(site: Site, page: Page, params: dict[str, str]) -> Response:
    listed = examples(site, page)
    query = params.get("query", "")
    chosen = params.get("example")
    if chosen and not query:
        match = next((e for e in listed if e.name == chosen), None)
        if match is None:
            raise HTTPException(404, f"there is no example query named {chosen!r}")
        query = match.query
    answer, error, status = None, None, 200
    if query.strip():
        try:
            answer = evaluate(site, page, query)
        except QuerySyntaxError as problem:
            error, status = f"The query does not parse: {problem}", 400
        except QueryRefused as problem:
            error, status = f"This query is not allowed here: {problem}", 400
        except RowLimitExceeded as problem:
            error, status = f"The answer has more than {problem.limit} rows; add a LIMIT.", 400
        except QueryTimeout as problem:
            error, status = f"The query took too long and was stopped: {problem}", 503
    if not query.strip():
        query = listed[0].query if listed else "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 10"
    response = page.render(
        "query.html",
        {"examples": listed, "query": query, "answer": answer, "error": error, "chosen": chosen,
         "canonical_base": page.iris.canonical, "server_base": page.iris.server},
        status_code=status,
    )
    response.headers["vary"] = "Accept-Language"
    return response
