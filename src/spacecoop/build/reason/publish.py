"""What `materialize` publishes: the inferred triples about the data's instances, selected as `reason()` selects them.

From the rounds' graphs: triples about the data's instances, not asserted, no `owl:sameAs`, no
`rdfs:Resource`, `owl:Thing`, `owl:NamedIndividual` or blank-node typing, scratch IRIs decoded
back to literals; and the triples of the vocabulary closure about instances (when the data
states schema triples). `Materialized` carries them with the inconsistencies found.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from spacecoop.build.reason.reference import Reasoned
from spacecoop.build.reason.scratch import LITERAL, PREFIXES, ROUND, SCRATCH, SKOLEM, sparql, to_oxigraph, to_rdflib
from spacecoop.build.reason.vocabulary import Vocabulary
from spacecoop.iris import ID, OWLRL_ERROR

_NOISE_TYPES = (RDFS.Resource, OWL.Thing, OWL.NamedIndividual, OWLRL_ERROR.ErrorMessage)


@dataclass
class Materialized:
    """What `materialize` found: the inferred triples about instances and the inconsistencies."""

    inferred: list[ox.Triple]
    errors: list[str]

    def quads(self, graph: ox.NamedNode) -> Iterator[ox.Quad]:
        """The inferred triples in `graph`, e.g. for `store.extend(m.quads(INFERRED_GRAPH))`."""
        return (ox.Quad(t.subject, t.predicate, t.object, graph) for t in self.inferred)

    def reasoned(self) -> Reasoned:
        """As `reference.reason()` returns it (an rdflib graph: slow for large results)."""
        graph = Graph()
        for triple in self.inferred:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return Reasoned(graph, list(self.errors))


def published(store: ox.Store, vocabulary: Vocabulary, ontology: Graph, rounds: int) -> list[ox.Triple]:
    """The inferred triples about the data's instances, without owlrl's noise (as reason())."""
    noise = ", ".join(sparql(t) for t in _NOISE_TYPES)
    query = f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
            VALUES ?g {{ {" ".join(str(ROUND(n)) for n in range(rounds + 1))} }}
            GRAPH ?g {{ ?s ?p ?o }}
            FILTER(?p != owl:sameAs && (isBLANK(?s) || !STRSTARTS(STR(?s), "{SCRATCH}")))
            FILTER(?p != rdf:type || (!isBLANK(?o) && !STRSTARTS(STR(?o), "{SKOLEM}") && ?o NOT IN ({noise})))
            FILTER((isIRI(?s) && STRSTARTS(STR(?s), "{ID}")) || (isBLANK(?s) && EXISTS {{ ?s ?ip ?io }}))
            FILTER NOT EXISTS {{ ?s ?p ?o }}
        }}"""
    ontology_subjects = {str(s) for s in ontology.subjects()}
    found: list[ox.Triple] = []
    for triple in cast(ox.QueryTriples, store.query(query, prefixes=PREFIXES)):
        s, p, o = triple.subject, triple.predicate, triple.object
        if isinstance(o, ox.NamedNode) and o.value.startswith((LITERAL, SKOLEM)):
            o = to_oxigraph(to_rdflib(o))
            if isinstance(o, ox.BlankNode):  # a vocabulary blank node: not the store's
                continue
            if next(store.quads_for_pattern(s, p, o, ox.DefaultGraph()), None) is not None:
                continue
            triple = ox.Triple(s, p, o)
        if s.value in ontology_subjects and (to_rdflib(s), to_rdflib(p), to_rdflib(o)) in ontology:
            continue
        found.append(triple)
    # Triples of the vocabulary closure about instances (when the data states schema triples).
    for s, p, o in vocabulary.closure:
        if isinstance(s, URIRef) and str(s).startswith(str(ID)) and p != OWL.sameAs and (s, p, o) not in ontology:
            if p == RDF.type and (o in _NOISE_TYPES or isinstance(o, BNode)):
                continue
            if p == OWLRL_ERROR.error:
                continue
            # vocabulary blank nodes kept
            triple = ox.Triple(
                cast(ox.NamedNode, to_oxigraph(s)), cast(ox.NamedNode, to_oxigraph(p)), to_oxigraph(o)
            )
            if next(
                store.quads_for_pattern(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()), None
            ) is None:
                found.append(triple)
    return list(dict.fromkeys(found))  # the store's order, each triple once
