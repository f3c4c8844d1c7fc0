"""The SPARQL 1.1 Protocol over a real server process: routes, datasets, formats, caching, errors.

Every answer is parsed back and compared with what rdflib computes on the
same fixture data (test_server_support.fixture_dataset), as result sets or as
graphs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import time
import urllib.parse

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from support.graphs import isomorphic
from support.server import (
    GRAPH_A,
    GRAPH_B,
    ID,
    INFERRED_GRAPH,
    MAX_BODY,
    SOURCES_GRAPH,
    fixture_dataset,
    term_key,
)

RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
SCO = "PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n"
LABELS = RDFS + "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label }"
AGENCIES = SCO + "SELECT ?agency WHERE { ?agency a sco:Agency }"
DOC_B = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_B}> {{ ?s ?p ?o }} }}"
MISSION = f"{ID}mission/m1"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


@pytest.fixture(scope="module")
def oracle():
    return fixture_dataset()


def expected_rows(oracle, query: str) -> list[tuple]:
    result = oracle.query(query)
    return sorted(tuple(term_key(row[v]) for v in result.vars) for row in result)


def rows_of(body: bytes, format: ox.QueryResultsFormat) -> list[tuple]:
    solutions = ox.parse_query_results(body, format)
    variables = [v.value for v in solutions.variables]
    return sorted(tuple(term_key(solution[v]) for v in variables) for solution in solutions)


def expected_graph(oracle, query: str) -> Graph:
    graph = Graph()
    for triple in oracle.query(query):
        graph.add(triple)
    return graph


def agencies(response) -> set[str]:
    return {b["agency"]["value"] for b in response.json()["results"]["bindings"]}


# ---------------------------------------------------------------------------
# The three ways to send a query
# ---------------------------------------------------------------------------


def send(client, route: str, query: str, headers: dict | None = None, **params):
    if route == "GET":
        return client.get("/sparql", params={"query": query, **params}, headers=headers)
    if route == "POST form":
        return client.post("/sparql", data={"query": query, **params}, headers=headers)
    return client.post(
        "/sparql",
        content=query.encode(),
        params=params,
        headers={"Content-Type": "application/sparql-query", **(headers or {})},
    )


ROUTES = ("GET", "POST form", "POST query")


@pytest.mark.parametrize("route", ROUTES)
def test_each_protocol_route_answers_a_select(server_client, oracle, route):
    response = send(server_client, route, LABELS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert rows_of(response.content, ox.QueryResultsFormat.JSON) == expected_rows(oracle, LABELS)


@pytest.mark.parametrize("route", ROUTES)
def test_default_graph_uri_is_honoured(server_client, route):
    response = send(server_client, route, AGENCIES, **{"default-graph-uri": GRAPH_A})
    assert agencies(response) == {f"{ID}agency/esa"}


@pytest.mark.parametrize("route", ROUTES)
def test_named_graph_uri_is_honoured(server_client, route):
    query = SCO + "SELECT ?g ?agency WHERE { GRAPH ?g { ?agency a sco:Agency } }"
    response = send(server_client, route, query, **{"named-graph-uri": GRAPH_B})
    bindings = response.json()["results"]["bindings"]
    assert [(b["g"]["value"], b["agency"]["value"]) for b in bindings] == [(GRAPH_B, f"{ID}agency/cnsa")]


def test_several_default_graph_uris_are_merged(server_client):
    response = send(server_client, "GET", AGENCIES, **{"default-graph-uri": [GRAPH_A, GRAPH_B]})
    assert agencies(response) == {f"{ID}agency/esa", f"{ID}agency/cnsa"}


def test_default_graph_is_the_union_of_all_graphs(server_client):
    query = SCO + "SELECT ?x WHERE { ?x a sco:Organization }"  # only in the inferred graph
    response = send(server_client, "GET", query)
    assert {b["x"]["value"] for b in response.json()["results"]["bindings"]} == {
        f"{ID}agency/esa",
        f"{ID}agency/cnsa",
    }
    assert agencies(send(server_client, "GET", AGENCIES)) == {f"{ID}agency/esa", f"{ID}agency/cnsa"}


def test_graph_reaches_each_document_graph_and_the_inferred_one_apart(server_client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = {b["g"]["value"] for b in send(server_client, "GET", query).json()["results"]["bindings"]}
    assert {GRAPH_A, GRAPH_B, SOURCES_GRAPH, INFERRED_GRAPH} <= graphs


def test_from_in_the_query_chooses_the_dataset(server_client):
    query = SCO + f"SELECT ?agency FROM <{GRAPH_B}> WHERE {{ ?agency a sco:Agency }}"
    assert agencies(send(server_client, "GET", query)) == {f"{ID}agency/cnsa"}


# ---------------------------------------------------------------------------
# Formats, parsed back
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", RESULT_FORMATS)
def test_select_results_in_each_format(server_client, oracle, media_type):
    response = send(server_client, "GET", LABELS, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert rows_of(response.content, RESULT_FORMATS[media_type]) == expected_rows(oracle, LABELS)


def test_select_results_as_csv(server_client, oracle):
    response = send(server_client, "GET", LABELS, headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header, *rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert header == ["thing", "label"]
    expected = sorted((str(row.thing), str(row.label)) for row in oracle.query(LABELS))
    assert sorted(map(tuple, rows)) == expected


@pytest.mark.parametrize("media_type", [*RESULT_FORMATS, "text/csv"])
def test_ask_in_each_format(server_client, media_type):
    response = send(server_client, "GET", SCO + "ASK { ?m a sco:Mission }", headers={"Accept": media_type})
    assert response.status_code == 200
    if media_type in RESULT_FORMATS:
        assert bool(ox.parse_query_results(response.content, RESULT_FORMATS[media_type])) is True
    else:
        assert response.text.strip() == "true"


@pytest.mark.parametrize("media_type", GRAPH_FORMATS)
def test_construct_in_each_format(server_client, oracle, media_type):
    response = send(server_client, "GET", DOC_B, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=GRAPH_FORMATS[media_type])
    assert isomorphic(graph, expected_graph(oracle, DOC_B))


@pytest.mark.parametrize("media_type", GRAPH_FORMATS)
def test_describe_in_each_format(server_client, oracle, media_type):
    response = send(server_client, "GET", f"DESCRIBE <{MISSION}>", headers={"Accept": media_type})
    graph = Graph().parse(data=response.content, format=GRAPH_FORMATS[media_type])
    # DESCRIBE answers with the one description of a resource the pages use.
    from spacecoop.web.pages.describe import describe_query

    assert len(graph) > 0
    assert isomorphic(graph, expected_graph(oracle, describe_query(MISSION)))


@pytest.mark.parametrize(
    ("query", "media_type"),
    [(LABELS, "application/sparql-results+json"), (DOC_B, "text/turtle")],
    ids=["select gets JSON", "construct gets Turtle"],
)
@pytest.mark.parametrize("accept", [None, "*/*"], ids=["no Accept", "any"])
def test_default_formats(server_process, query, media_type, accept):
    import httpx

    headers = {"Accept": accept} if accept else {}
    # httpx sends Accept: */* unless told otherwise; a raw request without it:
    with httpx.Client(base_url=server_process.url, headers={}) as client:
        client.headers.pop("accept", None)
        response = client.get("/sparql", params={"query": query}, headers=headers)
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize(
    ("query", "format", "media_type"),
    [
        (LABELS, "json", "application/sparql-results+json"),
        (LABELS, "xml", "application/sparql-results+xml"),
        (LABELS, "csv", "text/csv"),
        (LABELS, "tsv", "text/tab-separated-values"),
        (DOC_B, "turtle", "text/turtle"),
        (DOC_B, "ttl", "text/turtle"),
        (DOC_B, "nt", "application/n-triples"),
        (DOC_B, "jsonld", "application/ld+json"),
        (DOC_B, "rdfxml", "application/rdf+xml"),
    ],
)
def test_format_parameter(server_client, query, format, media_type):
    response = send(server_client, "GET", query, headers={"Accept": "application/sparql-results+json"}, format=format)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_accept_with_q_values_and_wildcards(server_client, accept, media_type):
    response = send(server_client, "GET", LABELS, headers={"Accept": accept})
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize("query", [LABELS, DOC_B], ids=["select", "construct"])
def test_every_negotiated_answer_varies_on_accept(server_client, query):
    assert send(server_client, "GET", query).headers["vary"] == "Accept"


# ---------------------------------------------------------------------------
# 406, 400, 413, 415 and the shape of errors
# ---------------------------------------------------------------------------


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


@pytest.mark.parametrize(
    ("query", "offered"),
    [(LABELS, "application/sparql-results+json"), (DOC_B, "text/turtle")],
    ids=["select", "construct"],
)
def test_unacceptable_accept_gets_406_naming_the_offered_formats(server_client, query, offered):
    response = send(server_client, "GET", query, headers={"Accept": "image/png"})
    problem = assert_problem(response, 406)
    assert offered in problem["detail"]
    assert response.headers["vary"] == "Accept"


def test_unknown_format_parameter_gets_406(server_client):
    problem = assert_problem(send(server_client, "GET", LABELS, format="yaml"), 406)
    assert "'yaml'" in problem["detail"] and "csv" in problem["detail"]


@pytest.mark.parametrize("route", ROUTES)
def test_malformed_query_gets_400_with_the_parsers_message_and_position(server_client, route):
    problem = assert_problem(send(server_client, route, "SELECT * WHERE {\n  ?s ?p \n}"), 400)
    assert re.search(r"error at 3:\d+: expected", problem["parser_message"])  # line 3: the closing brace
    assert problem["detail"].startswith('The query does not parse: line 3, column 1: unexpected "}"')


def test_query_without_a_form_gets_400_from_the_parser(server_client):
    problem = assert_problem(send(server_client, "GET", "SELEC * WHERE { ?s ?p ?o }"), 400)
    assert "error at 1:" in problem["parser_message"]
    assert 'line 1, column 1: "SELEC" is not a SPARQL keyword' in problem["detail"]


def test_invalid_graph_iri_gets_400(server_client):
    problem = assert_problem(send(server_client, "GET", AGENCIES, **{"default-graph-uri": "not an iri"}), 400)
    assert "not an iri" in problem["detail"]


@pytest.mark.parametrize("route", ["POST form", "POST query"])
def test_request_body_over_the_limit_gets_413(server_client, route):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_BODY
    problem = assert_problem(send(server_client, route, query), 413)
    assert str(MAX_BODY) in problem["detail"]


def test_body_just_under_the_limit_is_read(server_client):
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #"
    query += "x" * (MAX_BODY - len(query))
    assert send(server_client, "POST query", query).status_code == 200


def test_post_of_another_type_gets_415(server_client):
    response = server_client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 415)
    assert "application/sparql-query" in problem["detail"]


def test_query_parameter_given_twice_gets_400(server_client):
    assert_problem(server_client.get("/sparql", params=[("query", LABELS), ("query", LABELS)]), 400)


def test_empty_query_gets_400(server_client):
    assert_problem(send(server_client, "GET", "  "), 400)


def test_post_without_a_query_gets_400(server_client):
    assert_problem(server_client.post("/sparql", data={"format": "json"}), 400)


def test_browsers_get_an_error_page(server_client):
    response = send(server_client, "GET", "SELECT * WHERE {", headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Malformed query" in response.text


def test_unknown_path_gets_a_problem(server_client):
    assert_problem(server_client.get("/no/such/thing", headers={"Accept": "application/json"}), 404)


@pytest.mark.parametrize("path", ["/void.exe", "/dcat.anything", "/void.tar.gz"])
def test_a_description_with_an_unknown_extension_is_404(server_client, path):
    problem = assert_problem(server_client.get(path, headers={"Accept": "application/json"}), 404)
    assert f"no .{path.split('.', 1)[1]} representation" in problem["detail"]
    assert server_client.get("/void.ttl").status_code == 200


# ---------------------------------------------------------------------------
# Encodings: the protocol's is UTF-8, and a query is never run changed
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["UTF-16", "ISO-8859-1", "no-such-charset"])
def test_a_direct_post_in_another_charset_gets_415_naming_it(server_client, charset):
    body = LABELS.encode("utf-16") if charset == "UTF-16" else LABELS.encode("latin-1")
    response = server_client.post(
        "/sparql", content=body, headers={"Content-Type": f"application/sparql-query; charset={charset}"}
    )
    problem = assert_problem(response, 415)
    assert charset in problem["detail"] and "UTF-8" in problem["detail"]


def test_a_form_post_in_another_charset_gets_415(server_client):
    response = server_client.post(
        "/sparql",
        content=b"query=" + LABELS.encode("latin-1").replace(b" ", b"+"),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1"},
    )
    assert "ISO-8859-1" in assert_problem(response, 415)["detail"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", '"UTF-8"'])
def test_utf8_may_be_declared(server_client, oracle, charset):
    response = server_client.post(
        "/sparql", content=LABELS.encode(), headers={"Content-Type": f"application/sparql-query; charset={charset}"}
    )
    assert rows_of(response.content, ox.QueryResultsFormat.JSON) == expected_rows(oracle, LABELS)


@pytest.mark.parametrize("encoded", ["%FF", "%C3%28", "%ED%A0%80"], ids=["FF", "bad continuation", "surrogate"])
def test_invalid_utf8_in_a_get_query_gets_400(server_client, encoded):
    response = server_client.get(f"/sparql?query=ASK%20%7B%7D%20%23{encoded}")
    assert "not valid UTF-8" in assert_problem(response, 400)["detail"]


def test_percent_encoded_utf8_in_a_get_query_is_read(server_client):
    response = server_client.get("/sparql?query=ASK%20%7B%20FILTER(%22%C3%A9%22%20%3D%20%22%5Cu00E9%22)%20%7D")
    assert response.json()["boolean"] is True


# ---------------------------------------------------------------------------
# format and output, as real clients repeat them
# ---------------------------------------------------------------------------


def test_sparqlwrapper_repeats_format_and_output_for_json_ld(server_client, oracle):
    """SPARQLWrapper 2.0's request for CONSTRUCT as JSON-LD, parameter for parameter."""
    listed = "application/ld+json,application/x-json+ld"
    params = [("query", DOC_B), ("format", "json-ld"), ("format", listed),
              ("output", "json-ld"), ("output", listed), ("results", "json-ld"), ("results", listed)]
    response = server_client.get("/sparql", params=params, headers={"Accept": listed})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert isomorphic(Graph().parse(data=response.text, format="json-ld"), expected_graph(oracle, DOC_B))


