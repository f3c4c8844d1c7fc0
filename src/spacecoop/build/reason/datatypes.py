"""owlrl's datatype rules, run once before the fixpoint into `ROUND(0)`.

Each literal of the working copy is typed by its datatype and the datatypes that one implies
(`OWL_Datatype_Subsumptions`), its lexical form is checked as owlrl checks it, and the pairs
of disjoint datatypes in use are handed to the consistency check.
"""

from __future__ import annotations

from typing import cast

import pyoxigraph as ox
from owlrl.AxiomaticTriples import OWLRL_Datatypes_Disjointness
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import Literal, URIRef

from spacecoop.build.reason.scratch import ALL, LITERAL, ROUND, decode_literal, rdflib_datatype, sparql, update, values
from spacecoop.build.reason.vocabulary import Vocabulary


def datatype_rules(store: ox.Store, vocabulary: Vocabulary) -> tuple[list[str], list[tuple[URIRef, URIRef]]]:
    """owlrl's one-time datatype rules: each literal typed by its datatype and the datatypes it
    implies, lexical forms checked, and the disjointness of the datatypes in use. Returns the
    errors and the disjoint pairs of datatypes."""
    errors: list[str] = []
    rl_datatypes = set(OWL_RL_Datatypes)
    used: set[URIRef] = set()
    typing: list[str] = []
    query = (
        f"SELECT DISTINCT ?o WHERE {{ GRAPH {ALL} {{ ?s ?p ?o }} "
        f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{LITERAL}")) }}'
    )
    for row in cast(ox.QuerySolutions, store.query(query)):
        iri = row["o"].value
        datatype = rdflib_datatype(iri)
        if datatype not in rl_datatypes:
            continue
        literal = decode_literal(iri)
        try:
            AltXSDToPYTHON.get(datatype, lambda value: value)(str(literal))
        except ValueError:
            errors.append(f"Lexical value of the literal '{literal}' does not match its datatype ({datatype})")
        for implied in (datatype, *OWL_Datatype_Subsumptions.get(datatype, ())):
            typing.append(f"<{iri}> a {sparql(implied)} .")
            used.add(implied)
    # The vocabulary's own literals count as used.
    for _s, _p, o in vocabulary.closure:
        if isinstance(o, Literal) and o.datatype in rl_datatypes:
            used.add(cast(URIRef, o.datatype))
    # Resources typed with a datatype get the datatypes it implies (owlrl's "explicit" datatypes).
    datatypes = " ".join(sparql(d) for d in OWL_RL_Datatypes)
    used |= {URIRef(row["d"].value) for row in cast(ox.QuerySolutions, store.query(
        f"SELECT DISTINCT ?d WHERE {{ VALUES ?d {{ {datatypes} }} GRAPH {ALL} {{ ?s a ?d }} }}"
    ))}
    implied = [(d, i) for d, supers in OWL_Datatype_Subsumptions.items() if d in used for i in supers]
    used |= {i for _d, i in implied}
    operations = []
    if typing:
        body = " ".join(typing)
        operations.append(f"INSERT DATA {{ GRAPH {ALL} {{ {body} }} GRAPH {ROUND(0)} {{ {body} }} }}")
    if implied:
        operations.append(
            f"INSERT {{ GRAPH {ALL} {{ ?s a ?i }} GRAPH {ROUND(0)} {{ ?s a ?i }} }} WHERE {{ "
            f"{values('?d ?i', implied)} GRAPH {ALL} {{ ?s a ?d }} "
            f'FILTER(isBLANK(?s) || !STRSTARTS(STR(?s), "{LITERAL}")) '
            f"FILTER NOT EXISTS {{ GRAPH {ALL} {{ ?s a ?i }} }} }}"
        )
    update(store, operations)
    pairs = [(left, right) for left, _p, right in OWLRL_Datatypes_Disjointness if left in used and right in used]
    return errors, pairs
