"""The consistency check on the closure: SELECT queries worded as owlrl and `reference.reason()` word them.

cax-dw, cax-adc, prp-irp, prp-asyp, cls-nothing2, eq-diff1, owlrl's datatype disjointness,
and `reason()`'s own "would be the same individual" for two instances made `owl:sameAs`. An
`owl:sameAs` involving a term of the vocabulary is refused (UnsupportedVocabulary) rather than
reasoned with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import cast

import pyoxigraph as ox
from rdflib import URIRef

from spacecoop.build.reason.scratch import ALL, PREFIXES, shown, sparql, to_rdflib, values
from spacecoop.build.reason.vocabulary import UnsupportedVocabulary, Vocabulary
from spacecoop.iris import ID


def _instance_test(var: str) -> str:
    """SPARQL: `var` is one of the data's instances (reason()'s definition), in the default graph."""
    return (
        f'((isBLANK({var}) && EXISTS {{ {var} ?ip ?io }}) || (isIRI({var}) && STRSTARTS(STR({var}), "{ID}") '
        f"&& (EXISTS {{ {var} ?ip ?io }} || EXISTS {{ ?is ?ip {var} }})))"
    )


def inconsistencies(store: ox.Store, vocabulary: Vocabulary, datatype_pairs: list[tuple[URIRef, URIRef]]) -> list[str]:
    """The inconsistencies of the closure in `ALL`, as owlrl and reason() word them (datatype_pairs:
    the disjoint datatypes in use). Raises UnsupportedVocabulary for owl:sameAs on a vocabulary term."""
    errors: list[str] = []
    v = vocabulary

    def select(query: str) -> Iterator[ox.QuerySolution]:
        return iter(cast(ox.QuerySolutions, store.query(query, prefixes=PREFIXES)))

    disjoint = list(v.disjoint) + datatype_pairs
    if disjoint:
        for row in select(
            f"SELECT ?c1 ?c2 ?x WHERE {{ {values('?c1 ?c2', disjoint)} GRAPH {ALL} {{ ?x a ?c1 . ?x a ?c2 }} }}"
        ):
            errors.append(
                f"Disjoint classes {shown(row['c1'])} and {shown(row['c2'])} "
                f"have a common individual {shown(row['x'])}"
            )
    for members in v.all_disjoint:
        if len(members) < 2:
            continue
        member_values = " ".join(sparql(c) for c in members)
        typed: dict[object, set[str]] = defaultdict(set)
        for row in select(
            f"SELECT ?x ?c WHERE {{ {{ SELECT ?x WHERE {{ VALUES ?c {{ {member_values} }} GRAPH {ALL} {{ ?x a ?c }} }} "
            f"GROUP BY ?x HAVING (COUNT(?c) > 1) }} VALUES ?c {{ {member_values} }} GRAPH {ALL} {{ ?x a ?c }} }}"
        ):
            typed[row["x"]].add(str(row["c"]))
        for x, classes in typed.items():
            # As owlrl: for each member but the last, each later member.
            for i in range(len(members) - 1):
                for later in members[i + 1:]:
                    if sparql(members[i]) in classes and sparql(later) in classes:
                        errors.append(f"Disjoint classes {members[i]} and {later} have a common individual {shown(x)}")
    if v.irreflexive:
        for row in select(
            f"SELECT ?p ?x WHERE {{ {values('?p', [(p,) for p in sorted(v.irreflexive)])} "
            f"GRAPH {ALL} {{ ?x ?p ?x }} }}"
        ):
            errors.append(f"Irreflexive property used on {shown(row['x'])} with {shown(row['p'])}")
    if v.asymmetric:
        for row in select(
            f"SELECT ?p ?x ?y WHERE {{ {values('?p', [(p,) for p in sorted(v.asymmetric)])} "
            f"GRAPH {ALL} {{ ?x ?p ?y . ?y ?p ?x }} }}"
        ):
            errors.append(
                f"Erroneous usage of asymmetric property {shown(row['p'])} "
                f"on {shown(row['x'])} and {shown(row['y'])}"
            )
    for row in select(f"SELECT ?x WHERE {{ GRAPH {ALL} {{ ?x a owl:Nothing }} }}"):
        errors.append(f"{shown(row['x'])} is defined of type 'Nothing'")
        errors.append(f"{shown(row['x'])} is a member of owl:Nothing")
    # owl:sameAs: reason()'s own message for two instances, owlrl's eq-diff1, and the guard.
    unsupported: set[str] = set()
    query = (
        f"SELECT ?x ?y ?different (({_instance_test('?x')}) AS ?xi) (({_instance_test('?y')}) AS ?yi) "
        f"WHERE {{ GRAPH {ALL} {{ ?x owl:sameAs ?y }} "
        f"BIND(EXISTS {{ GRAPH {ALL} {{ {{ ?x owl:differentFrom ?y }} UNION {{ ?y owl:differentFrom ?x }} }} }} "
        f"AS ?different) }}"
    )
    for row in select(query):
        x, y = to_rdflib(row["x"]), to_rdflib(row["y"])
        if x == y:
            continue
        for node in (x, y):
            if node in v.schema_terms:
                unsupported.add(f"owl:sameAs of the vocabulary term {node} (with {y if node == x else x})")
        if row["different"].value == "true":
            errors.append(f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({x}, {y})")
        both = row["xi"].value == "true" and row["yi"].value == "true"
        if both and isinstance(x, URIRef) and str(x) < str(y):
            errors.append(f"{x} and {y} would be the same individual (a functional property has two values)")
    # eq-ref makes every node owl:sameAs itself, so x owl:differentFrom x is an eq-diff1 error too.
    for row in select(f"SELECT ?x WHERE {{ GRAPH {ALL} {{ ?x owl:differentFrom ?x }} }}"):
        x = to_rdflib(row["x"])
        errors.append(f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({x}, {x})")
    if unsupported:
        raise UnsupportedVocabulary(sorted(unsupported))
    return errors
