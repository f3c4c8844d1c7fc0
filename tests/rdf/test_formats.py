"""The format registry: consistent, its readers and writers work, and every RDF format is served everywhere.

The last test follows each graph and dataset format of the registry through
the whole package: a CONSTRUCT at /sparql, a resource (`/id/….ext`), a named
graph (`/graph/….ext`) and the release files, each parsed back with the
registry's own readers.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.parser import Parser
from rdflib.plugin import get as plugin
from rdflib.serializer import Serializer
from support.graphs import isomorphic
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    BASE,
    SOURCE_A,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.iris import ID
from spacecoop.rdf import formats
from spacecoop.rdf.canonical import prefixes_for
from spacecoop.rdf.formats import DATASET, GRAPH, REGISTRY, RESULTS, Format
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages.representations import DATASET_OR_HTML, GRAPH_OR_HTML

RDF_FORMATS = formats.of_kind(GRAPH, DATASET)
RESULT_FORMATS = formats.of_kind(RESULTS)


def ids(fmt: Format) -> str:
    return fmt.name


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


def test_names_media_types_and_extensions_are_unique() -> None:
    for key in ("name", "media_type", "extension"):
        values = [getattr(fmt, key) for fmt in REGISTRY if getattr(fmt, key) is not None]
        assert [v for v, n in Counter(values).items() if n > 1] == [], key
    assert len(formats.BY_NAME) == len(formats.BY_MEDIA_TYPE) == len(REGISTRY)


@pytest.mark.parametrize("kind", sorted({fmt.kind for fmt in REGISTRY}))
def test_within_a_kind_an_alias_or_a_parameter_names_one_format(kind: str) -> None:
    chosen = [fmt for fmt in REGISTRY if fmt.kind == kind]
    aliases = [alias for fmt in chosen for alias in fmt.aliases]
    parameters = [name for fmt in chosen for name in fmt.parameters]
    assert len(set(aliases)) == len(aliases)
    assert not set(aliases) & {fmt.media_type for fmt in chosen}
    assert len(set(parameters)) == len(parameters)
    assert all(value == value.lower() for value in (*aliases, *parameters))


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=ids)
def test_an_rdf_format_agrees_with_pyoxigraph_and_rdflib(fmt: Format) -> None:
    assert fmt.rdf is not None and fmt.rdflib is not None and fmt.w3c is not None and fmt.parameters
    assert fmt.rdf.media_type == fmt.media_type
    assert fmt.rdf.file_extension == fmt.extension
    assert fmt.rdf.supports_datasets == fmt.holds_datasets
    # pyoxigraph names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD; the W3C's list says …/formats/JSON-LD
    assert fmt.w3c.startswith(formats.W3C_FORMATS)
    if fmt.rdf.iri.startswith(formats.W3C_FORMATS):
        assert fmt.w3c == fmt.rdf.iri
    assert plugin(fmt.rdflib, Parser) and plugin(fmt.rdflib, Serializer)


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=ids)
def test_a_results_format_agrees_with_pyoxigraph(fmt: Format) -> None:
    assert fmt.results is not None and fmt.parameters and fmt.rdf is None
    assert fmt.results.media_type.split(";")[0] == fmt.media_type
    assert fmt.results.file_extension == fmt.extension
    assert fmt.w3c == fmt.results.iri


def test_only_rdf_and_results_formats_have_readers() -> None:
    for fmt in REGISTRY:
        assert (fmt.rdf is not None) == (fmt.rdflib is not None) == (fmt.kind in (GRAPH, DATASET)), fmt.name
        assert (fmt.results is not None) == (fmt.kind == RESULTS), fmt.name
        assert not fmt.holds_datasets or fmt.rdf is not None


# ---------------------------------------------------------------------------
# Writers and readers
# ---------------------------------------------------------------------------

G1 = ox.NamedNode(BASE + "graph/a")
CNSA = ox.NamedNode(f"{ID}agency/cnsa")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PART = ox.NamedNode("https://w3id.org/spacecoop/ontology#party")
NODE = ox.BlankNode("n1")
QUADS = [
    ox.Quad(CNSA, LABEL, ox.Literal("CNSA", language="en"), G1),
    ox.Quad(CNSA, LABEL, ox.Literal("国家航天局", language="zh"), G1),
    ox.Quad(CNSA, PART, NODE, G1),
    ox.Quad(NODE, LABEL, ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), G1),
]
TRIPLES = [q.triple for q in QUADS]


def _graph(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def _rdflib_read(data: bytes, fmt: Format, base: str | None = None) -> tuple[Graph, set[str]]:
    """The triples rdflib reads with the registry's name for the format, and the graphs they are in."""
    assert fmt.rdflib is not None
    dataset = Dataset()
    dataset.parse(data=data, format=fmt.rdflib, publicID=base)
    graph, names = Graph(), set()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
        if g != dataset.default_graph.identifier:
            names.add(str(g))
    return graph, names


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=ids)
def test_pyoxigraph_writes_what_it_and_rdflib_read_back(fmt: Format) -> None:
    assert fmt.rdf is not None and fmt.rdflib is not None
    items = QUADS if fmt.holds_datasets else TRIPLES
    prefixes = prefixes_for(items) if fmt.prefixes else None
    data = ox.serialize(items, format=fmt.rdf, prefixes=prefixes)
    read = list(ox.parse(data, format=fmt.rdf))
    assert isomorphic(_graph([q.triple for q in read]), _graph(TRIPLES))
    assert {q.graph_name for q in read} == ({G1} if fmt.holds_datasets else {ox.DefaultGraph()})
    if fmt.prefixes:
        assert b"agency" in data  # a prefix per resource type
    graph, names = _rdflib_read(data, fmt)
    assert isomorphic(graph, _graph(TRIPLES))
    assert names == ({G1.value} if fmt.holds_datasets else set())


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=ids)
def test_rdflib_writes_what_pyoxigraph_reads_back(fmt: Format) -> None:
    assert fmt.rdf is not None and fmt.rdflib is not None
    written = Dataset()
    graph = written.graph(URIRef(G1.value)) if fmt.holds_datasets else written.default_graph
    for triple in _graph(TRIPLES):
        graph.add(triple)
    data = (written if fmt.holds_datasets else graph).serialize(format=fmt.rdflib, encoding="utf-8")
    read = list(ox.parse(data, format=fmt.rdf))
    assert isomorphic(_graph([q.triple for q in read]), _graph(TRIPLES))
    assert {q.graph_name for q in read} == ({G1} if fmt.holds_datasets else {ox.DefaultGraph()})


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=ids)
def test_results_are_written_and_read_back(fmt: Format) -> None:
    assert fmt.results is not None
    store = ox.Store()
    store.extend(QUADS)
    query = "SELECT ?s ?label WHERE { GRAPH ?g { ?s ?p ?label } FILTER(isLiteral(?label)) }"
    data = store.query(query).serialize(format=fmt.results)
    assert store.query("ASK { ?s ?p ?o }").serialize(format=fmt.results)
    if fmt.results == ox.QueryResultsFormat.CSV:  # lexical forms only: pyoxigraph does not read it back
        lines = data.decode("utf-8").splitlines()
        assert lines[0] == "s,label" and len(lines) == 4
        return
    read = ox.parse_query_results(data, fmt.results)
    assert [v.value for v in read.variables] == ["s", "label"]
    labels = sorted(str(row["label"]) for row in read)
    assert labels == ['"7"^^<http://www.w3.org/2001/XMLSchema#integer>', '"CNSA"@en', '"国家航天局"@zh']


