"""End to end: the real release, built by `spacecoop build`, served by `spacecoop serve`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from support.server import start_server

from spacecoop.build.competency import read_expected, read_questions, render_select

COMPETENCY = Path(__file__).parents[1] / "competency"
QUESTIONS = read_questions(COMPETENCY)


@pytest.fixture(scope="module")
def release_server(release_dir: Path):
    server = start_server(release_dir, release_dir.parent / "server.log", "--build", "never")
    yield server
    server.stop()


def answer_over_http(client: httpx.Client, query: str) -> list[str]:
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    result = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return ["true" if bool(result) else "false"]
    variables = [v.value for v in result.variables]
    return render_select(variables, [[solution[v] for v in variables] for solution in result])


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_the_server_answers_each_competency_question(release_server, question):
    with release_server.client() as client:
        assert answer_over_http(client, question.query) == read_expected(question)


def test_the_home_page_counts_distinct_triples_and_statements_apart(release_server):
    """A triple two documents state is one triple of the default graph and two statements."""
    with release_server.client() as client:
        home = client.get("/", headers={"Accept": "application/json"}).json()
        [triples] = answer_over_http(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1:]
        [quads] = answer_over_http(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[1:]
        page = client.get("/", headers={"Accept": "text/html"}).text
    assert f'"{home["triples"]}"' in triples and f'"{home["statements"]}"' in quads
    assert home["triples"] < home["statements"]
    assert f"{home['triples']} distinct triples, stated {home['statements']} times" in page


def test_the_service_description_lists_every_document_graph(release_server, release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    description = httpx.get(release_server.url + "/sparql", headers={"Accept": "application/n-triples"}).text
    for graph in manifest["graphs"]:
        assert f"<{graph}>" in description


@pytest.mark.slow
def test_serve_builds_a_missing_release_then_rebuilds_it_when_an_input_changes(repo_copy):
    dist = repo_copy.root / "dist"
    server = start_server(dist, repo_copy.root / "first.log", cwd=repo_copy.root)
    try:
        manifest = json.loads((dist / "manifest.json").read_text())
        assert httpx.get(server.url + "/health").json()["release"] == manifest["release"]
    finally:
        assert server.stop() == 0

    instance = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    instance.write_text(instance.read_text(encoding="utf-8") + "\n# a new comment\n", encoding="utf-8")
    server = start_server(dist, repo_copy.root / "second.log", cwd=repo_copy.root)
    try:
        rebuilt = json.loads((dist / "manifest.json").read_text())
        assert rebuilt["inputs"] != manifest["inputs"], "the release was rebuilt from the changed inputs"
        assert httpx.get(server.url + "/health").json()["release"] == rebuilt["release"]
    finally:
        assert server.stop() == 0
    # The build loads the embedded store with the release; the server opened that one.
    marker = json.loads((dist / "store" / "spacecoop-store.json").read_text())
    assert marker["release"] == rebuilt["release"]


def _ask(client: httpx.Client, query: str) -> bool:
    return client.get("/sparql", params={"query": query},
                      headers={"Accept": "application/sparql-results+json"}).json()["boolean"]


def _count(client: httpx.Client, query: str) -> int:
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}).json()
    return int(rows["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_merge_of_the_graphs_each_triple_once(release_server) -> None:
    # The documents share statements (China, Tiangong, ...): a bag union would count them twice.
    client = release_server.client()
    assert _ask(client, "ASK { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER(?a != ?b) }")
    merged = _count(client,
                    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    assert _count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == merged
