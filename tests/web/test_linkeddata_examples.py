"""The example queries through /sparql, and the Linked Data views end to end on the real release.

On the fixture release the example queries are listed with plain SPARQL and
each gives its expected answer. On the release built from this repository
(`release_dir`, built once per session) every competency question is listed,
answers as its `.expected` file says, and the pages of the example resources,
the sources and the classes all answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import RDF, VOID
from support.pages import (  # noqa: F401  (fixtures)
    BASE,
    EXAMPLES,
    client,
    fixture_release,
    fixture_server,
    shared_server,
    start_server,
)

from spacecoop.build.competency import read_expected, read_questions, render_select

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COMPETENCY = Path(__file__).parents[1] / "competency"
QUESTIONS = read_questions(COMPETENCY)

LIST_EXAMPLES = """PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?example ?name ?comment ?query WHERE {
  GRAPH <https://w3id.org/spacecoop/graph/examples> {
    ?example a sh:SPARQLExecutable ; rdfs:label ?name ; rdfs:comment ?comment .
    { ?example sh:select ?query } UNION { ?example sh:ask ?query }
      UNION { ?example sh:construct ?query } UNION { ?example sh:describe ?query }
  }
} ORDER BY ?name"""


def sparql(http: httpx.Client, query: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """A plain SPARQL-protocol form post; the answer parsed from SPARQL JSON."""
    response = http.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)


def listed_examples(http: httpx.Client) -> dict[str, str]:
    return {s["name"].value: s["query"].value for s in sparql(http, LIST_EXAMPLES)}


def answer_lines(result: ox.QuerySolutions | ox.QueryBoolean) -> list[str]:
    if isinstance(result, ox.QueryBoolean):
        return ["true" if bool(result) else "false"]
    variables = [v.value for v in result.variables]
    return render_select(variables, [[s[v] for v in variables] for s in result])


# ---------------------------------------------------------------------------
# The fixture release
# ---------------------------------------------------------------------------


def test_example_queries_are_listed_through_sparql(client):
    rows = list(sparql(client, LIST_EXAMPLES))
    assert {s["name"].value for s in rows} == set(EXAMPLES)
    for solution in rows:
        question, query, _ = EXAMPLES[solution["name"].value]
        assert solution["comment"].value == question
        assert solution["query"].value == query


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_query_gives_its_expected_answer(client, name):
    query = listed_examples(client)[name]
    expected = EXAMPLES[name][2]
    result = sparql(client, query)
    if isinstance(expected, bool):
        assert isinstance(result, ox.QueryBoolean) and bool(result) is expected
    else:
        variables = [v.value for v in result.variables]
        assert {tuple(s[v].value for v in variables) for s in result} == expected


def test_example_queries_are_resources_too(client):
    iri = next(iter(listed_examples(client)))
    response = client.get(f"/id/query/{iri}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    assert (None, RDF.type, None) in graph


# ---------------------------------------------------------------------------
# The release built from this repository
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(release_dir: Path):
    """A server process on the repository's release (built once per session by conftest)."""
    server = shared_server("real", lambda: start_server(release_dir, release_dir.parent / "server.log"))
    with server.client() as http:
        yield http


@pytest.fixture(scope="module")
def real_examples(real) -> dict[str, str]:
    return listed_examples(real)


def test_every_competency_question_is_listed_as_an_example(real_examples):
    assert set(real_examples) == {q.name for q in QUESTIONS}


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_competency_question_answers_through_sparql(real, real_examples, question):
    assert answer_lines(sparql(real, real_examples[question.name])) == read_expected(question)


def test_real_home_page_and_class_listings(real):
    data = real.get("/", params={"format": "json"}).json()
    assert len(data["sources"]) == 5
    assert data["classes"] and all(c["count"] > 0 for c in data["classes"])
    for cls in data["classes"]:
        response = real.get(cls["url"], params={"format": "json"})
        assert response.status_code == 200, cls["url"]
        assert response.json()["total"] >= cls["count"]


def test_real_example_resources_answer_in_html_and_rdf(real):
    void = Graph().parse(data=real.get("/void", headers={"Accept": "text/turtle"}).content, format="turtle")
    examples = sorted(void.objects(None, VOID.exampleResource))
    assert examples
    for example in examples:
        path = str(example)[len(BASE) - 1:]
        html = real.get(path, headers={"Accept": BROWSER})
        assert html.status_code == 200 and 'id="evidence"' in html.text
        turtle = real.get(path, headers={"Accept": "text/turtle"})
        assert (example, None, None) in Graph().parse(data=turtle.content, format="turtle")


@pytest.mark.parametrize("source", sorted(p.stem for p in (COMPETENCY.parent.parent / "sources").glob("*.txt")))
def test_real_source_pages_mark_every_quote(real, source):
    response = real.get(f"/source/{source}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert "quote not found in the text" not in response.text
    quotes = re.findall(r'<li value="\d+" id="quote-\d+">', response.text)
    anchors = re.findall(r'<span class="anchor" id="ev-[^"]+"></span>', response.text)
    assert quotes and len(anchors) == len(quotes)