def test_sparqlwrapper_itself_gets_json_ld(server_process, oracle):
    from SPARQLWrapper import JSONLD, SPARQLWrapper

    client = SPARQLWrapper(server_process.url + "/sparql")
    client.setQuery(DOC_B)
    client.setReturnFormat(JSONLD)
    assert isomorphic(client.query().convert(), expected_graph(oracle, DOC_B))


@pytest.mark.parametrize(
    "params, media_type",
    [
        ([("format", "csv"), ("format", "csv")], "text/csv"),
        ([("format", "json"), ("output", "application/sparql-results+json")], "application/sparql-results+json"),
        ([("output", "tsv")], "text/tab-separated-values"),
        ([("format", "xml"), ("format", "text/csv,application/sparql-results+xml")], "application/sparql-results+xml"),
        ([("format", "rdf+xml"), ("format", "text/csv")], "text/csv"),  # a value naming nothing here is ignored
    ],
    ids=["same twice", "name and media type", "output alone", "list holding the name", "unknown beside known"],
)
def test_repeated_format_parameters_that_agree_are_one_choice(server_client, params, media_type):
    response = server_client.get("/sparql", params=[("query", LABELS), *params])
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_format_parameters_that_disagree_get_400_naming_both(server_client):
    response = server_client.get("/sparql", params=[("query", LABELS), ("format", "json"), ("output", "csv")])
    detail = assert_problem(response, 400)["detail"]
    assert "'json'" in detail and "'csv'" in detail


