"""Predeclared prefixes: which the release has, which a query gets declared, and the store that adds them.

The store is exercised over a backend in this process that parses and evaluates
with pyoxigraph and keeps the texts it was sent, so each test sees both what
the client gets and what the backend got.
"""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
from support.pages import fixture_release  # noqa: F401  (a fixture)

from spacecoop.iris import PREFIXES
from spacecoop.paths import Release
from spacecoop.rdf.canonical import prefixes_for
from spacecoop.store.engine_loop import EngineLoop
from spacecoop.store.policy import QueryRefused, QueryTooComplex
from spacecoop.store.prefixes import DEFAULT, declare, predeclared, release_prefixes
from spacecoop.store.protocol import QueryRequest, QuerySyntaxError
from spacecoop.store.remote import RemoteStore
from spacecoop.store.sparql_store import SPARQL_JSON, SparqlStore

SCO = PREFIXES["sco"]
ID = "https://w3id.org/spacecoop/id/"
CNSA = f"{ID}agency/cnsa"
RELEASE = {**DEFAULT, "agency": f"{ID}agency/", "service-usage": f"{ID}service-usage/"}


# --- the release's prefixes ---------------------------------------------------------------------


def test_the_release_predeclares_the_fixed_prefixes_then_one_per_resource_type(fixture_release):  # noqa: F811
    prefixes = release_prefixes(fixture_release)
    assert list(prefixes)[: len(DEFAULT)] == list(DEFAULT)  # the fixed ones first, in their order
    others = list(prefixes)[len(DEFAULT):]
    assert others == sorted(others) and {"agency", "agreement", "mission", "person", "spacecraft"} <= set(others)
    assert prefixes["agency"] == f"{ID}agency/" and "id" not in prefixes
    quads = ox.parse(path=Release(fixture_release).data_trig, format=ox.RdfFormat.TRIG)
    assert prefixes == prefixes_for(quads)  # exactly the dumps' prefixes


def test_a_folder_without_the_dump_predeclares_the_fixed_prefixes(tmp_path):
    assert release_prefixes(tmp_path) == DEFAULT
    (tmp_path / "data.trig").write_text("<urn:a> <urn:b> <urn:c> .\n")  # declares none
    assert release_prefixes(tmp_path) == DEFAULT


def test_the_compressed_dump_is_read_when_the_plain_one_is_missing(tmp_path):
    head = (f"@prefix mission: <{ID}mission/> .\n@prefix sco: <{SCO}> .\n@prefix id: <{ID}> .\n\n"
            "<urn:a> <urn:b> <urn:c> .\n")
    with gzip.open(tmp_path / "data.trig.gz", "wt", encoding="utf-8") as out:
        out.write(head)
    assert release_prefixes(tmp_path) == {"sco": SCO, "mission": f"{ID}mission/"}


def test_a_store_without_prefixes_offers_the_fixed_ones():
    assert predeclared(object()) == DEFAULT

    class WithPrefixes:
        prefixes = {"agency": f"{ID}agency/"}

    assert predeclared(WithPrefixes()) == {"agency": f"{ID}agency/"}


# --- what a query gets declared -----------------------------------------------------------------


def test_only_the_prefixes_used_and_not_declared_are_added_on_one_line_before_the_query():
    query = "PREFIX sco: <http://example.org/other#>\nSELECT * WHERE { ?s a sco:X ; rdfs:label ?l . ?s ?p agency:cnsa }"
    declared = declare(query, RELEASE)
    assert declared.added == ("rdfs", "agency")  # in the predeclared order; sco: is the query's own
    assert declared.text == (
        f"PREFIX rdfs: <{PREFIXES['rdfs']}> PREFIX agency: <{ID}agency/>\n" + query
    )
    assert declared.lines_added == 1 and declared.query == query


@pytest.mark.parametrize("query", [
    'SELECT ?x WHERE { BIND("sco:Agency rdfs:label" AS ?x) }',
    "SELECT ?x WHERE { BIND('''skos:x\nowl:y''' AS ?x) }",
    "SELECT ?x WHERE { ?x ?p <sco:Agency> }",
    "SELECT ?x WHERE { ?x ?p ?o } # sco:Agency rdfs:label",
    "SELECT ?x WHERE { ?x ?p ?o . ?x ?q ?prov }",  # a variable named like a prefix
])
def test_a_prefixed_name_in_a_string_iri_or_comment_is_not_a_use(query):
    declared = declare(query, RELEASE)
    assert declared.text == query and declared.added == () and declared.lines_added == 0


# --- the store: one place for every route --------------------------------------------------------