# ---------------------------------------------------------------------------
# The tables derived from it
# ---------------------------------------------------------------------------


def test_the_server_prefers_the_registry_order_within_a_kind() -> None:
    assert neg.RESULTS.media_types == tuple(fmt.media_type for fmt in RESULT_FORMATS)
    assert neg.RDF.media_types == tuple(fmt.media_type for fmt in formats.of_kind(GRAPH))
    assert neg.RESULTS.negotiate("*/*") == formats.SPARQL_RESULTS_JSON
    assert neg.RDF_OR_HTML.negotiate("*/*") == formats.TURTLE
    assert DATASET_OR_HTML.negotiate("*/*") == formats.TRIG
    assert DATASET_OR_HTML.negotiate("application/x-trig, application/json") == formats.JSON_LD  # aliases: RDF's first


def test_a_table_refuses_two_formats_claiming_one_media_type_or_name() -> None:
    json_ld, problem = formats.named("json-ld", "problem-json")
    with pytest.raises(ValueError):
        neg.RESULTS.extended(json_ld)  # application/json, json
    with pytest.raises(ValueError):
        neg.FormatTable.of(json_ld, problem)  # application/json
    assert neg.FormatTable.of(json_ld, problem, aliases=False).media_types == (formats.JSON_LD, formats.PROBLEM_JSON)


