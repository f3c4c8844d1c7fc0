"""GET /sparql without a query: the SPARQL 1.1 Service Description.

RDF clients get the description (Turtle unless they ask for another RDF
format); browsers get a page with the same facts and a query form. It says
what a client needs to know before its first query: the result formats, that
the default graph is the union of all named graphs, which named graphs exist
(one per source document, the inferred triples apart), the limits, and the
dataset's VoID description.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from spacecoop.iris import GRAPH, INFERRED_GRAPH, PREFIXES
from spacecoop.rdf import formats
from spacecoop.store.protocol import Store
from spacecoop.web.http import negotiation as neg
from spacecoop.web.settings import Settings

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


def _page(endpoint: str, store: Store, settings: Settings, void: Graph | None) -> str:
    e = html.escape
    counts = store.counts()
    rows = "\n".join(
        f"<tr><td><code>{e(name)}</code></td><td>{count}</td></tr>" for name, count in sorted(counts.items())
    )
    results = ", ".join(f"<code>{e(t)}</code>" for t in neg.RESULTS.media_types)
    graphs = ", ".join(f"<code>{e(t)}</code>" for t in neg.RDF.media_types)
    dataset = _main_dataset(void)
    void_link = f'<p>VoID description of the dataset: <a href="/void">{e(str(dataset or "/void"))}</a></p>'
    example = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>spacecoop SPARQL endpoint</title>
<link rel="alternate" type="text/turtle" href="?format=ttl">
</head><body>
<h1>SPARQL endpoint</h1>
<p>This is a SPARQL 1.1 endpoint at <code>{e(endpoint)}</code> (release <code>{e(store.release_id)}</code>).
Send a query with <code>GET ?query=…</code>, a form POST or a POST of <code>application/sparql-query</code>.</p>
<form method="get" action="">
<p><label for="query">Query</label><br>
<textarea id="query" name="query" rows="8" cols="90">{e(example)}</textarea></p>
<p><label for="format">Format</label>
<select id="format" name="format">
<option value="">from the Accept header</option>
<option value="json">SPARQL JSON / JSON-LD</option><option value="xml">SPARQL XML / RDF/XML</option>
<option value="csv">CSV</option><option value="tsv">TSV</option>
<option value="ttl">Turtle</option><option value="nt">N-Triples</option>
</select> <button type="submit">Run</button></p>
</form>
<h2>Dataset</h2>
<p>{e(UNION_NOTE)}</p>
<table><thead><tr><th>Named graph</th><th>Triples</th></tr></thead><tbody>
{rows}
</tbody></table>
{void_link}
<h2>Formats</h2>
<p>SELECT and ASK: {results}. CONSTRUCT and DESCRIBE: {graphs}.
Chosen from the Accept header, or with the <code>format</code> parameter.</p>
<h2>Limits</h2>
<p>{e(_limits(settings))}</p>
<p>This page as RDF: <a href="?format=ttl">Turtle</a> · <a href="?format=jsonld">JSON-LD</a></p>
</body></html>
"""


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

    def render(self, endpoint: str, media_type: str) -> bytes:
        if media_type == neg.HTML:
            return _page(endpoint, self.store, self.settings, self.void).encode()
        graph = describe(endpoint, self.store, self.settings, self.void)
        return graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")