# ---------------------------------------------------------------------------
# CORS
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", {"query": LABELS}),
        ("GET", {"query": "SELECT * WHERE {"}),
        ("GET", {"query": LABELS, "format": "yaml"}),
        ("GET", {}),
    ],
    ids=["answer", "400", "406", "service description"],
)
def test_cors_header_on_answers_and_errors(server_client, request_):
    method, params = request_
    response = server_client.request(method, "/sparql", params=params, headers={"Origin": "https://yasgui.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]


def test_cors_preflight_is_answered(server_client):
    response = server_client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "content-type, accept"


def test_plain_options_lists_the_methods(server_client):
    response = server_client.options("/sparql")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


# ---------------------------------------------------------------------------
# Conditional GET
# ---------------------------------------------------------------------------


def test_answers_carry_an_etag_and_304_for_a_match(server_client):
    first = send(server_client, "GET", LABELS)
    etag = first.headers["etag"]
    assert send(server_client, "GET", LABELS).headers["etag"] == etag
    again = send(server_client, "GET", LABELS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag and again.headers["vary"] == "Accept"
    assert "max-age" in again.headers["cache-control"]


def test_if_none_match_with_another_tag_gets_the_answer(server_client):
    response = send(server_client, "GET", LABELS, headers={"If-None-Match": 'W/"other", "x"'})
    assert response.status_code == 200 and response.content


@pytest.mark.parametrize(
    "change",
    [{"headers": {"Accept": "text/csv"}}, {"query": AGENCIES}, {"dataset": {"default-graph-uri": GRAPH_A}}],
    ids=["format", "query", "dataset"],
)
def test_etag_differs_when_the_answer_would(server_client, change):
    base = send(server_client, "GET", LABELS).headers["etag"]
    other = send(
        server_client,
        "GET",
        change.get("query", LABELS),
        headers=change.get("headers"),
        **change.get("dataset", {}),
    )
    assert other.headers["etag"] != base


def test_head_gives_the_headers_without_a_body(server_client):
    response = server_client.head("/sparql", params={"query": LABELS})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"]


# ---------------------------------------------------------------------------
# Service description, health, access log
# ---------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.fixture(scope="module")
def service_description(server_client) -> Graph:
    response = server_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def test_service_description_names_the_endpoint_and_its_features(service_description, server_process):
    service = service_description.value(predicate=RDF.type, object=URIRef(SD + "Service"), any=False)
    assert service_description.value(service, URIRef(SD + "endpoint")) == URIRef(server_process.url + "/sparql")
    assert (service, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in service_description
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in service_description


def test_service_description_lists_every_result_format(service_description):
    formats = {str(o).rsplit("/", 1)[1] for o in service_description.objects(None, URIRef(SD + "resultFormat"))}
    assert formats == {
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "JSON-LD", "RDF_XML",
    }


def test_service_description_lists_the_named_graphs_and_says_the_default_is_their_union(service_description):
    names = {str(o) for o in service_description.objects(None, URIRef(SD + "name"))}
    assert {GRAPH_A, GRAPH_B, SOURCES_GRAPH, INFERRED_GRAPH} <= names
    comments = " ".join(str(o) for o in service_description.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    assert "union of all named graphs" in comments and "GRAPH ?g" in comments


def test_service_description_includes_the_datasets_void(service_description):
    dataset = URIRef("https://w3id.org/spacecoop/void#dataset")
    assert (None, URIRef(SD + "defaultDataset"), dataset) in service_description
    assert (dataset, RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in service_description


def test_service_description_is_a_page_for_browsers(server_client):
    response = server_client.get("/sparql", headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html")
    assert "<form" in response.text and GRAPH_A in response.text
    assert response.headers["vary"] == "Accept, Accept-Language, Cookie"  # the page speaks the client's language


def test_service_description_in_json_ld(server_client):
    response = server_client.get("/sparql", headers={"Accept": "application/ld+json"})
    graph = Graph().parse(data=response.text, format="json-ld")
    assert (None, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in graph


def test_health_names_the_release(server_client, server_release):
    response = server_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    manifest = json.loads((server_release / "manifest.json").read_text())
    assert body["status"] == "ok" and body["release"] == manifest["release"]
    assert body["query_engines"]["sandboxed"] is True


def test_access_log_has_one_line_per_request_with_the_query_hash(server_client, server_process):
    from spacecoop.web.http.access_log import query_hash

    query = LABELS + " # logged " + str(id(server_process))
    send(server_client, "GET", query)
    for _ in range(50):  # the line is written once the response has gone out
        lines = [line for line in server_process.log.read_text().splitlines() if query_hash(query) in line]
        if lines:
            break
        time.sleep(0.05)
    assert len(lines) == 1
    assert " GET /sparql 200 " in lines[0] and "ms query=" in lines[0]


def test_a_client_that_goes_away_is_logged_as_a_disconnect_not_a_503(server_process):
    from support.server import RUNAWAY_QUERY

    from spacecoop.web.http.access_log import query_hash

    query = RUNAWAY_QUERY + " # disconnect " + str(time.time())
    port = int(server_process.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        target = "/sparql?" + urllib.parse.urlencode({"query": query})
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        time.sleep(0.5)  # the query is running
    lines: list[str] = []
    for _ in range(100):  # written when the handler has finished
        lines = [line for line in server_process.log.read_text().splitlines() if query_hash(query) in line]
        if lines:
            break
        time.sleep(0.05)
    assert len(lines) == 1
    assert " GET /sparql 499 " in lines[0] and lines[0].endswith("client disconnected")
