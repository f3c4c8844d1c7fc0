"""The competency questions: each query, run on the built release, gives exactly its expected answer."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

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
