"""The release as files and self-descriptions: /dumps/, VoID, DCAT, and the query page's server side."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF, VOID
from support.graphs import isomorphic
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    BASE,
    CNSA,
    DUMP_FILES,
    ESA,
    client,
    fixture_release,
    fixture_server,
)

SPDX = "http://spdx.org/rdf/terms#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def manifest(fixture_release: Path) -> dict:
    return json.loads((fixture_release / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entries(manifest: dict) -> dict[str, dict]:
    return {e["path"]: e for e in manifest["files"]}


def server_url(client: httpx.Client, canonical: str) -> str:
    """Where this server answers for a canonical IRI."""
    assert canonical.startswith(BASE), canonical
    return f"{client.base_url}/{canonical[len(BASE):]}"


# ---------------------------------------------------------------------------
# /dumps/
# ---------------------------------------------------------------------------


def test_dumps_listing_names_every_release_file_with_its_checksum(client, manifest, entries):
    html = client.get("/dumps/", headers={"Accept": BROWSER}).text
    listed = re.findall(r'<tr data-path="([^"]+)">(.*?)</tr>', html, re.S)
    assert {path for path, _ in listed} == set(entries)
    for path, row in listed:
        entry = entries[path]
        assert entry["sha256"] in row and str(entry["bytes"]) in row and entry["media_type"] in row
        if entry.get("triples") is not None:
            assert f">{entry['triples']}<" in row
        assert f'href="{client.base_url}/dumps/{path}"' in row
    as_json = client.get("/dumps/", headers={"Accept": "application/json"}).json()
    assert [{k: v for k, v in e.items() if k != "url"} for e in as_json["files"]] == manifest["files"]
    assert as_json["release"] == manifest["release"]


def test_fixture_release_lists_the_expected_files(entries):
    assert set(DUMP_FILES) <= set(entries)


@pytest.mark.parametrize("path", DUMP_FILES)
def test_dump_file_matches_its_checksum_size_and_media_type(client, fixture_release, entries, path):
    response = client.get(f"/dumps/{path}")
    assert response.status_code == 200
    entry = entries[path]
    assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
    assert response.content == (fixture_release / path).read_bytes()
    assert int(response.headers["content-length"]) == entry["bytes"]
    assert response.headers["content-type"].split(";")[0] == entry["media_type"]
    assert response.headers["etag"] == f'"{entry["sha256"]}"'
    assert response.headers["last-modified"]
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    "conditional",
    [
        lambda r: {"If-None-Match": r.headers["etag"]},
        lambda r: {"If-None-Match": f'"other", {r.headers["etag"]}'},
        lambda r: {"If-Modified-Since": r.headers["last-modified"]},
    ],
    ids=["if-none-match", "if-none-match-list", "if-modified-since"],
)
def test_conditional_get_of_an_unchanged_dump_is_304(client, conditional):
    first = client.get("/dumps/data.nq")
    again = client.get("/dumps/data.nq", headers=conditional(first))
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_conditional_get_with_another_etag_is_200(client):
    response = client.get("/dumps/data.nq", headers={"If-None-Match": '"not-the-file"'})
    assert response.status_code == 200


@pytest.mark.parametrize("byte_range", [(0, 9), (100, 299), (5, None)])
def test_range_request_of_a_dump_is_206(client, fixture_release, byte_range):
    start, end = byte_range
    data = (fixture_release / "data.nq").read_bytes()
    header = f"bytes={start}-{'' if end is None else end}"
    response = client.get("/dumps/data.nq", headers={"Range": header})
    assert response.status_code == 206
    stop = len(data) - 1 if end is None else end
    assert response.content == data[start:stop + 1]
    assert response.headers["content-range"] == f"bytes {start}-{stop}/{len(data)}"


def test_range_beyond_the_end_is_416(client, fixture_release):
    size = (fixture_release / "data.nq").stat().st_size
    assert client.get("/dumps/data.nq", headers={"Range": f"bytes={size + 10}-"}).status_code == 416


def test_manifest_itself_is_served(client, manifest):
    response = client.get("/dumps/manifest.json")
    assert response.status_code == 200 and response.json() == manifest


# ---------------------------------------------------------------------------
# VoID and DCAT
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def void(client) -> Graph:
    response = client.get("/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.content, format="turtle")


@pytest.mark.parametrize(
    ("path", "accept", "rdflib_format"),
    [
        ("/.well-known/void", "text/turtle", "turtle"),
        ("/void", "application/ld+json", "json-ld"),
        ("/void", "application/n-triples", "nt"),
        ("/void.rdf", "*/*", "xml"),
    ],
)
def test_void_in_every_format_and_at_the_well_known_address(client, void, path, accept, rdflib_format):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert isomorphic(Graph().parse(data=response.content, format=rdflib_format, publicID=str(response.url)), void)


def test_void_describes_the_dataset_with_statistics_endpoint_and_uri_space(client, void):
    dataset = URIRef(BASE + "void#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, VOID.sparqlEndpoint, URIRef(BASE + "sparql")) in void
    assert (dataset, VOID.uriSpace, Literal(BASE + "id/")) in void
    assert int(void.value(dataset, VOID.triples)) > 0
    assert set(void.objects(dataset, VOID.exampleResource)) >= {URIRef(AGREEMENT), URIRef(CNSA)}
    assert len(set(void.objects(dataset, VOID.subset))) == 4  # one per named graph


def test_void_example_resources_dereference(client, void):
    for example in void.objects(None, VOID.exampleResource):
        assert client.get(server_url(client, str(example)), headers={"Accept": "text/turtle"}).status_code == 200


def test_void_data_dumps_are_real_files(client, void, entries):
    dumps = list(void.objects(None, VOID.dataDump))
    assert dumps
    for dump in dumps:
        path = str(dump)[len(BASE + "dumps/"):]
        response = client.get(server_url(client, str(dump)))
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == entries[path]["sha256"]


def test_void_page_for_browsers_links_to_this_server(client):
    html = client.get("/void", headers={"Accept": BROWSER}).text
    assert f'href="{client.base_url}/dumps/data.nq"' in html


@pytest.mark.parametrize("path", ["/dcat", "/catalog", "/dcat.ttl"])
def test_dcat_catalogue_parses_and_its_downloads_match_their_checksums(client, entries, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    dcat = Graph().parse(data=response.content, format="turtle")
    assert (None, RDF.type, DCAT.Catalog) in dcat
    distributions = list(dcat.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) >= len(DUMP_FILES) - 1
    for distribution in distributions:
        url = dcat.value(distribution, DCAT.downloadURL)
        download = client.get(server_url(client, str(url)))
        assert download.status_code == 200, url
        checksum = dcat.value(distribution, URIRef(SPDX + "checksum"))
        assert str(dcat.value(checksum, URIRef(SPDX + "checksumValue"))) == hashlib.sha256(download.content).hexdigest()
        assert int(dcat.value(distribution, DCAT.byteSize)) == len(download.content)


# ---------------------------------------------------------------------------
# The query page without JavaScript
# ---------------------------------------------------------------------------


def test_query_page_lists_the_example_queries(client):
    html = client.get("/query", headers={"Accept": BROWSER}).text
    assert len(re.findall(r'<a class="example[^"]*" href="[^"]*\?example=', html)) == 3
    assert "Which actors are party to the 2020 CNSA–ESA agreement?" in html
    assert '<form id="query-form" method="post"' in html


def test_query_form_post_renders_a_table_with_labelled_links(client):
    query = ("PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n"
             f"SELECT ?party WHERE {{ GRAPH ?g {{ <{AGREEMENT}> sco:party ?party }} }} ORDER BY ?party")
    response = client.post("/query", data={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    table = re.search(r'<table class="results" id="results-table">(.*?)</table>', response.text, re.S).group(1)
    assert f'<a href="{client.base_url}/id/agency/cnsa" title="{CNSA}">China National Space Administration</a>' in table
    assert f'href="{client.base_url}/id/agency/esa"' in table
    assert table.count("<tr>") == 3  # header and two rows
    for name in ("json", "xml", "csv", "tsv"):
        assert f"format={name}" in response.text


def test_query_page_runs_an_example_by_name(client):
    response = client.get("/query", params={"example": "cq03-operator"}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert 'id="boolean-result">yes (true)<' in response.text


def test_query_page_shows_syntax_errors_with_the_form(client):
    response = client.post("/query", data={"query": "SELECT WHERE {"}, headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert 'id="query-error"' in response.text and "SELECT WHERE {" in response.text
