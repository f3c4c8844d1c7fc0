"""DESCRIBE at /sparql gives the one description of a resource that /id/... serves; --base-iri maps IRIs."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph
from support.graphs import isomorphic
from support.pages import client, fixture_release, fixture_server, start_server  # noqa: F401  (session fixtures)

from spacecoop.store.describe_targets import describe_parts

AGENCY = "https://w3id.org/spacecoop/id/agency/cnsa"


def turtle(response: httpx.Response) -> Graph:
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="turtle")


def test_describe_of_constant_iris_selects_them() -> None:
    parts = describe_parts(f"DESCRIBE <{AGENCY}>")
    assert parts is not None and parts.selection is not None
    assert f"<{AGENCY}>" in parts.selection and "DESCRIBE" not in parts.selection


def test_describe_with_variables_becomes_a_select_over_the_same_where_clause() -> None:
    query = ("PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n# DESCRIBE in a comment\n"
             "DESCRIBE ?a WHERE { ?a a sco:Agency } LIMIT 2")
    parts = describe_parts(query)
    assert parts is not None and parts.selection is not None
    assert ("SELECT DISTINCT ?a" in parts.selection and "LIMIT 2" in parts.selection
            and "DESCRIBE ?a" not in parts.selection)


def test_describe_that_does_not_parse_is_a_400(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "DESCRIBE ?a WHERE { ?a nope:x ?b }"},
                          headers={"Accept": "text/turtle"})
    assert response.status_code == 400


@pytest.fixture(scope="module")
def agency_iri(client: httpx.Client) -> str:
    rows = client.get("/sparql",
                      params={"query": "SELECT ?a WHERE { ?a a <https://w3id.org/spacecoop/ontology#Agency> } LIMIT 1"},
                      headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    return rows[0]["a"]["value"]


def test_describe_of_an_iri_equals_the_resource_representation(client: httpx.Client, agency_iri: str) -> None:
    described = turtle(client.get("/sparql", params={"query": f"DESCRIBE <{agency_iri}>"},
                                  headers={"Accept": "text/turtle"}))
    path = agency_iri.removeprefix("https://w3id.org/spacecoop")
    page = turtle(client.get(path, headers={"Accept": "text/turtle"}))
    assert len(described) > 0
    assert isomorphic(described, page)


def test_describe_with_a_where_clause_describes_each_match(client: httpx.Client, agency_iri: str) -> None:
    query = f"DESCRIBE ?x WHERE {{ VALUES ?x {{ <{agency_iri}> }} }}"
    described = turtle(client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"}))
    direct = turtle(client.get("/sparql", params={"query": f"DESCRIBE <{agency_iri}>"},
                               headers={"Accept": "text/turtle"}))
    assert isomorphic(described, direct)


@pytest.mark.slow
def test_base_iri_setting_maps_another_canonical_base(fixture_release, tmp_path) -> None:  # noqa: F811 (fixture)
    server = start_server(fixture_release, tmp_path / "server.log",
                          extra_args=("--base-iri", "https://example.org/other/"))
    try:
        with server.client() as http:
            # The data's IRIs are not under the configured base, so /id/... finds nothing there.
            response = http.get("/id/agency/cnsa", headers={"Accept": "text/turtle"})
            assert response.status_code == 404
    finally:
        server.stop()

