"""Graph comparison for the tests: isomorphism by canonical blank-node labels (pyoxigraph's RDFC).

rdflib's `rdflib.compare.isomorphic` takes seconds on a graph with a thousand blank nodes; the
canonical form pyoxigraph computes takes milliseconds and decides the same question.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from spacecoop.rdf.terms import to_oxigraph


def canonical(triples: Iterable[tuple[object, object, object]]) -> list[str]:
    """The triples (rdflib or pyoxigraph terms) as sorted N-Triples lines with canonical blank nodes."""
    dataset = ox.Dataset()
    for s, p, o in triples:
        terms = [t if isinstance(t, (ox.NamedNode, ox.BlankNode, ox.Literal)) else to_oxigraph(t) for t in (s, p, o)]
        dataset.add(ox.Quad(*terms))  # type: ignore[arg-type]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(quad.triple) for quad in dataset)


def isomorphic(a: Iterable[tuple[object, object, object]], b: Iterable[tuple[object, object, object]]) -> bool:
    """Whether the two graphs are the same up to blank-node labels."""
    return canonical(a) == canonical(b)
