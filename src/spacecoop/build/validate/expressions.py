"""Shapes to SPARQL expressions: a shape's focus nodes, its value nodes, and the boolean "this node
conforms" that shapes inside shapes (sh:or, sh:and, sh:not, sh:xone, sh:node, sh:qualifiedValueShape,
sh:property of a nested shape) compile to; `Context` is the state one validation shares."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.term import Node

from spacecoop.build.validate import data_graph
from spacecoop.build.validate.data_graph import SolutionTerm
from spacecoop.build.validate.literals import (
    RANGE,
    Checks,
    datatype_matches,
    language_matches,
    range_matches,
    value_string,
)
from spacecoop.build.validate.property_paths import sparql_path
from spacecoop.build.validate.report import Result
from spacecoop.build.validate.shapes import Shapes, UnsupportedShapes, items, name
from spacecoop.build.validate.supported import COMPONENTS
from spacecoop.rdf.terms import to_oxigraph


def term(node: object) -> str:
    """An rdflib term in SPARQL syntax (the shapes' and the vocabulary's terms)."""
    return str(to_oxigraph(node))


@dataclass
class Context:
    """What one validation shares: the store, the shapes, the literal checks, the subclasses, the results."""

    store: ox.Store
    shapes: Shapes
    checks: Checks
    subclasses: dict[Node, set[Node]]
    results: list[Result] = field(default_factory=list)
    _fresh: int = 0

    def var(self, base: str = "v") -> str:
        """A fresh SPARQL variable."""
        self._fresh += 1
        return f"?{base}{self._fresh}"

    def select(self, query: str) -> list[dict[str, SolutionTerm]]:
        """The solutions of a SELECT on the data graph, as {variable name: term} (unbound left out)."""
        return data_graph.select(self.store, query, self.checks.functions)


class Expressions:
    """Shapes to SPARQL: focus nodes, value nodes and conformance expressions."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.g = ctx.shapes.graph

    # Focus and value nodes ---------------------------------------------------------------------

    def instance_of(self, node: str, classes: Iterable[Node]) -> str:
        """A SPARQL pattern: `node` is an instance of one of `classes` or of their subclasses."""
        every = set().union(*(self.ctx.subclasses.get(c, {c}) for c in classes))
        if any(isinstance(c, BNode) for c in every):  # blank nodes cannot be written into VALUES
            return " UNION ".join(f"{{ {node} a/<{RDFS.subClassOf}>* {term(c)} }}" for c in classes)
        t = self.ctx.var("t")
        return f"{node} a {t} . VALUES {t} {{ {' '.join(term(c) for c in sorted(every, key=str))} }}"

    def targets(self, shape: Node) -> str:
        """SELECT DISTINCT ?this: the shape's focus nodes."""
        g = self.g
        parts = []
        classes = set(g.objects(shape, SH.targetClass))
        if classes:
            parts.append(f"{{ {self.instance_of('?this', classes)} }}")
        nodes = list(g.objects(shape, SH.targetNode))
        if nodes:
            parts.append(f"{{ VALUES ?this {{ {' '.join(term(n) for n in nodes)} }} }}")
        for p in g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {term(p)} ?any }}")
        for p in g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ ?any {term(p)} ?this }}")
        return "SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " }"

    def value_pattern(self, shape: Node, this: str, value: str) -> str:
        path = self.ctx.shapes.path(shape)
        if path is None:
            return f"BIND({this} AS {value})"
        return f"{this} {sparql_path(self.g, path)} {value} ."

    # Conformance of a node to a shape, as a SPARQL expression ------------------------------------

    def conforms(self, shape: Node, node: str, strict: bool = False) -> str:
        """SPARQL boolean: `node` conforms to `shape` (pyshacl's nested validation).

        pyshacl runs with allow_warnings: for sh:or, sh:and, sh:xone, sh:not and qualified
        counts a Warning or Info shape always conforms. sh:node is `strict`: any result at all
        of the node shape, whatever its severity, is a failure.
        """
        shapes = self.ctx.shapes
        if shapes.deactivated(shape) or (not strict and shapes.severity(shape) in (SH.Warning, SH.Info)):
            return "true"
        g = self.g
        terms: list[str] = []
        path = shapes.path(shape)
        if path is None:
            terms += [self.value_test(shape, p, o, node) for p, o in self._constraints(shape)]
            terms += [self.conforms(p, node, strict) for p in g.objects(shape, SH.property)]
            return "(" + " && ".join(t for t in terms if t) + ")" if terms else "true"
        step = sparql_path(g, path)
        for p, o in self._constraints(shape):
            if p in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang, SH.hasValue):
                terms.append(self.set_test(shape, p, o, node, step))
            else:
                y = self.ctx.var("y")
                terms.append(f"NOT EXISTS {{ {node} {step} {y} . FILTER(!({self.value_test(shape, p, o, y)})) }}")
        for prop in g.objects(shape, SH.property):
            y = self.ctx.var("y")
            terms.append(f"NOT EXISTS {{ {node} {step} {y} . FILTER(!({self.conforms(prop, y, strict)})) }}")
        return "(" + " && ".join(terms) + ")" if terms else "true"

    def _constraints(self, shape: Node) -> list[tuple[URIRef, Node]]:
        # the keys of COMPONENTS are IRIs: a predicate found there is a URIRef
        return sorted(((cast(URIRef, p), o) for p, o in self.g.predicate_objects(shape) if p in COMPONENTS), key=str)

    def value_test(self, shape: Node, p: URIRef, o: Node, v: str) -> str:
        """SPARQL boolean: the value node `v` passes the value-level constraint (p, o)."""
        g, checks = self.g, self.ctx.checks
        if p == SH["class"]:
            return f"EXISTS {{ {self.instance_of(v, [o])} }}"
        if p == SH.nodeKind:
            kinds: dict[Node, str] = {
                SH.IRI: "isIRI({v})", SH.BlankNode: "isBLANK({v})", SH.Literal: "isLITERAL({v})",
                SH.BlankNodeOrIRI: "(isIRI({v}) || isBLANK({v}))",
                SH.BlankNodeOrLiteral: "(isBLANK({v}) || isLITERAL({v}))",
                SH.IRIOrLiteral: "(isIRI({v}) || isLITERAL({v}))",
            }
            return kinds[o].format(v=v) if o in kinds else "false"
        if p == SH.datatype:
            return f"{checks.register(lambda x, rule=o: datatype_matches(x, rule))}({v})"
        if p in RANGE:
            return f"{checks.register(lambda x, bound=o, kind=p: range_matches(x, cast(Literal, bound), kind))}({v})"
        if p in (SH.minLength, SH.maxLength):
            n = int(cast(Literal, o))
            test: Callable[..., bool]
            if p == SH.minLength:
                test = lambda x, n=n: n == 0 or (not isinstance(x, BNode) and len(value_string(x)) >= n)  # noqa: E731
            else:
                test = lambda x, n=n: not isinstance(x, BNode) and len(value_string(x)) <= n  # noqa: E731
            return f"{checks.register(test)}({v})"
        if p == SH.pattern:
            flags = 0
            for f in g.objects(shape, SH.flags):
                flags |= (re.I if "i" in str(f).lower() else 0) | (re.M if "m" in str(f).lower() else 0)
                break
            value = cast(Literal, o).value
            text = str(value) if value is not None and len(value) > 1 else str(o)
            matcher = re.compile(text, flags)
            test = lambda x, m=matcher: not isinstance(x, BNode) and bool(  # noqa: E731
                m.match(value_string(x)) or m.search(value_string(x)))
            return f"{checks.register(test)}({v})"
        if p == SH.languageIn:
            languages = {str(cast(Literal, x).value).lower() for x in items(g, o)}
            return f"{checks.register(lambda x, langs=languages: language_matches(x, langs))}({v})"
        if p == SH.hasValue:
            return f"sameTerm({v}, {term(o)})"
        if p == SH["in"]:
            members = items(g, o)
            return "(" + " || ".join(f"sameTerm({v}, {term(m)})" for m in members) + ")" if members else "false"
        if p == SH["or"]:
            return "(" + " || ".join(self.conforms(s, v) for s in items(g, o)) + ")"
        if p == SH["and"]:
            return "(" + " && ".join(self.conforms(s, v) for s in items(g, o)) + ")"
        if p == SH.xone:
            count = " + ".join(f"IF({self.conforms(s, v)}, 1, 0)" for s in items(g, o))
            return f"(({count}) = 1)"
        if p == SH["not"]:
            return f"(!{self.conforms(o, v)})"
        if p == SH.node:
            return self.conforms(o, v, strict=True)
        if p == SH.qualifiedValueShape:
            return "true"  # pyshacl ignores qualified counts on node shapes
        raise UnsupportedShapes([f"{name(g, p)} (on {name(g, shape)})"])

    def set_test(self, shape: Node, p: URIRef, o: Node, node: str, step: str | None) -> str:
        """SPARQL boolean for a constraint on the set of values (counts, hasValue, uniqueLang)."""
        def values(k: int, condition: Callable[[str], str] | None = None) -> str:
            ys = [self.ctx.var("y") for _ in range(k)]
            if step is None:
                patterns = " ".join(f"BIND({node} AS {y})" for y in ys)
            else:
                patterns = " ".join(f"{node} {step} {y} ." for y in ys)
            distinct = [f"!sameTerm({a}, {b})" for i, a in enumerate(ys) for b in ys[i + 1:]]
            conditions = distinct + ([condition(y) for y in ys] if condition else [])
            return patterns + (f" FILTER({' && '.join(conditions)})" if conditions else "")

        if p == SH.minCount:
            k = int(cast(Literal, o))
            return "true" if k == 0 else f"EXISTS {{ {values(k)} }}"
        if p == SH.maxCount:
            return f"NOT EXISTS {{ {values(int(cast(Literal, o)) + 1)} }}"
        if p == SH.hasValue:
            y = self.ctx.var("y")
            pattern = f"BIND({node} AS {y})" if step is None else f"{node} {step} {y} ."
            return f"EXISTS {{ {pattern} FILTER(sameTerm({y}, {term(o)})) }}"
        if p == SH.uniqueLang:
            if not (isinstance(o, Literal) and o.value is True):
                return "true"
            a, b = self.ctx.var("y"), self.ctx.var("y")
            pattern = f"{node} {step} {a} . {node} {step} {b} ." if step else f"BIND({node} AS {a}) BIND({node} AS {b})"
            return (f"NOT EXISTS {{ {pattern} FILTER(!sameTerm({a}, {b}) && LANG({a}) != \"\" "
                    f"&& LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
        if p == SH.qualifiedValueShape:
            tests = []
            conforming = lambda y, q=o: self.conforms(q, y)  # noqa: E731
            for m in self.g.objects(shape, SH.qualifiedMinCount):
                if int(cast(Literal, m)) > 0:
                    tests.append(f"EXISTS {{ {values(int(cast(Literal, m)), conforming)} }}")
            for m in self.g.objects(shape, SH.qualifiedMaxCount):
                tests.append(f"NOT EXISTS {{ {values(int(cast(Literal, m)) + 1, conforming)} }}")
            return "(" + " && ".join(tests) + ")" if tests else "true"
        raise UnsupportedShapes([f"{name(self.g, p)} (on {name(self.g, shape)})"])

