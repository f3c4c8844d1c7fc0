"""GET /sparql without a query: the SPARQL 1.1 Service Description.

RDF clients get the description (Turtle unless they ask for another RDF
format); browsers get a page with the same facts and a query form. It says
what a client needs to know before its first query: the result formats, that
the default graph is the union of all named graphs, which named graphs exist
(one per source document, the inferred triples apart), the limits, the
prefixes a query may use without declaring them (SHACL's `sh:declare`, as
`sh:prefix` and `sh:namespace` of each), and the dataset's VoID description.

The page is `sparql.html`, one of the site's pages: rendered by the site's
templates with its header, navigation and stylesheet, every link built from
the address the client used (the proxy-aware base of `Page`). Without a site
(an application that mounts no Linked Data pages), or if that rendering fails,
the same template is rendered on its own, its links at the request's base.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, VOID, XSD

from spacecoop.iris import GRAPH, INFERRED_GRAPH, PREFIXES
from spacecoop.rdf import formats
from spacecoop.store.prefixes import predeclared
from spacecoop.store.protocol import Store
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages.baseiri import IriMap, server_base
from spacecoop.web.pages.site import TEMPLATES_DIR, Alternate, SiteLinks
from spacecoop.web.settings import Settings

if TYPE_CHECKING:
    from starlette.requests import Request

    from spacecoop.web.pages.site import Site

log = logging.getLogger("spacecoop.web")

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace(formats.W3C_FORMATS)

# What /sparql answers with: every results format, every RDF graph format.
_ANSWER_FORMATS = formats.of_media_types((*neg.RESULTS.media_types, *neg.RDF.media_types))
FORMAT_IRIS = {fmt.media_type: URIRef(fmt.w3c) for fmt in _ANSWER_FORMATS if fmt.w3c is not None}
RDFLIB_FORMATS = {media_type: formats.rdflib_name(media_type) for media_type in neg.RDF.media_types}

UNION_NOTE = (
    "The default graph of a query is the union of all named graphs. "
    f"GRAPH ?g reaches each graph: one per source document ({GRAPH}{{source-id}}), "
    f"the triples inferred by OWL 2 RL reasoning apart in {INFERRED_GRAPH}, "
    f"the source descriptions in {GRAPH}sources, the vocabulary in {GRAPH}ontology "
    f"and the example queries in {GRAPH}examples. "
    "FROM / FROM NAMED and the default-graph-uri / named-graph-uri parameters select other datasets."
)

TEMPLATE = "sparql.html"
EXAMPLE_QUERY = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"

# The query form's values of the `format` parameter: the registry's label where a value names one format;
# a combined label where it names a results format and an RDF format (the query's form picks one).
FORM_FORMATS: tuple[tuple[str, str], ...] = (
    ("json", "SPARQL JSON / JSON-LD"),
    ("xml", "SPARQL XML / RDF/XML"),
    *((fmt.parameters[0], fmt.label) for fmt in formats.named("csv", "tsv", "turtle", "n-triples")),
)
# The page's other representations: the description in each RDF format, by `?format=`.
PAGE_FORMATS = formats.of_media_types(neg.RDF.media_types)

# The page without the site (see `ServiceDescription.page`).
_standalone = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
    extensions=["jinja2.ext.i18n"],
)
_standalone.install_null_translations()  # type: ignore[attr-defined]  # the site's text, in English


def read_void(release_dir: Path) -> Graph | None:
    """The release's VoID description, if it has one: parsed by pyoxigraph (with a subset per
    document graph, a million triples make half a megabyte, a second for rdflib's parser at start)."""
    import pyoxigraph as ox

    from spacecoop.web.pages.rendering import to_graph

    path = release_dir / "void.ttl"
    if not path.is_file():
        return None
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    return to_graph([ox.Triple(q.subject, q.predicate, q.object) for q in quads])


def _main_dataset(void: Graph | None) -> URIRef | None:
    """The VoID dataset that is nobody's subset: the release itself."""
    if void is None:
        return None
    datasets = {s for s in void.subjects(RDF.type, VOID.Dataset) if isinstance(s, URIRef)}
    subsets = set(void.objects(None, VOID.subset))
    top = sorted(datasets - subsets)
    return top[0] if top else None


def _limits(settings: Settings) -> str:
    return (
        f"Read-only: SPARQL Update, LOAD and SERVICE are refused. A query may run {settings.time_limit:g} s "
        f"and use {settings.query_memory} MB of memory (then it is stopped: 503) and return at most "
        f"{settings.max_rows} rows or triples (more is refused with 422, never truncated)."
    )


