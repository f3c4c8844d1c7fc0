"""spacecoop.build.reason.rules: OWL 2 RL with the store's SPARQL engine gives what reasoning.reason() (owlrl) gives.

Every test runs both engines on the same input and compares: the inferred triples
(as sets: the store is built from the rdflib graph, so blank nodes keep their
labels) and the consistency errors, message for message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import RDF
from support.graphs import isomorphic

from spacecoop.build.reason.reference import Reasoned, reason
from spacecoop.build.reason.rules import materialize
from spacecoop.build.reason.scratch import to_oxigraph
from spacecoop.build.reason.vocabulary import UnsupportedVocabulary, Vocabulary

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reasoning"
PREFIXES = """
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix id: <https://w3id.org/spacecoop/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""


def store_of(graph: Graph) -> ox.Store:
    """A store whose default graph is `graph` (blank nodes keep their rdflib labels)."""
    store = ox.Store()
    store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph()) for s, p, o in graph)
    return store


def turtle(text: str) -> Graph:
    """Turtle with the prefixes above; `id:agency/a` stands for <https://w3id.org/spacecoop/id/agency/a>."""
    text = re.sub(r"\bid:([a-z-]+)/([a-z0-9-]+)", r"<https://w3id.org/spacecoop/id/\1/\2>", text)
    return Graph().parse(data=PREFIXES + text, format="turtle")


def both(ontology: Graph, data: Graph, expected: Reasoned | None = None) -> tuple[Reasoned, Reasoned]:
    """owlrl's answer (unless given) and the store's, for the same ontology and data."""
    expected = reason(ontology, data) if expected is None else expected
    store = store_of(data)
    before = set(store)
    found = materialize(store, ontology).reasoned()
    assert set(store) == before, "the default graph changed"
    assert list(store.named_graphs()) == [], "scratch graphs left behind"
    return expected, found


def assert_same(ontology: Graph, data: Graph, expected: Reasoned | None = None) -> Reasoned:
    expected, found = both(ontology, data, expected)
    assert found.errors == expected.errors
    missing = set(expected.inferred) - set(found.inferred)
    extra = set(found.inferred) - set(expected.inferred)
    assert not missing and not extra, f"missing {sorted(missing)[:10]}\nextra {sorted(extra)[:10]}"
    return found


# ---------------------------------------------------------------------------
# The real data and the reasoning fixtures
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_real_data_gives_owlrls_inferences_and_errors(ontology: Graph, asserted: Graph, owlrl_reasoned) -> None:
    expected, found = both(ontology, asserted, owlrl_reasoned)
    assert found.errors == expected.errors == []
    assert isomorphic(found.inferred, expected.inferred)
    assert set(found.inferred) == set(expected.inferred)
    assert len(found.inferred) == len(expected.inferred) > 500


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.ttl")), ids=lambda p: p.stem)
def test_fixture_gives_owlrls_verdict_errors_and_inferences(ontology: Graph, fixture: Path) -> None:
    found = assert_same(ontology, Graph().parse(fixture))
    assert bool(found.errors) == (fixture.stem != "consistent")


@pytest.mark.slow
def test_store_loaded_from_files_gives_the_same_triples(ontology: Graph, owlrl_reasoned, repo) -> None:
    """The build's store is loaded by pyoxigraph itself (its own blank nodes): same result up to them."""
    store = ox.Store()
    for path in [*sorted(repo.instances_dir.glob("*.ttl")), repo.sources_ttl, *sorted(repo.curation_dir.glob("*.ttl"))]:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    found = materialize(store, ontology).reasoned()
    assert isomorphic(found.inferred, owlrl_reasoned.inferred)


# ---------------------------------------------------------------------------
# Each rule and check, against owlrl on small crafted data
# ---------------------------------------------------------------------------

