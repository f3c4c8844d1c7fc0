"""The OWL 2 RL rules compiled to SPARQL: one round of the fixpoint as a list of UPDATE operations.

Each rule (cax-sco, prp-dom, prp-rng, prp-spo1, prp-inv1/2, prp-symp, prp-trp, prp-fp,
prp-ifp, eq-sym, eq-trans, eq-rep-s/p/o) is one SPARQL UPDATE whose rule table, read from the
`Vocabulary`, is a VALUES block. Rounds are semi-naive: a round joins only what the previous
round derived (`delta`) with everything (`ALL`), and writes into its own graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from spacecoop.build.reason.scratch import ALL, sparql, values
from spacecoop.build.reason.vocabulary import Vocabulary


def round_updates(vocabulary: Vocabulary, delta: ox.NamedNode, new: ox.NamedNode, same_as: bool) -> list[str]:
    """One round: every rule's SPARQL UPDATE, from `delta` joined with ALL into `new`."""
    D, A, N = delta, ALL, new
    first = delta == ALL
    v = vocabulary
    ops: list[str] = []

    def absent(s: str, p: str, o: str) -> str:
        return f"FILTER NOT EXISTS {{ GRAPH {A} {{ {s} {p} {o} }} }}"

    if v.subclass:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x a ?c2 }} }} WHERE {{ {values('?c1 ?c2', sorted(v.subclass))} "
            f"GRAPH {D} {{ ?x a ?c1 }} {absent('?x', 'a', '?c2')} }}"
        )
    # prp-dom types the subject (?x), prp-rng the object (?y): each (node, property) once,
    # however many values it has.
    for table, node in ((v.domain, "?x"), (v.range, "?y")):
        if table:
            properties = " ".join(sparql(p) for p in sorted({p for p, _c in table}))
            ops.append(
                f"INSERT {{ GRAPH {N} {{ {node} a ?c }} }} WHERE {{ "
                f"{{ SELECT DISTINCT {node} ?p WHERE {{ VALUES ?p {{ {properties} }} GRAPH {D} {{ ?x ?p ?y }} }} }} "
                f"{values('?p ?c', sorted(table))} {absent(node, 'a', '?c')} }}"
            )
    if v.subproperty:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x ?q ?y }} }} WHERE {{ {values('?p ?q', sorted(v.subproperty))} "
            f"GRAPH {D} {{ ?x ?p ?y }} {absent('?x', '?q', '?y')} }}"
        )
    if v.inverse:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y ?q ?x }} }} WHERE {{ {values('?p ?q', sorted(v.inverse))} "
            f"GRAPH {D} {{ ?x ?p ?y }} {absent('?y', '?q', '?x')} }}"
        )
    if v.symmetric:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y ?p ?x }} }} WHERE {{ {values('?p', [(p,) for p in sorted(v.symmetric)])} "
            f"GRAPH {D} {{ ?x ?p ?y }} {absent('?y', '?p', '?x')} }}"
        )
    if v.transitive:
        transitive = values("?p", [(p,) for p in sorted(v.transitive)])
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x ?p ?z }} }} WHERE {{ {transitive} "
            f"GRAPH {D} {{ ?x ?p ?y }} GRAPH {A} {{ ?y ?p ?z }} {absent('?x', '?p', '?z')} }}"
        )
        if not first:
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?x ?p ?z }} }} WHERE {{ {transitive} "
                f"GRAPH {A} {{ ?x ?p ?y }} GRAPH {D} {{ ?y ?p ?z }} {absent('?x', '?p', '?z')} }}"
            )
    if v.functional:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y1 owl:sameAs ?y2 . ?y2 owl:sameAs ?y1 }} }} WHERE {{ "
            f"{values('?p', [(p,) for p in sorted(v.functional)])} "
            f"GRAPH {D} {{ ?x ?p ?y1 }} GRAPH {A} {{ ?x ?p ?y2 }} FILTER(!sameTerm(?y1, ?y2)) }}"
        )
    if v.inverse_functional:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x1 owl:sameAs ?x2 . ?x2 owl:sameAs ?x1 }} }} WHERE {{ "
            f"{values('?p', [(p,) for p in sorted(v.inverse_functional)])} "
            f"GRAPH {D} {{ ?x1 ?p ?y }} GRAPH {A} {{ ?x2 ?p ?y }} FILTER(!sameTerm(?x1, ?x2)) }}"
        )
    if same_as:
        # eq-sym, eq-trans and eq-rep-s/p/o, from the new sameAs or from the new triples.
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y owl:sameAs ?x }} }} WHERE {{ GRAPH {D} {{ ?x owl:sameAs ?y }} "
            f"FILTER(!sameTerm(?x, ?y)) }}"
        )
        pairs = [(D, A)] if first else [(D, A), (A, D)]  # (delta, all) and, after the first round, (all, delta)
        for left, right in pairs:
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?x owl:sameAs ?z }} }} WHERE {{ GRAPH {left} {{ ?x owl:sameAs ?y }} "
                f"GRAPH {right} {{ ?y owl:sameAs ?z }} FILTER(!sameTerm(?x, ?z) && !sameTerm(?x, ?y)) }}"
            )
        for same, triple in pairs:
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?t ?p ?o }} }} WHERE {{ GRAPH {same} {{ ?s owl:sameAs ?t }} "
                f"GRAPH {triple} {{ ?s ?p ?o }} FILTER(!sameTerm(?s, ?t)) }}"
            )
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?s ?p ?t }} }} WHERE {{ GRAPH {same} {{ ?o owl:sameAs ?t }} "
                f"GRAPH {triple} {{ ?s ?p ?o }} FILTER(!sameTerm(?o, ?t)) }}"
            )
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?s ?t ?o }} }} WHERE {{ GRAPH {same} {{ ?p owl:sameAs ?t }} "
                f"GRAPH {triple} {{ ?s ?p ?o }} FILTER(!sameTerm(?p, ?t)) }}"
            )
    return ops
