"""The ontology quality report: the real vocabulary passes, and each check catches its pitfall."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from spacecoop.build.quality import quality_report
from spacecoop.iris import ONTOLOGY_IRI, SCO

PROV_NS = "http://www.w3.org/ns/prov#"


def test_the_vocabulary_passes(ontology: Graph, loaded) -> None:
    report = quality_report(ontology, [loaded.shapes, *loaded.graphs().values()])
    assert report.errors == []


def broken(ontology: Graph, *add: tuple, remove: tuple | None = None) -> list[str]:
    g = Graph()
    g += ontology
    if remove:
        g.remove(remove)
    for triple in add:
        g.add(triple)
    return quality_report(g).errors


@pytest.mark.parametrize(
    ("prop", "expected"),
    [(OWL.versionIRI, "owl:versionIRI"), (DCTERMS.license, "dcterms:license"), (DCTERMS.creator, "dcterms:creator")],
)
def test_missing_header_metadata_is_an_error(ontology: Graph, prop, expected: str) -> None:
    errors = broken(ontology, remove=(URIRef(ONTOLOGY_IRI), prop, None))
    assert any(expected in e for e in errors)


def test_missing_chinese_label_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, remove=(SCO.Agreement, RDFS.label, Literal("协议", lang="zh")))
    assert any("Agreement has 0 rdfs:label@zh" in e for e in errors)


def test_two_english_labels_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, (SCO.Agreement, RDFS.label, Literal("accord", lang="en")))
    assert any("Agreement has 2 rdfs:label@en" in e for e in errors)


def test_same_label_on_two_terms_is_an_error(ontology: Graph) -> None:
    errors = broken(
        ontology,
        (SCO.Mission, RDFS.label, Literal("agreement", lang="en")),
        remove=(SCO.Mission, RDFS.label, Literal("mission", lang="en")),
    )
    assert any("share the label 'agreement'" in e for e in errors)


def test_definition_without_period_is_an_error(ontology: Graph) -> None:
    old = ontology.value(SCO.Agreement, SKOS.definition)
    errors = broken(ontology, (SCO.Agreement, SKOS.definition, Literal(str(old).rstrip("."), lang="en")),
                    remove=(SCO.Agreement, SKOS.definition, old))
    assert any("does not end with a period" in e for e in errors)


def test_missing_range_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, remove=(SCO.party, RDFS.range, None))
    assert any("party has no rdfs:range" in e for e in errors)


def test_two_domains_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, (SCO.party, RDFS.domain, SCO.Mission))
    assert any("party has 2 rdfs:domain" in e for e in errors)


def test_inverse_with_unswapped_domain_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, (SCO.partyTo, RDFS.range, SCO.Mission), remove=(SCO.partyTo, RDFS.range, SCO.Agreement))
    assert any("is not the" in e and "partyTo" in e for e in errors)


def test_property_inverse_of_itself_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, (SCO.hosts, OWL.inverseOf, SCO.hosts))
    assert any("inverse of itself" in e for e in errors)


def test_class_cycle_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, (SCO.Organization, RDFS.subClassOf, SCO.Agency))
    assert any("subclass of itself" in e for e in errors)


def test_undeclared_term_is_an_error(ontology: Graph) -> None:
    data = Graph()
    data.add((URIRef("https://w3id.org/spacecoop/id/agency/x"), SCO.partner, BNode()))
    assert any("partner is used but not declared" in e for e in quality_report(ontology, [data]).errors)


def test_term_that_does_not_exist_in_its_namespace_is_an_error(ontology: Graph) -> None:
    errors = broken(ontology, (SCO.Agreement, RDFS.subClassOf, URIRef(PROV_NS + "Agreemnt")))
    assert any("prov#Agreemnt does not exist" in e for e in errors)


def test_no_disjointness_is_an_error(ontology: Graph) -> None:
    g = Graph()
    g += ontology
    for node in list(g.subjects(RDF.type, OWL.AllDisjointClasses)):
        g.remove((node, None, None))
    assert any("no disjoint classes" in e for e in quality_report(g).errors)