def test_every_negotiated_format_has_one_extension() -> None:
    offered = {*neg.RESULTS.media_types, *DATASET_OR_HTML.media_types}
    assert set(neg.EXTENSIONS) == offered
    assert len(set(neg.EXTENSIONS.values())) == len(neg.EXTENSIONS)


# ---------------------------------------------------------------------------
# Each RDF format, everywhere it is served
# ---------------------------------------------------------------------------

GRAPH_A = f"{BASE}graph/{SOURCE_A}"
CONSTRUCT_A = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_A}> {{ ?s ?p ?o }} }}"
AGREEMENT_PATH = "/" + AGREEMENT[len(BASE):]


def _media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


@pytest.fixture(scope="module")
def expected(client: httpx.Client) -> dict[str, Graph]:
    """What every other format is compared with: the N-Triples of each answer."""
    answers = {
        "sparql": client.get("/sparql", params={"query": CONSTRUCT_A, "format": "nt"}),
        AGREEMENT_PATH: client.get(AGREEMENT_PATH + ".nt"),
        f"/graph/{SOURCE_A}": client.get(f"/graph/{SOURCE_A}.nt"),
    }
    return {key: Graph().parse(data=response.content, format="nt") for key, response in answers.items()}


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=ids)
def test_each_rdf_format_everywhere(client: httpx.Client, expected: dict[str, Graph], release_dir: Path,
                                    fmt: Format) -> None:
    assert fmt.rdf is not None
    # /sparql: CONSTRUCT answers come in every graph format; a dataset format is not acceptable
    response = client.get("/sparql", params={"query": CONSTRUCT_A}, headers={"Accept": fmt.media_type})
    if fmt.kind == GRAPH:
        assert response.status_code == 200
        assert _media_type(response) == fmt.media_type
        assert isomorphic(Graph().parse(data=response.content, format=fmt.rdflib), expected["sparql"])
        assert isomorphic(_graph([q.triple for q in ox.parse(response.content, format=fmt.rdf)]), expected["sparql"])
        by_name = client.get("/sparql", params={"query": CONSTRUCT_A, "format": fmt.parameters[0]})
        assert _media_type(by_name) == fmt.media_type
    else:
        assert response.status_code == 406

    # /id/…: a resource in every graph format, by extension
    response = client.get(f"{AGREEMENT_PATH}.{fmt.extension}")
    if fmt.media_type in GRAPH_OR_HTML.media_types:
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
        assert isomorphic(_rdflib_read(response.content, fmt, str(response.url))[0], expected[AGREEMENT_PATH])
    else:
        assert response.status_code == 404

    # /graph/…: a named graph in every graph and dataset format; dataset formats keep its name
    assert fmt.media_type in DATASET_OR_HTML.media_types
    response = client.get(f"/graph/{SOURCE_A}.{fmt.extension}")
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
    graph, names = _rdflib_read(response.content, fmt, str(response.url))
    assert isomorphic(graph, expected[f"/graph/{SOURCE_A}"])
    assert names == ({GRAPH_A} if fmt.kind == DATASET else set())

    # dist/: the release files of the format, listed with its media type and the statements they hold
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    files = [entry for entry in manifest["files"] if entry["path"].endswith("." + fmt.extension)]
    assert files, f"the release has no .{fmt.extension} file"
    for entry in files:
        assert entry["media_type"] == fmt.media_type
        quads = set(ox.parse(path=release_dir / entry["path"], format=fmt.rdf))
        statements = quads if fmt.holds_datasets else {q.triple for q in quads}
        assert len(statements) == entry["triples"], entry["path"]
