"""The working copy the rules run on: the asserted triples owlrl would see, copied into `ALL`.

What `reference.reasoning_input` keeps (`rdf:type`, `sco:` predicates and OWL/RDF(S) axioms;
not labels, evidence or provenance) is copied from the store's default graph into the scratch
graph `ALL`, literal objects spelled as IRIs (see `scratch`). Schema triples the data states
(normally none) are not copied: `schema_in_data` finds them for the vocabulary closure instead.
"""

from __future__ import annotations

from typing import cast

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDFS

from spacecoop.build.reason.scratch import ALL, PREFIXES, literal_iri_expression, sparql, to_rdflib, update
from spacecoop.build.reason.vocabulary import SCHEMA_NAMESPACES, SCHEMA_PREDICATES, SCHEMA_TYPES, Vocabulary
from spacecoop.iris import SCO

# reference.reasoning_input() leaves these out of what owlrl sees.
_ANNOTATIONS = (RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy)


def schema_in_data(store: ox.Store) -> Graph:
    """Schema triples stated by the data (normally none): they join the vocabulary."""
    found = Graph()
    predicates = " ".join(sparql(p) for p in sorted(SCHEMA_PREDICATES))
    types = " ".join(sparql(t) for t in sorted(SCHEMA_TYPES))
    query = (
        f"SELECT ?s ?p ?o WHERE {{ {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }} "
        f"UNION {{ VALUES ?o {{ {types} }} ?s a ?o BIND(rdf:type AS ?p) }} }}"
    )
    for row in cast(ox.QuerySolutions, store.query(query, prefixes=PREFIXES)):
        found.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
    return found


def _input_predicates(store: ox.Store) -> list[ox.NamedNode]:
    """The data's predicates that reasoning_input() keeps (schema predicates excepted)."""
    annotations = {str(a) for a in _ANNOTATIONS}
    schema = {str(p) for p in SCHEMA_PREDICATES}
    kept = []
    for row in cast(ox.QuerySolutions, store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")):
        p = row["p"].value
        if p in annotations or p in schema:
            continue
        if p.startswith(str(SCO)) or p.startswith(SCHEMA_NAMESPACES):
            kept.append(row["p"])
    return kept


def copy_input(store: ox.Store, vocabulary: Vocabulary) -> None:
    """The triples owlrl would see, literals as IRIs, into ALL (schema triples left out)."""
    predicates = " ".join(str(p) for p in _input_predicates(store))
    types = " ".join(sparql(t) for t in sorted(SCHEMA_TYPES))
    operations = [
        f"INSERT {{ GRAPH {ALL} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?p {{ {predicates} }} ?s ?p ?o "
        f"FILTER(!isLITERAL(?o)) }}",
        f"INSERT {{ GRAPH {ALL} {{ ?s ?p ?object }} }} WHERE {{ VALUES ?p {{ {predicates} }} ?s ?p ?o "
        f"FILTER(isLITERAL(?o)) BIND({literal_iri_expression('?o')} AS ?object) }}",
        f"DELETE {{ GRAPH {ALL} {{ ?s a ?o }} }} WHERE {{ VALUES ?o {{ {types} }} GRAPH {ALL} {{ ?s a ?o }} }}",
    ]
    individuals = " ".join(f"{sparql(s)} {sparql(p)} {sparql(o)} ." for s, p, o in vocabulary.individuals())
    if individuals:
        operations.append(f"INSERT DATA {{ GRAPH {ALL} {{ {individuals} }} }}")
    for op in operations:
        update(store, [op])
