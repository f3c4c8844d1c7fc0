"""The rules' scratch graphs in the store, and how terms are spelled in them and in their queries.

The rules work in named graphs under `urn:spacecoop:scratch:rules:`: `ALL` holds the working
copy and everything derived, `ROUND(n)` what round n derived. RDF stores allow no literal
subject, while owlrl reasons about literals as subjects, so a literal object is spelled in the
working copy as an IRI under `LITERAL` (the literal written out in the IRI: `decode_literal`
reverses it); the vocabulary's blank nodes (union classes) are IRIs under `SKOLEM`.
`to_oxigraph` and `to_rdflib` are `spacecoop.rdf.terms` with those two spellings added.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from spacecoop.rdf import terms

SCRATCH = "urn:spacecoop:scratch:rules:"
ALL = ox.NamedNode(SCRATCH + "all")  # the working copy and everything derived


def ROUND(n: int) -> ox.NamedNode:  # noqa: N802 - a graph name
    """What round n derived (round 0: the datatype rules)."""
    return ox.NamedNode(f"{SCRATCH}round/{n}")


LITERAL = SCRATCH + "literal:"  # literal objects, as IRIs
SKOLEM = SCRATCH + "bnode:"  # the vocabulary's blank nodes (union classes), as IRIs

PREFIXES = {"owl": str(OWL), "rdf": str(RDF)}
_XSD_STRING = str(XSD.string)


# --- Terms -----------------------------------------------------------------------------------------


def to_oxigraph(term: object, *, skolem: bool = False) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (a blank node as a scratch IRI when `skolem`)."""
    if skolem and isinstance(term, BNode):
        return ox.NamedNode(SKOLEM + str(term))
    return terms.to_oxigraph(term)


def to_rdflib(term: object) -> URIRef | BNode | Literal:
    """A pyoxigraph term as rdflib's parsers would give it (scratch IRIs decoded)."""
    if isinstance(term, ox.NamedNode):
        value = term.value
        if value.startswith(LITERAL):
            return decode_literal(value)
        if value.startswith(SKOLEM):
            return BNode(value[len(SKOLEM):])
    return terms.to_rdflib(term)


def literal_iri_expression(var: str) -> str:
    """SPARQL: the scratch IRI standing for the literal in `var` (decode_literal reverses it)."""
    return (
        f'IRI(CONCAT("{LITERAL}", ENCODE_FOR_URI(STR({var})), ":", '
        f'IF(LANG({var}) != "", CONCAT("@", LANG({var})), ENCODE_FOR_URI(STR(DATATYPE({var}))))))'
    )


def decode_literal(iri: str) -> Literal:
    """The literal a scratch IRI of `literal_iri_expression` stands for, as rdflib's parsers give it."""
    lexical, _, kind = iri[len(LITERAL):].partition(":")
    lexical = urllib.parse.unquote(lexical)
    kind = urllib.parse.unquote(kind)
    if kind.startswith("@"):
        return Literal(lexical, lang=kind[1:])
    if kind in (_XSD_STRING, ""):
        return Literal(lexical)
    return Literal(lexical, datatype=URIRef(kind))


def rdflib_datatype(literal_iri: str) -> URIRef | None:
    """The datatype owlrl sees for a literal: rdflib gives plain and language strings none."""
    kind = urllib.parse.unquote(literal_iri[len(LITERAL):].partition(":")[2])
    if kind.startswith("@") or kind == _XSD_STRING:
        return None
    return URIRef(kind)


def sparql(term: object) -> str:
    """A term (rdflib or pyoxigraph, vocabulary blank nodes as scratch IRIs) in SPARQL syntax."""
    if isinstance(term, (URIRef, BNode, Literal)):
        term = to_oxigraph(term, skolem=True)
    if isinstance(term, ox.BlankNode):
        raise ValueError("blank nodes cannot be written into a query")
    return str(term)


def shown(term: object) -> str:
    """A node as owlrl's messages print it ("%s" of the rdflib term)."""
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        term = to_rdflib(term)
    return str(term)


def values(variables: str, rows: Iterable[tuple[object, ...]]) -> str:
    """SPARQL: a VALUES block binding `variables` to each row of terms."""
    body = " ".join("(" + " ".join(sparql(t) for t in row) + ")" for row in rows)
    return f"VALUES ({variables}) {{ {body} }}"


# --- The store ------------------------------------------------------------------------------------


def update(store: ox.Store, operations: list[str]) -> None:
    """Run the operations as one SPARQL UPDATE (nothing when there are none)."""
    if operations:
        store.update(" ;\n".join(operations), prefixes=PREFIXES)


def count(store: ox.Store, graph: ox.NamedNode) -> int:
    """The number of triples in `graph`."""
    rows = list(
        cast(ox.QuerySolutions, store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))
    )
    return int(rows[0]["n"].value)


def drop_scratch(store: ox.Store) -> None:
    """Remove every scratch graph of the rules from the store."""
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(SCRATCH):
            store.remove_graph(graph)