CASES = {
    "functional datatype property with two values (literal owl:sameAs, eq-rep-o)": """
        id:agreement/a a sco:Agreement ; sco:signingDate "2020"^^xsd:gYear , "2021"^^xsd:gYear .
        id:agreement/b a sco:Agreement ; sco:signingDate "2020"^^xsd:gYear .
    """,
    "functional object property: instances made the same (eq-rep-s/o, eq-trans)": """
        id:role-assignment/r a sco:RoleAssignment ; sco:holder id:person/a , id:person/b , id:person/c .
        id:person/a sco:nationality id:country/x .
        id:mission/m sco:crewMember id:person/b .
    """,
    "inverse and range with a literal where a resource belongs": """
        id:agreement/a a sco:Agreement ; sco:party "ESA" .
        id:payload-project/p sco:hostedOn "station" .
    """,
    "a literal typed by disjoint classes": """
        id:agreement/a sco:party "x" .
        id:role-assignment/r sco:holder "x" ; sco:role "x" .
    """,
    "ill-typed literals and datatype disjointness": """
        id:count/c a sco:QuantifiedStatement ; sco:count "ten"^^xsd:integer , "1.5"^^xsd:decimal .
        id:payload-project/p sco:batchNumber "true"^^xsd:boolean ; sco:offersInternationalPayloadCapacity "1"^^xsd:integer .
        id:source/s sco:bodyStart "x"^^xsd:nonNegativeInteger ; sco:fileName "a.txt" ; sco:bodyEnd "2024-01-01"^^xsd:date .
    """,  # noqa: E501 (Turtle data kept as written)
    "transitive property over a chain": """
        id:programme/a sco:partOf id:programme/b . id:programme/b sco:partOf id:programme/c .
        id:programme/c sco:partOf id:programme/d . id:programme/d sco:partOf id:programme/a .
    """,
    "asymmetric and irreflexive": """
        id:count/a sco:hasComponent id:count/b . id:count/b sco:hasComponent id:count/a .
        id:count/c sco:hasComponent id:count/c .
    """,
    "owl:sameAs and owl:differentFrom in the data": """
        id:agency/a a sco:Agency ; owl:sameAs id:agency/b . id:agency/b owl:differentFrom id:agency/a .
        id:agency/b sco:memberOf id:organization/o .
    """,
    "owl:Nothing": """
        id:agency/a a owl:Nothing .
    """,
    "a vocabulary individual given a disjoint type": """
        id:count/c sco:countOf sco:over .
        id:agreement/a sco:agreementType sco:over .
    """,
    "schema stated by the data joins the vocabulary": """
        id:kind/k a owl:Class ; rdfs:subClassOf sco:Agency .
        id:agency/a a id:kind/k .
    """,
    "a resource typed with a datatype": """
        id:agency/a a xsd:short .
    """,
    "blank nodes": """
        [] a sco:Agreement ; sco:party [ a sco:Person ] , [ a sco:Agency ] .
        id:mission/m sco:crewMember [ a sco:Agency ] .
    """,
    "union domains and ranges": """
        id:mission/m sco:spacecraft id:spacecraft/s ; sco:destination id:place/moon .
        id:sample/s sco:returnedBy id:mission/m .
    """,
}


_OWLRL: dict[str, tuple[Graph, Reasoned]] = {}  # each crafted case's data and owlrl's answer, computed once


def owlrl_case(ontology: Graph, name: str) -> tuple[Graph, Reasoned]:
    """The case's data (parsed once: its blank nodes keep their labels) and owlrl's answer for it."""
    if name not in _OWLRL:
        data = turtle(CASES[name])
        _OWLRL[name] = data, reason(ontology, data)
    return _OWLRL[name]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.slow
def test_crafted_data_gives_owlrls_answer(ontology: Graph, name: str) -> None:
    assert_same(ontology, *owlrl_case(ontology, name))


@pytest.mark.slow
def test_crafted_cases_cover_the_errors_of_every_check(ontology: Graph) -> None:
    """The cases above are not trivially consistent: together they raise every kind of error."""
    errors = set()
    for name in CASES:
        errors |= set(owlrl_case(ontology, name)[1].errors)
    for fragment in ("Disjoint classes", "Lexical value", "asymmetric", "Irreflexive", "would be the same individual",
                     "'sameAs' and 'differentFrom'", "owl:Nothing"):
        assert any(fragment in e for e in errors), fragment


EXTRA_AXIOMS = {
    "symmetric property": "sco:partnerOf a owl:ObjectProperty , owl:SymmetricProperty ; rdfs:domain sco:Actor .",
    "inverse-functional property": "sco:callSign a owl:ObjectProperty , owl:InverseFunctionalProperty .",
    "equivalent classes and properties": """
        sco:SpaceAgency a owl:Class ; owl:equivalentClass sco:Agency .
        sco:signatory a owl:ObjectProperty ; owl:equivalentProperty sco:party .""",
    "owl:disjointWith": "sco:Alliance owl:disjointWith sco:TrainingCentre .",
}
EXTRA_DATA = """
    id:agency/a sco:partnerOf id:agency/b ; sco:callSign id:kind/x .
    id:agency/c sco:callSign id:kind/x .
    id:organization/s a sco:SpaceAgency . id:agreement/g sco:signatory id:country/y .
    id:organization/t a sco:Alliance , sco:TrainingCentre .
"""


