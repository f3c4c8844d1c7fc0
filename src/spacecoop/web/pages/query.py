"""`/query` (and `/sparql` in a browser): write SPARQL, pick an example, read the answer as a table.

Without JavaScript the form posts to `/query`, which evaluates the query with
the same store, limits and refusals as `/sparql` and renders the table
server-side. With JavaScript (`static/query.js`) the textarea becomes a SPARQL
editor (YASGUI's Yasqe, vendored under `static/vendor/yasgui/`) that completes
the predeclared prefixes and the vocabulary's classes and properties from the
page itself, sends the query to `/sparql` and draws the answer with Yasr.
Either way IRIs link to their pages with their labels, and the answer can be
downloaded from `/sparql` in every result format.

The examples are the competency questions of the examples graph
(`sh:SPARQLExecutable` with `rdfs:comment` and the query text), listed with
the same SPARQL any client can send, grouped by the source document they
ask about (`dcterms:source`, titled and dated from the sources graph).

`/sparql` shows the same page to a browser (`endpoint_page`): without a query
with the endpoint's facts and links to its RDF service description, with a
query as `/query?query=…` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from spacecoop.iris import EXAMPLES_GRAPH, GRAPH, INFERRED_GRAPH
from spacecoop.rdf import formats
from spacecoop.rdf.terms import from_sparql_json, to_rdflib
from spacecoop.store.prefixes import predeclared
from spacecoop.store.protocol import QueryRefused, QueryRequest, QuerySyntaxError, QueryTimeout, RowLimitExceeded
from spacecoop.web import i18n
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.home import _labels
from spacecoop.web.pages.resource_view import Value, short_iri
from spacecoop.web.pages.resources import select
from spacecoop.web.pages.site import LANGUAGE_VARY, Alternate, Page, Site, vary

SH = "http://www.w3.org/ns/shacl#"
_FORMS = ("select", "ask", "construct", "describe")
MAX_QUERY_BYTES = 100_000

EXAMPLES_QUERY = f"""PREFIX sh: <{SH}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?example ?label ?comment ?query ?source WHERE {{
  GRAPH <{EXAMPLES_GRAPH}> {{
    ?example a sh:SPARQLExecutable ; rdfs:comment ?comment .
    OPTIONAL {{ ?example rdfs:label ?label }}
    OPTIONAL {{ ?example dcterms:source ?source }}
    ?example ?form ?query .
    FILTER(?form IN (sh:select, sh:ask, sh:construct, sh:describe))
  }}
}} ORDER BY ?example"""

# The title (else the label) and date of each source document the examples name.
SOURCES_QUERY = f"""PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?source ?title ?label ?issued WHERE {{
  GRAPH <{EXAMPLES_GRAPH}> {{ ?example dcterms:source ?source }}
  OPTIONAL {{ GRAPH ?titles {{ ?source dcterms:title ?title }} }}
  OPTIONAL {{ GRAPH ?labels {{ ?source rdfs:label ?label }} }}
  OPTIONAL {{ GRAPH ?dates {{ ?source dcterms:issued ?issued }} }}
}}"""

OTHER_EXAMPLES = i18n.N_("Other examples")  # translated where the page shows it
COMPLETION_KINDS = {"class": "classes", "object": "properties", "datatype": "properties",
                    "annotation": "properties"}


@dataclass
class Example:
    name: str
    iri: str
    comment: str
    query: str
    url: str
    href: str
    source: str | None = None  # the IRI of the source document the question is about


@dataclass
class ExampleGroup:
    """The examples about one source document (`iri` None: those about none)."""

    iri: str | None
    title: str
    issued: str | None = None
    href: str | None = None
    examples: list[Example] = field(default_factory=list)


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
        source = row.get("source")
        found[iri] = Example(
            name=name, iri=iri, comment=str(row["comment"]), query=str(row["query"]),
            url=page.iris.path("query") + "?" + urlencode({"example": name}), href=page.iris.to_server(iri),
            source=str(source) if isinstance(source, URIRef) else None,
        )
    return sorted(found.values(), key=lambda e: e.name)


def source_facts(site: Site, languages: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """(title in the client's language, issued date) of each source document an example names."""
    titles: dict[str, set[Literal]] = {}
    labels: dict[str, set[Literal]] = {}
    issued: dict[str, str] = {}
    for row in select(site, SOURCES_QUERY):
        iri = str(row["source"])
        titles.setdefault(iri, set())
        if isinstance(title := row.get("title"), Literal):
            titles[iri].add(title)
        if isinstance(label := row.get("label"), Literal):
            labels.setdefault(iri, set()).add(label)
        if (date := row.get("issued")) is not None:
            issued[iri] = min(issued.get(iri, str(date)), str(date))
    facts: dict[str, tuple[str | None, str | None]] = {}
    for iri, found in titles.items():
        chosen = labelling.choose(found or labels.get(iri, set()), languages)
        facts[iri] = (str(chosen) if chosen is not None else None, issued.get(iri))
    return facts


def group_examples(listed: list[Example], facts: dict[str, tuple[str | None, str | None]],
                   href: Callable[[str], str]) -> list[ExampleGroup]:
    """The examples by source document: by date, then title; those about no document last.

    A document without a title in the sources graph is named by its id (the IRI's last segment);
    `href` gives the address of a document's page."""
    groups: dict[str | None, ExampleGroup] = {}
    for example in listed:
        key = example.source
        if key not in groups:
            if key is None:
                groups[key] = ExampleGroup(iri=None, title=OTHER_EXAMPLES)
            else:
                title, issued = facts.get(key, (None, None))
                groups[key] = ExampleGroup(iri=key, title=title or key.rstrip("/").rsplit("/", 1)[-1],
                                           issued=issued, href=href(key))
        groups[key].examples.append(example)
    return sorted(groups.values(), key=lambda g: (g.iri is None, g.issued or "", g.title))


def editor_config(site: Site, page: Page) -> dict[str, object]:
    """What the editor's script needs, given in the page (nothing is asked of another host): the
    endpoint, the predeclared prefixes, the vocabulary's classes and properties to complete, and
    the `format=` values of the download links."""
    terms: dict[str, list[str]] = {"classes": [], "properties": []}
    for iri, term in sorted(site.vocabulary.terms.items()):
        kind = COMPLETION_KINDS.get(term.kind)
        if kind is not None:
            terms[kind].append(iri)
    return {
        "endpoint": page.iris.path("sparql"),
        "prefixes": predeclared(site.store),
        **terms,
        "downloads": {"results": [list(pair) for pair in RESULT_FORMATS],
                      "graph": [list(pair) for pair in GRAPH_FORMATS]},
    }


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
        gettext = page.messages.gettext
        answer.columns = [gettext("subject"), gettext("predicate"), gettext("object")]
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


@dataclass(frozen=True)
class EndpointFacts:
    """What the page at `/sparql` says of the endpoint (the service description's facts)."""

    release: str
    graphs: tuple[tuple[str, int], ...]  # named graphs and their triples, by name
    dataset: str | None  # the release's VoID dataset
    time_limit: float  # seconds a query may run
    query_memory: int  # megabytes a query may use
    max_rows: int  # rows or triples an answer may have
    description_formats: tuple[tuple[str, str, str], ...]  # (media type, `format=` value, label)


def _endpoint_context(page: Page, facts: EndpointFacts) -> dict[str, object]:
    """`facts` with the addresses of this request: the graphs' pages, the description in each format."""
    graph_base = str(GRAPH)
    sparql = page.iris.path("sparql")
    return {
        "address": sparql,
        "release": facts.release,
        "graphs": [{"name": name, "triples": triples,
                    "href": page.iris.path("graph/" + name[len(graph_base):]) if name.startswith(graph_base) else None}
                   for name, triples in facts.graphs],
        "dataset": facts.dataset or page.iris.path("void"),
        "graph_base": str(GRAPH),
        "inferred_graph": str(INFERRED_GRAPH),
        "time_limit": f"{facts.time_limit:g}",
        "query_memory": facts.query_memory,
        "max_rows": facts.max_rows,
        "descriptions": _descriptions(page, facts),
        "results_types": neg.RESULTS.media_types,
        "graph_types": neg.RDF.media_types,
    }


def _descriptions(page: Page, facts: EndpointFacts) -> list[Alternate]:
    """The service description in each RDF format, by `format=`."""
    sparql = page.iris.path("sparql")
    return [Alternate(media_type, f"{sparql}?format={value}", label)
            for media_type, value, label in facts.description_formats]


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
    response = await run_in_threadpool(_render, site, page, params)
    vary(response, *LANGUAGE_VARY)
    return response


async def endpoint_page(site: Site, request: Request, query: str | None,
                        facts: EndpointFacts | None = None) -> Response:
    """The query page as `/sparql` shows it to a browser.

    With `query`: what `/query?query=…` shows (the query in the editor, its answer as the table).
    A query the store refuses raises its `StoreError`, for the endpoint to answer as the protocol
    does (the same status, an error page for a browser).
    Without: the page with the endpoint's `facts` and links to the service description in RDF, in
    the client's language (the endpoint's validator and `Vary` name the languages)."""
    page = site.page(request)
    params = {"query": query} if query is not None else {}
    return await run_in_threadpool(_render, site, page, params, facts, True)


def _render(site: Site, page: Page, params: Mapping[str, str], facts: EndpointFacts | None = None,
            raise_errors: bool = False) -> Response:
    """The page; a query the store refuses is a message on it, or (`raise_errors`) its `StoreError`."""
    listed = examples(site, page)
    query = params.get("query", "")
    chosen = params.get("example")
    if chosen and not query:
        match = next((e for e in listed if e.name == chosen), None)
        if match is None:
            raise HTTPException(404, f"there is no example query named {chosen!r}")
        query = match.query
    answer, error, status = None, None, 200
    gettext = page.messages.gettext
    if query.strip() and raise_errors:
        answer = evaluate(site, page, query)
    elif query.strip():
        try:
            answer = evaluate(site, page, query)
        except QuerySyntaxError as problem:  # the store's own explanation stays as it wrote it
            error, status = gettext("The query does not parse: %(problem)s") % {"problem": problem}, 400
        except QueryRefused as problem:
            error, status = gettext("This query is not allowed here: %(problem)s") % {"problem": problem}, 400
        except RowLimitExceeded as problem:
            error, status = gettext("The answer has more than %(limit)s rows; add a LIMIT.") % {
                "limit": problem.limit}, 400
        except QueryTimeout as problem:
            error, status = gettext("The query took too long and was stopped: %(problem)s") % {
                "problem": problem}, 503
    if not query.strip():
        query = listed[0].query if listed else "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 10"
    groups = group_examples(listed, source_facts(site, page.languages), page.iris.to_server)
    endpoint = _endpoint_context(page, facts) if facts is not None else None
    return page.render(
        "query.html",
        {"examples": listed, "example_groups": groups, "query": query, "answer": answer, "error": error,
         "chosen": chosen, "canonical_base": page.iris.canonical, "server_base": page.iris.server,
         "editor": editor_config(site, page), "endpoint": endpoint},
        alternates=_descriptions(page, facts) if facts is not None else (),
        status_code=status,
    )
