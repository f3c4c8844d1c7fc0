"""The fixpoint: rounds of the rules until one adds nothing.

Round n runs `round_updates` from what round n-1 derived into `ROUND(n)`, keeps only what
`ALL` did not have, and adds it to `ALL`. With the vocabulary closed beforehand, two rounds
suffice for the real data.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.namespace import OWL

from spacecoop.build.reason.rule_updates import round_updates
from spacecoop.build.reason.scratch import ALL, ROUND, count, update
from spacecoop.build.reason.vocabulary import Vocabulary


def _has_same_as(store: ox.Store) -> bool:
    return bool(store.query(f"ASK {{ GRAPH {ALL} {{ ?x <{OWL.sameAs}> ?y }} }}"))


def fixpoint(store: ox.Store, vocabulary: Vocabulary) -> int:
    """Apply the rules round after round until one adds nothing; the number of rounds."""
    delta, n = ALL, 0
    while True:
        n += 1
        new = ROUND(n)
        ops = round_updates(vocabulary, delta, new, _has_same_as(store))
        # What ALL already had, and owl:sameAs x x, are not new.
        ops.append(
            f"DELETE {{ GRAPH {new} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {new} {{ ?s ?p ?o }} GRAPH {ALL} {{ ?s ?p ?o }} }}"
        )
        ops.append(f"DELETE {{ GRAPH {new} {{ ?s owl:sameAs ?s }} }} WHERE {{ GRAPH {new} {{ ?s owl:sameAs ?s }} }}")
        # One update each: pyoxigraph reads its own pending writes slowly within one transaction.
        for op in ops:
            update(store, [op])
        if count(store, new) == 0:
            return n
        store.update(f"ADD {new} TO {ALL}")
        delta = new