@pytest.mark.parametrize("name", list(EXTRA_AXIOMS))
@pytest.mark.slow
def test_constructs_the_vocabulary_does_not_use_yet(ontology: Graph, name: str) -> None:
    extended = Graph()
    extended += ontology
    extended += turtle(EXTRA_AXIOMS[name])
    assert_same(extended, turtle(EXTRA_DATA))


# ---------------------------------------------------------------------------
# Whatever is not implemented is refused
# ---------------------------------------------------------------------------


def test_the_vocabulary_uses_only_implemented_constructs(ontology: Graph) -> None:
    Vocabulary.of(ontology)


UNSUPPORTED = {
    "owl:propertyChainAxiom": "sco:coParty owl:propertyChainAxiom ( sco:partyTo sco:party ) .",
    "owl:hasKey": "sco:Agency owl:hasKey ( sco:country ) .",
    "owl:someValuesFrom": "sco:Crew owl:equivalentClass "
                          "[ a owl:Restriction ; owl:onProperty sco:crewMember ; owl:someValuesFrom sco:Person ] .",
    "owl:intersectionOf": "sco:X owl:intersectionOf ( sco:Agency sco:Country ) .",
    "owl:ReflexiveProperty": "sco:partOf a owl:ReflexiveProperty .",
    "owl:AllDifferent": "[] a owl:AllDifferent ; owl:members ( sco:over sco:almost ) .",
    "owl:propertyDisjointWith": "sco:party owl:propertyDisjointWith sco:plannedBy .",
}


@pytest.mark.parametrize("construct", list(UNSUPPORTED))
@pytest.mark.slow
def test_an_unimplemented_construct_is_refused(ontology: Graph, construct: str) -> None:
    extended = Graph()
    extended += ontology
    extended += turtle(UNSUPPORTED[construct])
    with pytest.raises(UnsupportedVocabulary) as refused:
        materialize(store_of(turtle("id:agency/a a sco:Agency .")), extended)
    assert construct in str(refused.value)


def test_schema_triples_in_the_data_are_checked_too(ontology: Graph) -> None:
    data = turtle("sco:Agency owl:hasKey ( sco:country ) . id:agency/a a sco:Agency .")
    store = store_of(data)
    with pytest.raises(UnsupportedVocabulary, match="owl:hasKey"):
        materialize(store, ontology)
    assert list(store.named_graphs()) == []


def test_same_as_between_vocabulary_terms_is_refused(ontology: Graph) -> None:
    with pytest.raises(UnsupportedVocabulary, match="owl:sameAs of the vocabulary term"):
        materialize(store_of(turtle("sco:Agency owl:sameAs id:kind/agency .")), ontology)


def test_the_store_keeps_no_derived_integer_datatype() -> None:
    """A documented difference: pyoxigraph 0.5 stores "5"^^xsd:positiveInteger (or xsd:short, ...)
    as "5"^^xsd:integer, so an out-of-range value such as "-1"^^xsd:nonNegativeInteger, which
    owlrl reports as ill-typed, reaches the rules as a valid xsd:integer. If this test fails,
    pyoxigraph keeps the datatypes now and the difference is gone."""
    store = ox.Store()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for lexical, datatype in (("5", "positiveInteger"), ("-1", "nonNegativeInteger"), ("300", "byte")):
        store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode(f"urn:{datatype}"),
                          ox.Literal(lexical, datatype=ox.NamedNode(xsd + datatype))))
    assert {q.object.datatype.value for q in store} == {xsd + "integer"}


def test_scratch_graphs_of_the_store_are_the_modules_own(ontology: Graph) -> None:
    """Other named graphs (a build's document graphs) are left alone; scratch graphs go."""
    store = store_of(turtle("id:agency/a a sco:Agency ."))
    other = ox.NamedNode("https://w3id.org/spacecoop/graph/000")
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/spacecoop/id/agency/a"), ox.NamedNode(str(RDF.type)),
                      ox.NamedNode("https://w3id.org/spacecoop/ontology#Agency"), other))
    materialize(store, ontology)
    assert list(store.named_graphs()) == [other]
