"""OWL 2 RL reasoning with owlrl, and the consistency check it does not do for us.

owlrl never raises on an inconsistency: it adds `[] a err:ErrorMessage` nodes
to the graph. `reason()` looks for them (disjointness, asymmetry, irreflexivity,
`owl:Nothing` membership...) and reports each message.

The asserted and the inferred stay apart: `reason()` returns only what owlrl
added about the instances, without its noise (triples with a literal subject,
`owl:sameAs x x`, axiomatic or vocabulary-level triples, `rdfs:Resource` and
`owl:Thing` typing). That is what the release publishes as the inferred graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import owlrl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from spacecoop.errors import InconsistencyProblem
from spacecoop.iris import ID, OWLRL_ERROR, SCO

_NOISE_TYPES = {RDFS.Resource, OWL.Thing, OWL.NamedIndividual}


@dataclass
class Reasoned:
    """The inferred triples about instances and the inconsistencies found."""

    inferred: Graph
    errors: list[str]


# The vocabulary's axioms are stated with these predicates; labels, definitions,
# mappings and evidence annotations take part in no OWL 2 RL rule of ours.
_AXIOM_NAMESPACES = (str(OWL), str(RDFS), str(RDF))
_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy}


def _axiomatic(predicate: object) -> bool:
    text = str(predicate)
    return text.startswith(_AXIOM_NAMESPACES) and predicate not in _ANNOTATIONS


def reasoning_input(ontology: Graph, data: Graph) -> Graph:
    """What owlrl needs: the vocabulary's axioms, and the data's typing and sco: statements.

    owlrl's cost grows with every triple it sees, and most of ours are labels,
    definitions and evidence annotations that no rule of the vocabulary touches.
    Leaving them out gives the same consistency verdict and the same inferences
    about instances (test_reasoning checks this against a full closure), several
    times faster.
    """
    merged = Graph()
    for triple in ontology:
        if _axiomatic(triple[1]):
            merged.add(triple)
    sco = str(SCO)
    for triple in data:
        predicate = triple[1]
        if predicate == RDF.type or str(predicate).startswith(sco) or _axiomatic(predicate):
            merged.add(triple)
    return merged


def closure(ontology: Graph, data: Graph, *, full: bool = False) -> Graph:
    """The OWL 2 RL closure of ontology + data (`full`: of every triple, for tests)."""
    if full:
        merged = Graph()
        merged += ontology
        merged += data
    else:
        merged = reasoning_input(ontology, data)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(merged)
    return merged


def reason(ontology: Graph, data: Graph, *, full: bool = False) -> Reasoned:
    """Reason over ontology + asserted data; keep the new facts about the data's own subjects."""
    closed = closure(ontology, data, full=full)
    errors = sorted(
        str(closed.value(node, OWLRL_ERROR.error))
        for node in closed.subjects(RDF.type, OWLRL_ERROR.ErrorMessage)
    )
    # The instances: the data's resources in the id/ space and its blank nodes
    # (whether they appear as subjects or only as objects).
    instances: set[BNode | URIRef] = {s for s in data.subjects() if isinstance(s, BNode)}
    instances |= {n for s, _p, o in data for n in (s, o) if isinstance(n, URIRef) and str(n).startswith(str(ID))}
    inferred = Graph()
    for s, p, o in closed:
        if p == OWL.sameAs:
            if s != o and s in instances and o in instances and isinstance(s, URIRef) and str(s) < str(o):
                errors.append(f"{s} and {o} would be the same individual (a functional property has two values)")
            continue
        if s not in instances or (s, p, o) in data or (s, p, o) in ontology:
            continue
        if p == RDF.type and (o in _NOISE_TYPES or o == OWLRL_ERROR.ErrorMessage or isinstance(o, BNode)):
            continue
        inferred.add((s, p, o))
    for s in closed.subjects(RDF.type, OWL.Nothing):
        errors.append(f"{s} is a member of owl:Nothing")
    return Reasoned(inferred, sorted(set(errors)))


def check_consistency(reasoned: Reasoned) -> None:
    """Raise InconsistencyProblem when reasoning found any error."""
    if reasoned.errors:
        raise InconsistencyProblem(reasoned.errors)
