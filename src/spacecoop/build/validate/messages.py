"""pyshacl's result messages: its generic message of each constraint for a shape without sh:message,
and its {?var} / {$var} substitution in the messages of SPARQL constraints."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import cast

import pyoxigraph as ox
from pyshacl.rdfutil.stringify import stringify_node
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from spacecoop.build.validate.data_graph import blank_node_graph
from spacecoop.build.validate.literals import RANGE
from spacecoop.build.validate.shapes import Shapes, items
from spacecoop.rdf.terms import to_rdflib

# What a value must conform to, in the message of each list-of-shapes constraint.
# Messages that only name the constraint's value, as pyshacl words them.
_ABOUT_THE_RULE = {
    SH.datatype: "Value is not Literal with datatype {}",
    SH.nodeKind: "Value is not of Node Kind {}",
    SH.languageIn: "String language is not in {}",
}
_QUANTITY = {SH["or"]: "one or more shapes", SH["and"]: "all shapes", SH.xone: "exactly one shape"}


def substitute(message: str, variables: Mapping[str, object]) -> str:
    """pyshacl's {?var} / {$var} substitution in SPARQL constraint messages."""
    for var, val in variables.items():
        message = re.sub(f"{{[?$]{var}}}", str(val), message)
    return message


class Messages:
    """pyshacl's generic messages, with nodes shown as pyshacl shows them (stringify_node)."""

    def __init__(self, shapes: Shapes, store: ox.Store) -> None:
        self.shapes = shapes
        self.g = shapes.graph
        self.store = store

    def shown_data(self, node: object) -> str:
        """stringify_node on pyshacl's data graph: a blank node shows its triples."""
        term = to_rdflib(node) if not isinstance(node, (URIRef, BNode, Literal)) else node
        graph = blank_node_graph(self.store, term) if isinstance(term, BNode) else Graph()
        return stringify_node(graph, term)

    def generic(self, shape: Node, p: URIRef, rule: Node, focus: object | None, value: object | None) -> str:
        """pyshacl's message for a result of the constraint (p, rule) of `shape` without sh:message."""
        g = self.g
        sg: Callable[[Node], str] = lambda n: stringify_node(g, n)  # noqa: E731
        data: Callable[[object], str] = lambda n: self.shown_data(n)  # noqa: E731
        path = self.shapes.path(shape)
        if p == SH["class"]:
            rules = list(g.objects(shape, SH["class"]))
            return (f"Value does not have class {sg(rules[0])}" if len(rules) < 2
                    else f"Value class is not in classes ({', '.join(sg(c) for c in rules)})")
        if p in _ABOUT_THE_RULE:
            return _ABOUT_THE_RULE[p].format(sg(rule))
        if p in (SH.minCount, SH.maxCount):
            where = f"{data(focus)}->{sg(path)}" if path is not None else data(focus)
            return f"{'Less' if p == SH.minCount else 'More'} than {cast(Literal, rule).value} values on {where}"
        if p in RANGE:
            op = {SH.minInclusive: ">=", SH.minExclusive: ">", SH.maxInclusive: "<=", SH.maxExclusive: "<"}[p]
            rules = list(g.objects(shape, p))
            return (f"Value is not {op} {sg(rules[0])}" if len(rules) < 2
                    else f"Value is not {op} in ({', '.join(sg(r) for r in rules)})")
        if p in (SH.minLength, SH.maxLength):
            return f"String length not {'>=' if p == SH.minLength else '<='} {data(rule)}"
        if p == SH.pattern:
            rules = list(g.objects(shape, SH.pattern))
            return (f"Value does not match pattern '{cast(Literal, rules[0]).value}'" if len(rules) < 2
                    else "Value does not match every pattern in ('{}')".format(
                        "', '".join(str(cast(Literal, r).value) for r in rules)))
        if p == SH.lessThan:
            return f"Value of {data(focus)}->{sg(rule)} <= {data(value)}"
        if p == SH["in"]:
            listed = [stringify_node(g, m) for m in items(g, rule)]
            return f"Value {data(value)} not in list {listed}"
        if p == SH.hasValue:
            the_set = [sg(h) for h in g.objects(shape, SH.hasValue)]
            return (f"Node {data(focus)}->{sg(path)} does not contain a value in the set: {the_set}" if path is not None
                    else f"Node {data(focus)} value is not a in the set of values: {the_set}")
        if p in _QUANTITY:
            lists = list(g.objects(shape, p))
            if len(lists) < 2:
                text = " , ".join(sg(m) for m in items(g, lists[0]))
            else:
                text = " and ".join("(" + " , ".join(sg(m) for m in items(g, lst)) + ")" for lst in lists)
            return f"Node {data(value)} must conform to {_QUANTITY[p]} in {text}"
        if p == SH["not"]:
            nots = list(g.objects(shape, SH["not"]))
            if len(nots) == 1:
                return f"Node {data(value)} must not conform to shape {sg(nots[0])}"
            return f"Node {data(value)} must not conform to any shapes in {' , '.join(sg(n) for n in nots)}"
        if p == SH.node:
            nodes = list(g.objects(shape, SH.node))
            text = (f"Value does not conform to Shape {sg(nodes[0])}." if len(nodes) < 2
                    else "Value must conform to every Shape in ('{}').".format(", ".join(sg(n) for n in nodes)))
            return text + " See details for more information."
        if p == SH.qualifiedValueShape:
            value_shapes = list(g.objects(shape, SH.qualifiedValueShape))
            text = ",".join(sg(s) for s in value_shapes)
            counts = ""
            for m in g.objects(shape, SH.qualifiedMinCount):
                counts += f" MinCount {cast(Literal, m).value}"
            for m in g.objects(shape, SH.qualifiedMaxCount):
                counts += f" MaxCount {cast(Literal, m).value}"
            if len(value_shapes) > 1:
                return f"Focus node does not conform to shapes{counts}: ({text})"
            return f"Focus node does not conform to shape{counts}: {text}"
        return ""
