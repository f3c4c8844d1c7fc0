"""Evidence annotations: a quote must be verbatim, at its offsets, inside the body, and unambiguous."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV

from spacecoop.build.evidence import Annotation, SourceText, annotation_problems, normalise, read_sources

TEXT = "Header\nThe agency said hello. The agency said goodbye.\u00a0Footer"
SOURCE = SourceText("s", "https://w3id.org/spacecoop/id/source/s", TEXT, 7, 54)
BODY = "https://w3id.org/spacecoop/id/agency/a"


@pytest.fixture
def graph() -> Graph:
    g = Graph()
    g.add((URIRef(BODY), PROV.wasDerivedFrom, URIRef(SOURCE.iri)))
    return g


def annotation(exact: str, start: int, end: int, prefix: str | None = None, suffix: str | None = None) -> Annotation:
    return Annotation("e", (BODY,), SOURCE.iri, exact, prefix, suffix, start, end)


def at(quote: str, nth: int = 0) -> tuple[int, int]:
    return SOURCE.find(quote)[nth]


def test_verbatim_quote_at_its_offsets_passes(graph: Graph) -> None:
    assert annotation_problems(annotation("said hello", *at("said hello")), SOURCE, graph) == []


def test_whitespace_differences_are_ignored(graph: Graph) -> None:
    start, end = at("hello. The agency")
    assert annotation_problems(annotation("hello.   The\nagency", start, end), SOURCE, graph) == []


def test_wrong_offsets_are_reported_with_the_right_ones(graph: Graph) -> None:
    start, end = at("said hello")
    problems = annotation_problems(annotation("said hello", start + 1, end + 1), SOURCE, graph)
    assert problems and f"occurs at {start}-{end}" in problems[0]


def test_quote_outside_the_body_is_reported(graph: Graph) -> None:
    assert "outside the article body" in annotation_problems(annotation("Header", 0, 6), SOURCE, graph)[0]


def test_invented_quote_is_reported(graph: Graph) -> None:
    start, end = at("said hello")
    assert "not in the article body" in annotation_problems(annotation("said nothing", start, end), SOURCE, graph)[0]


def test_ambiguous_quote_needs_a_prefix_or_suffix(graph: Graph) -> None:
    start, end = at("The agency said", 1)
    problems = annotation_problems(annotation("The agency said", start, end), SOURCE, graph)
    assert any("more than once" in p for p in problems)
    assert annotation_problems(annotation("The agency said", start, end, prefix="hello. "), SOURCE, graph) == []


def test_wrong_prefix_is_reported(graph: Graph) -> None:
    start, end = at("The agency said", 1)
    problems = annotation_problems(annotation("The agency said", start, end, prefix="goodbye. "), SOURCE, graph)
    assert any("does not precede" in p for p in problems)


def test_supported_instance_must_be_derived_from_the_source() -> None:
    problems = annotation_problems(annotation("said hello", *at("said hello")), SOURCE, Graph())
    assert any("not prov:wasDerivedFrom" in p for p in problems)


def test_normalise_collapses_unicode_spaces() -> None:
    assert normalise(" a\u00a0\u2002b\n\nc ") == "a b c"


def test_sources_match_their_files(loaded, repo) -> None:
    sources = read_sources(loaded.sources, repo.sources_dir)
    assert len(sources) == 5
    for source in sources.values():
        assert source.body.strip() and source.body_start > 0