def declare_prefixes(graph: Graph, service: BNode, prefixes: dict[str, str]) -> None:
    """The prefixes a query may use undeclared, as SHACL declares prefixes for SPARQL: `sh:declare`
    [ a sh:PrefixDeclaration ; sh:prefix "sco" ; sh:namespace "https://…#"^^xsd:anyURI ]."""
    for prefix, namespace in prefixes.items():
        declaration = BNode()
        graph.add((service, SH.declare, declaration))
        graph.add((declaration, RDF.type, SH.PrefixDeclaration))
        graph.add((declaration, SH.prefix, Literal(prefix)))
        graph.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))


def describe(endpoint: str, store: Store, settings: Settings, void: Graph | None) -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("formats", FORMATS)
    service, endpoint_iri = BNode(), URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint_iri))
    graph.add((service, DCTERMS.title, Literal("spacecoop SPARQL endpoint", lang="en")))
    graph.add((service, RDFS.comment, Literal(UNION_NOTE + " " + _limits(settings), lang="en")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    for iri in FORMAT_IRIS.values():
        graph.add((service, SD.resultFormat, iri))
    declare_prefixes(graph, service, predeclared(store))

    dataset = _main_dataset(void) or BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(store.release_id)))
    counts = store.counts()
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, RDFS.comment, Literal("The union of all named graphs.", lang="en")))
    graph.add((default_graph, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    for name, triples in sorted(counts.items()):
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples, datatype=XSD.integer)))
    if void is not None:
        graph += void
    return graph


def _graph_href(links: SiteLinks, name: str) -> str | None:
    """The page of a named graph of the dataset (`/graph/{name}`), or None for a name outside it."""
    return links.iris.path(f"graph/{name[len(GRAPH):]}") if name.startswith(str(GRAPH)) else None


@dataclass(frozen=True)
class _PageFacts:
    """What the page says of the store and the settings, whatever address it is read at."""

    release: str
    graphs: tuple[tuple[str, int], ...]  # named graphs and their triples, by name
    dataset: URIRef | None  # the VoID dataset
    limits: str


def _page_context(links: SiteLinks, facts: _PageFacts, graph_pages: bool) -> dict[str, Any]:
    """What `sparql.html` shows, every address built from `links` (the request's base); `graph_pages`:
    the named graphs link to their pages."""
    return {
        "endpoint": links.sparql,
        "release": facts.release,
        "example": EXAMPLE_QUERY,
        "form_formats": FORM_FORMATS,
        "union_note": UNION_NOTE,
        "graphs": [
            {"name": name, "triples": triples, "href": _graph_href(links, name) if graph_pages else None}
            for name, triples in facts.graphs
        ],
        "void": {"href": links.void, "label": str(facts.dataset) if facts.dataset is not None else links.void},
        "results_types": neg.RESULTS.media_types,
        "graph_types": neg.RDF.media_types,
        "limits": facts.limits,
        "alternates": [
            Alternate(fmt.media_type, f"{links.sparql}?format={fmt.parameters[0]}", fmt.label) for fmt in PAGE_FORMATS
        ],
        "page_language": "en",  # the page's wording is English, whatever languages the client prefers
    }


def _site_of(request: Request) -> Site | None:
    """The application's Linked Data site, if it has one."""
    app = request.scope.get("app")
    return getattr(getattr(app, "state", None), "site", None)


@dataclass
class ServiceDescription:
    """Renders the description for a given endpoint address (it depends on how the server is reached)."""

    store: Store
    settings: Settings
    release_dir: Path

    @functools.cached_property
    def void(self) -> Graph | None:
        """The release's VoID, read when first described (not at start: at a million triples it
        takes half a second)."""
        return read_void(self.release_dir)

    def render(self, endpoint: str, media_type: str, request: Request | None = None) -> bytes:
        """The description of the endpoint at `endpoint` (the address the request reached) in `media_type`;
        the page's links are built from `request`'s base, or from `endpoint` for a caller without one."""
        if media_type == neg.HTML:
            return self.page(endpoint, request).encode()
        graph = describe(endpoint, self.store, self.settings, self.void)
        return graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")

    def page(self, endpoint: str, request: Request | None = None) -> str:
        """The page for browsers: `sparql.html` rendered by the site's templates, with its header,
        navigation and stylesheet; without a site, or if that rendering fails, the same template on its
        own, its links at the request's base (or `endpoint`'s)."""
        graphs = tuple(sorted(self.store.counts().items()))
        facts = _PageFacts(self.store.release_id, graphs, _main_dataset(self.void), _limits(self.settings))
        site = _site_of(request) if request is not None else None
        if site is not None and request is not None:
            try:
                links = site.page(request).links
                context = _page_context(links, facts, graph_pages=True)
                return site.templates.get_template(TEMPLATE).render(site=links, **context)
            except Exception:
                log.exception("the SPARQL endpoint's page could not be rendered with the site's templates")
        base = server_base(request) if request is not None else endpoint.rpartition("/")[0] + "/"
        links = SiteLinks(IriMap(self.settings.base_iri, base))
        return _standalone.get_template(TEMPLATE).render(site=links, **_page_context(links, facts, graph_pages=False))
