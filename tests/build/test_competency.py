"""The competency questions: each query, run on the built release, gives exactly its expected answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from spacecoop.build.competency import answer_with_pyoxigraph, read_expected, read_questions
from spacecoop.iris import ONTOLOGY_GRAPH
from spacecoop.paths import Release
from spacecoop.rdf.database import merge_into_default_graph

COMPETENCY = Path(__file__).parents[1] / "competency"
QUESTIONS = read_questions(COMPETENCY)


@pytest.fixture(scope="module")
def store(release: Release) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(release.data_nq), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=str(release.ontology_ttl), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)))
    merge_into_default_graph(store)  # the default graph is the merge, as on the endpoint
    return store


def test_there_are_at_least_fifty_questions() -> None:
    assert len(QUESTIONS) >= 50


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_question_has_its_expected_answer(store: ox.Store, question) -> None:
    assert answer_with_pyoxigraph(store, question) == read_expected(question)


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_question_names_the_documents_it_draws_on(question) -> None:
    assert question.documents, f"{question.path}: add a '# documents: ...' line"


def test_every_document_is_covered() -> None:
    sources = {p.stem for p in (COMPETENCY.parent.parent / "sources").glob("*.txt")}
    covered = {d for q in QUESTIONS for d in q.documents}
    assert sources <= covered


def test_some_questions_need_two_documents() -> None:
    assert sum(1 for q in QUESTIONS if len(q.documents) >= 2) >= 3


# Functions that find an answer by its wording. A question answered through one of them over a label
# or a quote is a fact kept only as text; over the name of a graph (`STR(?g)`) they only pick documents.
TEXT_MATCHES = frozenset({"Builtin_CONTAINS", "Builtin_REGEX", "Builtin_STRSTARTS", "Builtin_STRENDS",
                          "Builtin_STRBEFORE", "Builtin_STRAFTER"})


def _nodes(node: object) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _nodes(value)


def text_searches(query: str) -> list[str]:
    """The text matches of `query` that read something other than a graph's name."""
    nodes = list(_nodes(prepareQuery(query).algebra))
    graphs = {node["term"] for node in nodes if node.name == "Graph" and isinstance(node.get("term"), Variable)}
    found = []
    for node in nodes:
        if node.name not in TEXT_MATCHES:
            continue
        subject = node.get("arg1", node.get("text"))
        over_a_graph_name = (isinstance(subject, CompValue) and subject.name == "Builtin_STR"
                             and subject.get("arg") in graphs)
        if not over_a_graph_name:
            found.append(node.name.removeprefix("Builtin_"))
    return found


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_no_answer_is_found_by_searching_text(question) -> None:
    """Every answer is data a query selects: no CONTAINS/REGEX/STRSTARTS… over labels or quotes."""
    assert not text_searches(question.path.read_text(encoding="utf-8")), (
        f"{question.path.name} finds its answer by matching text; model the fact so a pattern selects it")


def test_a_text_search_over_a_label_is_caught_and_a_graph_filter_is_not() -> None:
    label = ("SELECT ?a WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?l "
             "FILTER(CONTAINS(LCASE(?l), \"esa\")) }")
    quote = "SELECT ?a WHERE { ?a <http://www.w3.org/ns/oa#exact> ?q FILTER(REGEX(STR(?q), \"laboratory\")) }"
    graph = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"https://w3id.org/x/\")) }"
    assert text_searches(label) == ["CONTAINS"]
    assert text_searches(quote) == ["REGEX"]
    assert text_searches(graph) == []
