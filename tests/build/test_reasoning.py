"""OWL 2 RL reasoning: what is inferred, what is not, and which inconsistencies stop the build."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import FOAF, OWL, PROV, RDF, RDFS

from spacecoop.build.reason.reference import check_consistency, reason
from spacecoop.errors import InconsistencyProblem

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reasoning"
SCO = Namespace("https://w3id.org/spacecoop/ontology#")
ID = Namespace("https://w3id.org/spacecoop/id/")
ORG = Namespace("http://www.w3.org/ns/org#")


def fixture(name: str) -> Graph:
    return Graph().parse(FIXTURES / name)


@pytest.fixture(scope="module")
def consistent(ontology: Graph):
    return reason(ontology, fixture("consistent.ttl"))


def test_inverse_property_is_inferred(consistent) -> None:
    assert (ID["agency/x"], SCO.partyTo, ID["agreement/a"]) in consistent.inferred


def test_superclasses_and_alignments_are_inferred(consistent) -> None:
    inferred = consistent.inferred
    assert (ID["agency/x"], RDF.type, SCO.Organization) in inferred
    assert (ID["agency/x"], RDF.type, ORG.FormalOrganization) in inferred
    assert (ID["agency/x"], RDF.type, PROV.Organization) in inferred
    assert (ID["country/y"], RDF.type, SCO.Actor) in inferred


def test_range_and_subproperty_are_inferred(consistent) -> None:
    inferred = consistent.inferred
    assert (ID["person/p"], RDF.type, SCO.Person) in inferred
    assert (ID["person/p"], RDF.type, FOAF.Person) in inferred
    assert (ID["mission/m"], SCO.crewMember, ID["person/p"]) in inferred
    assert (ID["mission/m"], PROV.wasAssociatedWith, ID["person/p"]) in inferred


def test_noise_is_not_published(consistent) -> None:
    for s, p, o in consistent.inferred:
        assert not isinstance(s, Literal), "literal subject"
        assert not (p == OWL.sameAs and s == o), "owl:sameAs x x"
        assert not (p == RDF.type and o in (RDFS.Resource, OWL.Thing)), "trivial typing"
        assert not str(s).startswith(str(SCO)), "vocabulary-level inference"


def test_asserted_triples_are_not_repeated_in_the_inferred_graph(consistent) -> None:
    asserted = fixture("consistent.ttl")
    assert not any(t in asserted for t in consistent.inferred)


def test_consistent_data_passes(consistent) -> None:
    assert consistent.errors == []
    check_consistency(consistent)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("disjoint.ttl", "Disjoint classes"),
        ("asymmetric.ttl", "asymmetric"),
        ("irreflexive.ttl", "Irreflexive"),
        ("range-clash.ttl", "Disjoint classes"),
        ("functional.ttl", "would be the same individual"),
    ],
)
def test_inconsistency_is_detected(ontology: Graph, name: str, expected: str) -> None:
    result = reason(ontology, fixture(name))
    assert any(expected in e for e in result.errors), result.errors
    with pytest.raises(InconsistencyProblem):
        check_consistency(result)


@pytest.mark.slow
def test_reduced_input_gives_the_same_inferences_as_a_full_closure(ontology: Graph, asserted: Graph,
                                                                   owlrl_reasoned) -> None:
    fast, full = owlrl_reasoned, reason(ontology, asserted, full=True)
    assert fast.errors == full.errors

    def ground(g: Graph) -> set:
        return {t for t in g if not any(isinstance(x, BNode) for x in t)}

    assert ground(fast.inferred) == ground(full.inferred)
    assert len(fast.inferred) == len(full.inferred)


def test_real_data_is_consistent(owlrl_reasoned) -> None:
    assert owlrl_reasoned.errors == []