class Evaluating:
    """A `sparql_store.Backend` in this process: pyoxigraph parses (its messages) and evaluates."""

    name = "the test backend"
    canonical = True

    def __init__(self) -> None:
        self.store = ox.Store()
        agency, label = ox.NamedNode(CNSA), ox.NamedNode(PREFIXES["rdfs"] + "label")
        self.store.add(ox.Quad(agency, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(SCO + "Agency")))
        self.store.add(ox.Quad(agency, label, ox.Literal("China National Space Administration", language="en")))
        self.sent: list[str] = []

    def _query(self, text: str):
        try:
            return self.store.query(text)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None

    async def send(self, request, accept, timeout):
        self.sent.append(request.query)
        result = self._query(request.query)
        if accept == SPARQL_JSON:
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        return result.serialize(format=ox.RdfFormat.N_TRIPLES)

    async def form(self, query, kind):
        self.sent.append(query)
        result = self._query(query)
        return kind or ("graph" if isinstance(result, ox.QueryTriples) else "select")

    async def describe(self, request, timeout):
        return request

    async def attach(self):
        pass

    async def detach(self):
        pass

    async def aclose(self):
        pass

    def kill(self):
        pass


@pytest.fixture
def store():
    backend = Evaluating()
    store = SparqlStore(backend, "test", {}, EngineLoop(), prefixes=RELEASE)
    yield store, backend
    store.close()


def answer(store: SparqlStore, query: str, media_type: str = SPARQL_JSON) -> dict:
    return json.loads(store.execute(QueryRequest(query), media_type, timeout=5, max_rows=100).body)


def test_select_ask_construct_and_describe_use_the_predeclared_prefixes(store):
    store, _ = store
    rows = answer(store, "SELECT ?a WHERE { ?a a sco:Agency }")["results"]["bindings"]
    assert rows == [{"a": {"type": "uri", "value": CNSA}}]
    assert answer(store, "ASK { agency:cnsa rdfs:label ?l }")["boolean"] is True
    graph = store.execute(QueryRequest("CONSTRUCT { ?a a sco:Agency } WHERE { ?a a sco:Agency }"),
                          "application/n-triples", timeout=5, max_rows=100)
    assert f"<{CNSA}>".encode() in graph.body
    assert store.query_kind("DESCRIBE agency:cnsa") == "graph"
    assert [str(s) for s in store.construct("DESCRIBE agency:cnsa", timeout=5).subjects(unique=True)] == [CNSA]
    assert store.select("SELECT ?l WHERE { agency:cnsa rdfs:label ?l }", timeout=5)[0]["l"].language == "en"


def test_the_backend_gets_the_declarations_the_query_uses(store):
    store, backend = store
    query = 'SELECT ?a WHERE { ?a a sco:Agency . FILTER(?a != "skos:x") } # owl:Thing'
    answer(store, query)
    assert backend.sent[-1] == f"PREFIX sco: <{SCO}>\n" + query


def test_a_query_that_declares_a_prefix_keeps_its_own_meaning(store):
    store, backend = store
    query = "PREFIX sco: <http://example.org/other#> ASK { ?a a sco:Agency ; rdfs:label ?l }"
    assert answer(store, query)["boolean"] is False
    assert backend.sent[-1] == f"PREFIX rdfs: <{PREFIXES['rdfs']}>\n" + query  # no sco: of ours


def test_base_still_resolves_the_querys_relative_iris(store):
    store, backend = store
    query = f"BASE <{ID}agency/>\nASK {{ <cnsa> a sco:Agency }}"
    assert answer(store, query)["boolean"] is True
    assert backend.sent[-1].endswith(query) and backend.sent[-1].startswith("PREFIX sco:")


def test_a_syntax_error_is_placed_in_the_clients_text(store):
    store, _ = store
    query = "SELECT * WHERE {\n  ?s a sco:Agency .\n  ?s ?p ?o } LIMIT x"
    with pytest.raises(QuerySyntaxError) as raised:
        answer(store, query)
    error = raised.value
    assert (error.line, error.column) == (3, query.split("\n")[2].index("x") + 1)
    assert str(error).startswith(f'line 3, column {error.column}: unexpected "x"; expected one of')
    assert error.parser_message.startswith(f"error at 3:{error.column}: expected")  # the parser's, at line 3
    with pytest.raises(QuerySyntaxError, match=r'^line 2, column 3: the prefix "foo:" is not declared'):
        store.query_kind("SELECT * WHERE {\n  foo:a rdfs:label ?l }")


def test_a_nesting_refusal_is_placed_in_the_clients_text(store):
    store, _ = store
    store.max_nesting = 3
    with pytest.raises(QueryTooComplex, match=r"at line 2, column"):
        answer(store, "SELECT * WHERE {\n { { { { ?s a sco:Agency } } } } }")


def test_a_predeclared_prefix_spelling_service_is_a_prefix_not_the_keyword(store):
    store, backend = store
    assert answer(store, "SELECT * WHERE { ?s a service-usage:x }")["results"]["bindings"] == []
    with pytest.raises(QueryRefused):  # undeclared, it can only be SERVICE glued to a name
        answer(store, "SELECT * WHERE { ?s a service-use:x }")


def test_the_stores_that_open_a_release_predeclare_its_prefixes(fixture_release):  # noqa: F811
    store = RemoteStore.open(fixture_release, "http://127.0.0.1:9/sparql", check=False)
    try:
        assert store.prefixes == release_prefixes(fixture_release) and "agency" in store.prefixes
    finally:
        store.close()
