"""RDF terms between rdflib and pyoxigraph, and from SPARQL JSON results: written once, here.

rdflib reads and writes the repository's Turtle and runs owlrl and pyshacl; pyoxigraph holds
the release's store and evaluates queries. Each direction gives the term the other library's
own parser would produce (a plain literal as `xsd:string` in pyoxigraph, without a datatype
in rdflib), so a term that crosses twice compares equal to where it started.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
RdflibTerm = URIRef | BNode | Literal


def to_oxigraph(term: object) -> OxTerm:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: object) -> RdflibTerm:
    """A pyoxigraph term as rdflib's own parsers would give it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"no rdflib equivalent for {term!r}")


def from_sparql_json(value: dict[str, Any], bnodes: MutableMapping[str, ox.BlankNode] | None = None) -> OxTerm:
    """A term of a SPARQL 1.1 JSON result as a pyoxigraph term. With `bnodes`, one answer's blank
    node labels map onto fresh blank nodes (any label a backend sends is then accepted); without,
    a blank node keeps its label. ValueError for a term of an unknown type or an invalid label."""
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        if bnodes is None:
            return ox.BlankNode(text)
        node = bnodes.get(text)
        if node is None:
            node = bnodes[text] = ox.BlankNode()
        return node
    if kind in ("literal", "typed-literal"):  # typed-literal: the SPARQL JSON note's older spelling
        lang = value.get("xml:lang")
        if lang:
            return ox.Literal(text, language=lang)
        datatype = value.get("datatype")
        return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)
    raise ValueError(f"a term of unknown type {kind!r}")


def literal_int(value: object) -> int | None:
    """The integer an rdflib literal stands for, or None (malformed is reported, not raised)."""
    if isinstance(value, Literal):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return None
