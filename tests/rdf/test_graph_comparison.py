"""The tests' graph comparison (support.graphs) tells isomorphic graphs from others."""

from rdflib import BNode, Graph, Literal, URIRef
from support.graphs import isomorphic

P = URIRef("urn:p")


def graph(*triples) -> Graph:
    g = Graph()
    for triple in triples:
        g.add(triple)
    return g


def test_blank_node_labels_do_not_matter_but_structure_does():
    x, y = BNode(), BNode()
    a = graph((x, P, y), (y, P, Literal("1")))
    assert isomorphic(a, graph((y, P, x), (x, P, Literal("1"))))
    assert not isomorphic(a, graph((x, P, y), (x, P, Literal("1"))))


def test_a_missing_triple_or_another_literal_is_a_difference():
    a = graph((URIRef("urn:s"), P, Literal("1")), (URIRef("urn:s"), P, Literal("x", lang="en")))
    assert not isomorphic(a, graph((URIRef("urn:s"), P, Literal("1"))))
    assert not isomorphic(a, graph((URIRef("urn:s"), P, Literal("1")), (URIRef("urn:s"), P, Literal("x", lang="fr"))))
