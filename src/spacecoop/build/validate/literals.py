"""Literal checks with pyshacl's own rules, called from the queries as SPARQL custom functions.

sh:datatype, sh:pattern, sh:languageIn, sh:minLength/maxLength, sh:min/maxInclusive/Exclusive and
sh:lessThan are decided in Python for each value, as pyshacl decides them (rdflib's ill-typed
literals, Python `re`, pyshacl's literal comparison), so that a literal passes or fails exactly as
it does in pyshacl. `Checks` registers each test as a function of the queries, cached per term.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from spacecoop.build.validate.data_graph import SCRATCH, CustomFunctions
from spacecoop.rdf.terms import to_rdflib

FN = SCRATCH + "fn:"
_XSD_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_TRUE, _FALSE = ox.Literal("true", datatype=_XSD_BOOLEAN), ox.Literal("false", datatype=_XSD_BOOLEAN)
# The range parameters, each with the comparisons (value against bound) that pass it.
RANGE: dict[URIRef, Callable[[int], bool]] = {
    SH.minInclusive: lambda c: c >= 0, SH.minExclusive: lambda c: c > 0,
    SH.maxInclusive: lambda c: c <= 0, SH.maxExclusive: lambda c: c < 0,
}


def datatype_matches(v: object, rule: Node) -> bool:
    """DatatypeConstraintComponent.evaluate, for one value node."""
    from datetime import date, datetime
    from datetime import time as time_of_day
    from decimal import Decimal

    if not isinstance(v, Literal):
        return False

    def actual(value_node: Literal) -> bool:
        value = value_node.value
        if rule in (XSD.string, RDF.langString):
            return isinstance(value, (str, bytes))
        checks: dict[Node, type[object]] = {
            XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool,
            XSD.date: date, XSD.time: time_of_day, XSD.dateTime: datetime,
        }
        return isinstance(value, checks[rule]) if rule in checks else True

    if v.datatype == rule:
        return False if getattr(v, "ill_typed", None) is True else actual(v)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return actual(v)
    if rule == RDF.langString and v.language:
        return actual(v)
    return False


def value_string(v: object) -> str:
    """StringBasedConstraintBase.value_node_to_string."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def range_matches(v: object, bound: Literal, parameter: URIRef) -> bool:
    """Min/MaxInclusive/ExclusiveConstraintComponent, for one value node."""
    if not isinstance(v, Literal):
        return False
    bound_is_string, v_is_string = isinstance(bound.value, str), isinstance(v.value, str)
    if bound_is_string != v_is_string:
        return False
    try:
        return RANGE[parameter](compare_literal(v, bound))  # type: ignore[no-untyped-call]
    except (TypeError, NotImplementedError):
        return False  # values that cannot be compared do not conform: pyshacl's value_range_constraints


def language_matches(v: object, languages: set[str]) -> bool:
    """LanguageInConstraintComponent, for one value node."""
    if not isinstance(v, Literal) or not v.language:
        return False
    lang = str(v.language).lower()
    return "*" in languages or lang in languages or lang.split("-")[0] in languages


def less_than(v: object, c: object) -> bool:
    """LessThanConstraintComponent._compare_lt: True when v < c holds (no result)."""
    if isinstance(v, BNode) or isinstance(c, BNode):
        raise ValueError("Cannot use sh:lessThan to compare a BlankNode.")

    def plain(node: object) -> tuple[Any, bool]:  # a str or the node itself, compared with `<` below
        if isinstance(node, URIRef):
            return str(node), True
        if isinstance(node, Literal) and isinstance(node.value, str):
            return node.value, True
        return node, False

    (a, a_string), (b, b_string) = plain(v), plain(c)
    if a_string != b_string:
        return False
    return bool(a < b)


class Checks:
    """The Python side of the queries: each literal check as a SPARQL function, cached."""

    def __init__(self) -> None:
        self.functions: CustomFunctions = {}

    def register(self, test: Callable[..., bool]) -> str:
        """A SPARQL function name for `test(value node)`; use as `<name>(?value)`."""
        cache: dict[object, ox.Literal] = {}

        def function(term: object) -> ox.Literal:
            found = cache.get(term)
            if found is None:
                try:
                    found = _TRUE if test(to_rdflib(term)) else _FALSE
                except Exception:  # noqa: BLE001 - as pyshacl: a value that cannot be checked fails
                    found = _FALSE
                cache[term] = found
            return found

        name = ox.NamedNode(f"{FN}{len(self.functions)}")
        self.functions[name] = function
        return str(name)
