"""SHACL validation on a pyoxigraph store, with the findings of `validation.validate()` (pyshacl).

pyshacl evaluates every constraint focus node by focus node in Python over an
rdflib graph: about 3 minutes for 100 000 triples, half an hour for a million.
`validate_store()` compiles the shapes instead: each constraint of each shape
becomes one SPARQL query over the store that returns only the violating
(focus node, value) pairs, for all focus nodes at once.

- **Data graph**: the store's default graph (the asserted data) plus the
  vocabulary, copied for the duration into a scratch graph; queries see both
  as their default graph, as pyshacl sees the data graph with the vocabulary
  mixed in (`inference="none"`).
- **Targets** (sh:targetClass with the subclasses of the data graph,
  sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf) become a SELECT
  DISTINCT of focus nodes; **paths** (predicate, inverse, sequence,
  alternative, zero-or-more, one-or-more, zero-or-one) become SPARQL property
  paths.
- **Structure** (sh:class, sh:nodeKind, sh:hasValue, sh:in, counts,
  sh:uniqueLang, qualified counts) is plain SPARQL; **literal checks**
  (sh:datatype, sh:pattern, sh:languageIn, sh:minLength/maxLength,
  sh:min/maxInclusive/Exclusive, sh:lessThan) call back into Python for each
  value, with pyshacl's own rules (rdflib's ill-typed literals, Python `re`,
  pyshacl's literal comparison), so that a literal passes or fails exactly as
  it does in pyshacl.
- **Shapes inside shapes** (sh:or, sh:and, sh:not, sh:xone, sh:node,
  sh:qualifiedValueShape, sh:property of a nested shape) compile to one SPARQL
  boolean expression "this node conforms"; `sh:property` of a targeted shape
  validates the linked property shape on the same focus nodes, as pyshacl does.
- **SHACL-SPARQL** constraints (sh:sparql with sh:select) run as written, with
  `$this` joined to the shape's focus nodes at the start of the WHERE clause
  (pyshacl pre-binds it; for the queries SHACL allows, without MINUS, VALUES,
  SERVICE or subqueries, the two agree). A top-level `FILTER NOT EXISTS { P }`
  that is equivalent to `MINUS { P }` (P: triple patterns and FILTERs on its
  own variables, sharing $this) is run as MINUS: pyoxigraph evaluates NOT EXISTS
  over several patterns without using the outer bindings (oxigraph issue #885),
  80 s instead of 0.05 s for scosh:EvidenceShape on 100 000 triples.

Messages, severities, sh:value, sh:resultPath, sh:sourceShape and the
constraint component of each result are pyshacl's, including its generic
messages when a shape has no sh:message and the nested results pyshacl lists
under a failed sh:node. Known differences: sh:value is the store's spelling of
a literal (`"110.0"^^xsd:decimal` is `110`, integer subtypes are xsd:integer);
SHACL-SPARQL runs on oxigraph's SPARQL engine, which follows the specification
where rdflib's does not (in rdflib `"3" > 3` is true, in SPARQL 1.1 an error);
pyshacl's generic message of sh:in lists the values in set order, which varies
from run to run, here in list order. Every SHACL term of the shapes graph
is either implemented here or refused: `check_shapes` raises UnsupportedShapes
for anything else (sh:closed, sh:equals, SHACL-AF targets and rules...), so a
new shape is never silently skipped. tests/test_shape_queries.py proves the
equivalence with pyshacl on the real data and every fixture of tests/fixtures/shapes.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from pyshacl.rdfutil.stringify import stringify_node
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from spacecoop.errors import BuildError
from spacecoop.rdf.terms import to_oxigraph, to_rdflib
from spacecoop.build.validate.reference import Finding, ValidationResult

SCRATCH = "urn:spacecoop:scratch:shapes:"
VOCABULARY = ox.NamedNode(SCRATCH + "vocabulary")
FN = SCRATCH + "fn:"
_XSD_BOOLEAN = ox.NamedNode(str(XSD.boolean))
_TRUE, _FALSE = ox.Literal("true", datatype=_XSD_BOOLEAN), ox.Literal("false", datatype=_XSD_BOOLEAN)
# A term of a pyoxigraph query solution (what the SPARQL custom functions take and return).
_OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

# --- What the shapes may use -------------------------------------------------------------------

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Constraint parameters with an implementation here (the components pyshacl runs for them).
COMPONENTS: dict[URIRef, str] = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH.qualifiedValueShape: "QualifiedValueShapeConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
# Parameters that only qualify another one, and what describes a shape without constraining.
AUXILIARY = {SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
DESCRIPTIVE = {
    SH.path, SH.property, SH.message, SH.severity, SH.deactivated, SH.name, SH.description,
    SH.order, SH.group, SH.defaultValue, *TARGETS,
}
# Constraints that are only implemented on targeted shapes (not inside sh:or, sh:node...).
TOP_LEVEL_ONLY = {SH.lessThan, SH.sparql}
# pyshacl refuses these more than once on a shape, or on a node shape.
SINGLE_VALUED = (SH.datatype, SH.nodeKind, SH.minLength, SH.maxLength, SH.languageIn, SH.uniqueLang,
                 SH.minCount, SH.maxCount, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.flags)
PROPERTY_SHAPE_ONLY = (SH.minCount, SH.maxCount, SH.uniqueLang, SH.lessThan)
_RANGE: dict[URIRef, Callable[[int], bool]] = {
    SH.minInclusive: lambda c: c >= 0, SH.minExclusive: lambda c: c > 0,
    SH.maxInclusive: lambda c: c <= 0, SH.maxExclusive: lambda c: c < 0,
}
_PATH_KINDS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)
_MAX_NESTED_COUNT = 3  # counts inside nested shapes are spelled out as that many distinct values


class UnsupportedShapes(BuildError):
    """The shapes use SHACL that shape_queries.py does not implement."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "SHACL validation (spacecoop.build.validate.shape_queries) does not implement:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nimplement it in src/spacecoop/shape_queries.py (and prove it in tests/test_shape_queries.py) "
            "or express the shape with what is implemented; `--engine reference` runs owlrl and pyshacl instead"
        )
        self.problems = problems


# --- The shapes graph ---------------------------------------------------------------------------


def _items(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def _name(graph: Graph, node: object) -> str:
    try:
        return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)
    except Exception:  # noqa: BLE001 - only for messages
        return str(node)


class Shapes:
    """The shapes graph, read as pyshacl reads it (which nodes are shapes, which are targeted)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        g = graph
        found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        for p in (*TARGETS, SH.property, SH.node, SH.target):
            found |= set(g.subjects(p, None))
        for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            found |= set(g.objects(None, p))
        for p in (SH["and"], SH["or"], SH.xone):
            for head in g.objects(None, p):
                found |= set(_items(g, head))
        self.all = found
        self.targeted = {s for s in found if any((s, t, None) in g for t in TARGETS)}

    def path(self, shape: Node) -> Node | None:
        return self.graph.value(shape, SH.path)

    def severity(self, shape: Node) -> Node:
        return self.graph.value(shape, SH.severity) or SH.Violation

    def deactivated(self, shape: Node) -> bool:
        value = self.graph.value(shape, SH.deactivated)
        return isinstance(value, Literal) and value.value is True

    def messages(self, node: Node) -> list[Literal]:
        return list(cast(Iterator[Literal], self.graph.objects(node, SH.message)))

    def nested(self, shape: Node) -> Iterator[Node]:
        """The shapes this shape's constraints refer to (not sh:property)."""
        g = self.graph
        for p in (SH["and"], SH["or"], SH.xone):
            for head in g.objects(shape, p):
                yield from _items(g, head)
        for p in (SH["not"], SH.node, SH.qualifiedValueShape):
            yield from g.objects(shape, p)


def _sparql_problems(query: str) -> list[str]:
    text = re.sub(r'"""(?:.|\n)*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*', " ", query)
    problems = []
    for keyword in ("MINUS", "SERVICE", "VALUES", "GROUP", "HAVING"):
        if re.search(rf"(?<![\w:]){keyword}\b", text, flags=re.I):
            problems.append(keyword)
    if len(re.findall(r"(?<![\w:])SELECT\b", text, flags=re.I)) != 1:
        problems.append("a subquery")
    if re.search(r"[$?]shapesGraph\b", text):
        problems.append("$shapesGraph")
    if not re.search(r"[$?]this\b", text):
        problems.append("no $this")
    return problems


def check_shapes(shapes: Graph) -> Shapes:
    """Refuse shapes that use anything shape_queries.py does not implement."""
    model = Shapes(shapes)
    g = shapes
    problems: set[str] = set()
    nested: set[Node] = set()
    stack = [n for s in model.all for n in model.nested(s)]
    while stack:
        node = stack.pop()
        if node not in nested:
            nested.add(node)
            stack.extend(model.nested(node))
            stack.extend(g.objects(node, SH.property))
    for shape in model.all:
        where = _name(g, shape)
        for p, _o in g.predicate_objects(shape):
            if str(p).startswith(str(SH)) and p not in COMPONENTS and p not in AUXILIARY and p not in DESCRIPTIVE:
                problems.add(f"{_name(g, p)} (on {where})")
            if shape in nested and p in TOP_LEVEL_ONLY:
                problems.add(f"{_name(g, p)} inside another shape (on {where})")
        for p in SINGLE_VALUED:
            if len(set(g.objects(shape, p))) > 1:
                problems.add(f"more than one {_name(g, p)} (on {where})")
        if model.path(shape) is None:
            for p in PROPERTY_SHAPE_ONLY:
                if (shape, p, None) in g:
                    problems.add(f"{_name(g, p)} on a node shape ({where})")
        for p in (SH.targetClass, SH.targetNode, SH["class"], SH.hasValue, SH.lessThan, SH.targetSubjectsOf,
                  SH.targetObjectsOf):
            for value in g.objects(shape, p):
                if isinstance(value, BNode):
                    problems.add(f"a blank node as {_name(g, p)} (on {where})")
        for head in g.objects(shape, SH["in"]):
            if any(isinstance(m, BNode) for m in _items(g, head)):
                problems.add(f"a blank node in sh:in (on {where})")
        if (shape, SH.target, None) in g:
            problems.add(f"sh:target (SHACL-AF targets, on {where})")
        if set(g.objects(shape, RDF.type)) & {RDFS.Class, SH.NodeShape} == {RDFS.Class, SH.NodeShape} or (
            shape, RDF.type, RDFS.Class
        ) in g:
            problems.add(f"implicit class targets (the shape {where} is an rdfs:Class)")
        for value in g.objects(shape, SH.qualifiedValueShapesDisjoint):
            if isinstance(value, Literal) and value.value is True:
                problems.add(f"sh:qualifiedValueShapesDisjoint true (on {where})")
        path = model.path(shape)
        if path is not None:
            problems |= {f"{p} (in the path of {where})" for p in _path_problems(g, path)}
        for constraint in g.objects(shape, SH.sparql):
            if (constraint, SH.ask, None) in g:
                problems.add(f"sh:ask in a SPARQL constraint (SPARQL-based constraint components; on {where})")
            elif (constraint, SH.select, None) not in g:
                problems.add(f"a SPARQL constraint without sh:select (on {where})")
            for query in g.objects(constraint, SH.select):
                for problem in _sparql_problems(str(query)):
                    problems.add(f"{problem} in the SPARQL constraint of {where}")
        if shape in nested:
            for p in (SH.minCount, SH.qualifiedMinCount):
                for value in g.objects(shape, p):
                    if isinstance(value, Literal) and int(value) > _MAX_NESTED_COUNT:
                        problems.add(f"{_name(g, p)} above {_MAX_NESTED_COUNT} inside another shape (on {where})")
            for p in (SH.maxCount, SH.qualifiedMaxCount):
                for value in g.objects(shape, p):
                    if isinstance(value, Literal) and int(value) >= _MAX_NESTED_COUNT:
                        problems.add(f"{_name(g, p)} of {_MAX_NESTED_COUNT} or more inside another shape (on {where})")
    if problems:
        raise UnsupportedShapes(sorted(problems))
    return model


def _path_problems(g: Graph, path: Node) -> list[str]:
    if isinstance(path, URIRef):
        return []
    if isinstance(path, Literal):
        return ["a literal path"]
    members = _items(g, path) if (path, RDF.first, None) in g else None
    if members is not None:
        return [p for m in members for p in _path_problems(g, m)]
    for kind in _PATH_KINDS:
        value = g.value(path, kind)
        if value is not None:
            if kind == SH.alternativePath:
                return [p for m in _items(g, value) for p in _path_problems(g, m)]
            return _path_problems(g, value)
    return ["an unknown path form"]


def sparql_path(g: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in g:
        return "(" + " / ".join(sparql_path(g, m) for m in _items(g, path)) + ")"
    if (value := g.value(path, SH.inversePath)) is not None:
        return f"(^{sparql_path(g, value)})"
    if (value := g.value(path, SH.alternativePath)) is not None:
        return "(" + " | ".join(sparql_path(g, m) for m in _items(g, value)) + ")"
    for kind, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if (value := g.value(path, kind)) is not None:
            return f"({sparql_path(g, value)}){suffix}"
    raise UnsupportedShapes([f"the path {path}"])


# --- Literal checks, with pyshacl's rules ------------------------------------------------------


def _rdflib(term: object) -> URIRef | BNode | Literal:
    return to_rdflib(term)


def _datatype_matches(v: object, rule: Node) -> bool:
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


def _value_string(v: object) -> str:
    """StringBasedConstraintBase.value_node_to_string."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _range_matches(v: object, bound: Literal, parameter: URIRef) -> bool:
    """Min/MaxInclusive/ExclusiveConstraintComponent, for one value node."""
    if not isinstance(v, Literal):
        return False
    bound_is_string, v_is_string = isinstance(bound.value, str), isinstance(v.value, str)
    if bound_is_string != v_is_string:
        return False
    try:
        return _RANGE[parameter](compare_literal(v, bound))  # type: ignore[no-untyped-call]
    except (TypeError, NotImplementedError):
        return False  # values that cannot be compared do not conform: pyshacl's value_range_constraints


def _language_matches(v: object, languages: set[str]) -> bool:
    """LanguageInConstraintComponent, for one value node."""
    if not isinstance(v, Literal) or not v.language:
        return False
    lang = str(v.language).lower()
    return "*" in languages or lang in languages or lang.split("-")[0] in languages


def _less_than(v: object, c: object) -> bool:
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
        self.functions: dict[ox.NamedNode, Callable[..., _OxTerm | None]] = {}
        self._tests: list[Callable[..., bool]] = []
        self.calls = 0

    def register(self, test: Callable[..., bool]) -> str:
        """A SPARQL function name for `test(value node)`; use as `<name>(?value)`."""
        index = len(self._tests)
        self._tests.append(test)
        cache: dict[object, ox.Literal] = {}

        def function(term: object) -> ox.Literal:
            self.calls += 1
            found = cache.get(term)
            if found is None:
                try:
                    found = _TRUE if test(_rdflib(term)) else _FALSE
                except Exception:  # noqa: BLE001 - as pyshacl: a value that cannot be checked fails
                    found = _FALSE
                cache[term] = found
            return found

        name = ox.NamedNode(f"{FN}{index}")
        self.functions[name] = function
        return str(name)


# --- Results ------------------------------------------------------------------------------------


@dataclass
class Result:
    """One validation result, with the terms (for the report graph) as well as the Finding."""

    severity: Node
    focus: Node  # rdflib term
    path: Node | None
    value: Node | None
    message: Literal | None  # as pyshacl writes it: sh:message with its language, substituted ones plain
    shape: Node
    component: URIRef
    constraint: Node | None = None

    def finding(self) -> Finding:
        return Finding(
            severity=str(self.severity).rsplit("#", 1)[-1],
            focus=str(self.focus),
            path=str(self.path) if self.path is not None else None,
            value=str(self.value) if self.value is not None else None,
            message=str(self.message) if self.message is not None else "",
            shape=str(self.shape),
            component=str(self.component).rsplit("#", 1)[-1],
        )


def _shown(graph: Graph | None, node: Node) -> str:
    """pyshacl's stringify_node, on the shapes graph or (None) on the data graph."""
    return stringify_node(graph if graph is not None else Graph(), node)


# --- The compiler -------------------------------------------------------------------------------


@dataclass
class Context:
    store: ox.Store
    shapes: Shapes
    checks: Checks
    subclasses: dict[Node, set[Node]]
    results: list[Result] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    _fresh: int = 0

    def var(self, base: str = "v") -> str:
        self._fresh += 1
        return f"?{base}{self._fresh}"

    def select(self, query: str, label: str = "") -> list[dict[str, _OxTerm]]:
        """The solutions of a SELECT on the data graph, as {variable name: term} (unbound left out)."""
        start = time.perf_counter()
        solutions = cast(ox.QuerySolutions, self.store.query(
            query, default_graph=[ox.DefaultGraph(), VOCABULARY], custom_functions=self.checks.functions
        ))
        names = [v.value for v in solutions.variables]
        rows = [{n: t for n, t in zip(names, row, strict=False) if t is not None} for row in solutions]
        if label:
            self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - start
        return rows


class Compiler:
    """Shapes to SPARQL: focus nodes, value nodes, violations and conformance expressions."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.g = ctx.shapes.graph

    # Focus and value nodes ---------------------------------------------------------------------

    def instance_of(self, node: str, classes: Iterable[Node]) -> str:
        """A SPARQL pattern: `node` is an instance of one of `classes` or of their subclasses."""
        every = set().union(*(self.ctx.subclasses.get(c, {c}) for c in classes))
        if any(isinstance(c, BNode) for c in every):  # blank nodes cannot be written into VALUES
            return " UNION ".join(f"{{ {node} a/<{RDFS.subClassOf}>* {_term(c)} }}" for c in classes)
        t = self.ctx.var("t")
        return f"{node} a {t} . VALUES {t} {{ {' '.join(_term(c) for c in sorted(every, key=str))} }}"

    def targets(self, shape: Node) -> str:
        """SELECT DISTINCT ?this: the shape's focus nodes."""
        g = self.g
        parts = []
        classes = set(g.objects(shape, SH.targetClass))
        if classes:
            parts.append(f"{{ {self.instance_of('?this', classes)} }}")
        nodes = list(g.objects(shape, SH.targetNode))
        if nodes:
            parts.append(f"{{ VALUES ?this {{ {' '.join(_term(n) for n in nodes)} }} }}")
        for p in g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {_term(p)} ?any }}")
        for p in g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ ?any {_term(p)} ?this }}")
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
            return f"{checks.register(lambda x, rule=o: _datatype_matches(x, rule))}({v})"
        if p in _RANGE:
            return f"{checks.register(lambda x, bound=o, kind=p: _range_matches(x, cast(Literal, bound), kind))}({v})"
        if p in (SH.minLength, SH.maxLength):
            n = int(cast(Literal, o))
            test: Callable[..., bool]
            if p == SH.minLength:
                test = lambda x, n=n: n == 0 or (not isinstance(x, BNode) and len(_value_string(x)) >= n)  # noqa: E731
            else:
                test = lambda x, n=n: not isinstance(x, BNode) and len(_value_string(x)) <= n  # noqa: E731
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
                m.match(_value_string(x)) or m.search(_value_string(x)))
            return f"{checks.register(test)}({v})"
        if p == SH.languageIn:
            languages = {str(cast(Literal, x).value).lower() for x in _items(g, o)}
            return f"{checks.register(lambda x, langs=languages: _language_matches(x, langs))}({v})"
        if p == SH.hasValue:
            return f"sameTerm({v}, {_term(o)})"
        if p == SH["in"]:
            members = _items(g, o)
            return "(" + " || ".join(f"sameTerm({v}, {_term(m)})" for m in members) + ")" if members else "false"
        if p == SH["or"]:
            return "(" + " || ".join(self.conforms(s, v) for s in _items(g, o)) + ")"
        if p == SH["and"]:
            return "(" + " && ".join(self.conforms(s, v) for s in _items(g, o)) + ")"
        if p == SH.xone:
            count = " + ".join(f"IF({self.conforms(s, v)}, 1, 0)" for s in _items(g, o))
            return f"(({count}) = 1)"
        if p == SH["not"]:
            return f"(!{self.conforms(o, v)})"
        if p == SH.node:
            return self.conforms(o, v, strict=True)
        if p == SH.qualifiedValueShape:
            return "true"  # pyshacl ignores qualified counts on node shapes
        raise UnsupportedShapes([f"{_name(g, p)} (on {_name(g, shape)})"])

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
            return f"EXISTS {{ {pattern} FILTER(sameTerm({y}, {_term(o)})) }}"
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
        raise UnsupportedShapes([f"{_name(self.g, p)} (on {_name(self.g, shape)})"])

    # Violations of a targeted shape -------------------------------------------------------------

    def validate(self, shape: Node, focus: str) -> None:
        """Every result of `shape` for the focus nodes of the SELECT `focus` (binding ?this)."""
        shapes = self.ctx.shapes
        if shapes.deactivated(shape):
            return
        g = self.g
        label = _name(g, shape)
        for p, o in self._constraints(shape):
            if p == SH.qualifiedValueShape and shapes.path(shape) is None:
                continue  # pyshacl ignores qualified counts on node shapes
            if p == SH.sparql:
                self.sparql(shape, o, focus, label)
            elif p in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang):
                self.set_constraint(shape, p, o, focus, label)
            elif p == SH.hasValue:
                self.has_value(shape, o, focus, label)
            elif p == SH.lessThan:
                self.less_than(shape, o, focus, label)
            else:
                self.value_constraint(shape, p, o, focus, label)
                if p == SH.node:
                    # pyshacl nests the node shape's own results under each failure (sh:detail);
                    # validation.validate() lists them as findings too.
                    failing = (f"SELECT DISTINCT ?this WHERE {{ "
                               f"{{ SELECT (?this AS ?parent) WHERE {{ {{ {focus} }} }} }} "
                               f"{self.value_pattern(shape, '?parent', '?this')} "
                               f"FILTER(!({self.conforms(o, '?this', strict=True)})) }}")
                    self.validate(o, failing)
        for prop in g.objects(shape, SH.property):
            if shapes.path(shape) is None:
                inner = focus
            else:
                inner = (f"SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS ?parent) WHERE {{ {{ {focus} }} }} }} "
                         f"?parent {sparql_path(g, cast(Node, shapes.path(shape)))} ?this }}")
            self.validate(prop, inner)

    def result(self, shape: Node, component: str, focus: _OxTerm, value: _OxTerm | None, *,
               path: Node | None = None, messages: list[Literal] | None = None, constraint: Node | None = None,
               bound: Mapping[str, Node] | None = None, generic: Callable[..., str] | None = None) -> None:
        shapes = self.ctx.shapes
        shape_path = shapes.path(shape)
        own = shapes.messages(shape)
        extra = [m for m in (messages or []) if m not in own]
        texts = [*extra, *own]
        if bound is not None:
            texts = [Literal(_substitute(str(t), bound)) for t in texts]
        if not texts and generic is not None:
            texts = [Literal(generic())]
        self.ctx.results.append(Result(
            severity=shapes.severity(shape),
            focus=_rdflib(focus),
            path=path if path is not None else shape_path,
            value=_rdflib(value) if value is not None else None,
            message=texts[0] if texts else None,
            shape=shape,
            component=SH[component],
            constraint=constraint,
        ))

    def value_constraint(self, shape: Node, p: URIRef, rule: Node, focus: str, label: str) -> None:
        """A constraint on each value node: the values that fail it."""
        test = self.value_test(shape, p, rule, "?value")
        query = (f"SELECT DISTINCT ?this ?value WHERE {{ {{ {focus} }} {self.value_pattern(shape, '?this', '?value')} "
                 f"FILTER(!({test})) }}")
        for row in self.ctx.select(query, label):
            self.result(shape, COMPONENTS[p], row["this"], row["value"],
                        generic=lambda v=row["value"], f=row["this"]: self.generic(shape, p, rule, f, v))

    def has_value(self, shape: Node, h: Node, focus: str, label: str) -> None:
        values = self.value_pattern(shape, "?this", "?value")
        query = (f"SELECT ?this WHERE {{ {{ {focus} }} "
                 f"FILTER NOT EXISTS {{ {values} FILTER(sameTerm(?value, {_term(h)})) }} }}")
        for row in self.ctx.select(query, label):
            self.result(shape, COMPONENTS[SH.hasValue], row["this"], None,
                        generic=lambda f=row["this"]: self.generic(shape, SH.hasValue, h, f, None))

    def set_constraint(self, shape: Node, p: URIRef, o: Node, focus: str, label: str) -> None:
        g = self.g
        path = self.ctx.shapes.path(shape)
        values = self.value_pattern(shape, "?this", "?value")
        if p == SH.minCount:
            n = int(cast(Literal, o))
            if n == 0:
                return
            query = (f"SELECT ?this WHERE {{ {{ {focus} }} OPTIONAL {{ {values} }} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
            if n == 1:
                query = f"SELECT ?this WHERE {{ {{ {focus} }} FILTER NOT EXISTS {{ {values} }} }}"
            for row in self.ctx.select(query, label):
                self.result(shape, COMPONENTS[p], row["this"], None,
                            generic=lambda f=row["this"]: self.generic(shape, p, o, f, None))
        elif p == SH.maxCount:
            query = (f"SELECT ?this WHERE {{ {{ {focus} }} {values} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(cast(Literal, o))})")
            for row in self.ctx.select(query, label):
                self.result(shape, COMPONENTS[p], row["this"], None,
                            generic=lambda f=row["this"]: self.generic(shape, p, o, f, None))
        elif p == SH.uniqueLang:
            if not (isinstance(o, Literal) and o.value is True) or path is None:
                return
            query = (f"SELECT ?this ?lang WHERE {{ {{ {focus} }} {values} "
                     f"FILTER(isLITERAL(?value) && LANG(?value) != \"\") "
                     f"BIND(LCASE(LANG(?value)) AS ?lang) }} GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)")
            for row in self.ctx.select(query, label):
                self.result(shape, COMPONENTS[p], row["this"], None,
                            generic=lambda: "More than one String shares the same Language")
        elif p == SH.qualifiedValueShape:
            if path is None:
                return
            for q in g.objects(shape, SH.qualifiedValueShape):
                if q != o:
                    continue
                minimum = next((int(cast(Literal, m)) for m in g.objects(shape, SH.qualifiedMinCount)), None)
                maximum = next((int(cast(Literal, m)) for m in g.objects(shape, SH.qualifiedMaxCount)), None)
                step = sparql_path(g, path)
                query = (f"SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {{ {focus} }} "
                         f"OPTIONAL {{ ?this {step} ?value . FILTER({self.conforms(q, '?value')}) }} }} GROUP BY ?this")
                conditions = []
                if minimum is not None:
                    conditions.append(f"COUNT(DISTINCT ?value) < {minimum}")
                if maximum is not None:
                    conditions.append(f"COUNT(DISTINCT ?value) > {maximum}")
                query += f" HAVING ({' || '.join(conditions)})"
                for row in self.ctx.select(query, label):
                    n = int(cast(ox.Literal, row["n"]).value)
                    # called at once by self.result, within this iteration of q
                    generic = lambda: self.generic(shape, p, q, None, None)  # noqa: E731, B023
                    if maximum is not None and n > maximum:
                        self.result(shape, "QualifiedMaxCountConstraintComponent", row["this"], None, generic=generic)
                    if minimum is not None and n < minimum:
                        self.result(shape, "QualifiedMinCountConstraintComponent", row["this"], None, generic=generic)

    def less_than(self, shape: Node, other: Node, focus: str, label: str) -> None:
        for compared in self.g.objects(shape, SH.lessThan):
            if compared != other:
                continue
            query = (f"SELECT DISTINCT ?this ?value ?compare WHERE {{ {{ {focus} }} "
                     f"{self.value_pattern(shape, '?this', '?value')} ?this {_term(compared)} ?compare }}")
            for row in self.ctx.select(query, label):
                value, compare = _rdflib(row["value"]), _rdflib(row["compare"])
                if not _less_than(value, compare):
                    self.result(shape, COMPONENTS[SH.lessThan], row["this"], row["value"],
                                generic=lambda f=row["this"], v=row["value"], c=compared:
                                self.generic(shape, SH.lessThan, c, f, v))

    def sparql(self, shape: Node, constraint: Node, focus: str, label: str) -> None:
        g = self.g
        if self.ctx.shapes.deactivated(constraint):
            return
        select = str(g.value(constraint, SH.select))
        prefixes = ""
        for declarer in g.objects(constraint, SH.prefixes):
            for declaration in g.objects(declarer, SH.declare):
                prefixes += f"PREFIX {g.value(declaration, SH.prefix)}: <{g.value(declaration, SH.namespace)}>\n"
        path = self.ctx.shapes.path(shape)
        if path is not None:
            select = re.sub(r"([\s{}()])\$PATH", lambda m: m.group(1) + sparql_path(g, path), select)
        select = re.sub(r"[$?]currentShape\b", _term(shape), select)
        where = cast("re.Match[str]", re.search(r"\bWHERE\s*\{", select, flags=re.I) or re.search(r"\{", select))
        query = prefixes + _minus_rewrite(select[:where.end()] + f" {{ {focus} }} " + select[where.end():])
        messages = list(cast(Iterator[Literal], g.objects(constraint, SH.message)))
        seen: set[tuple[object, ...]] = set()
        for row in self.ctx.select(query, label):
            bound = dict(row)
            this = bound.pop("this", None)
            failure = bound.pop("failure", None)
            result_path = bound.pop("path", None)
            value = bound.pop("value", None)
            if this is None:
                continue
            key = (this, result_path, value, tuple(sorted((k, str(v)) for k, v in bound.items())), failure is not None)
            if key in seen:
                continue
            seen.add(key)
            node_value = this if path is None else None
            variables = {k: _rdflib(v) for k, v in bound.items()}
            if failure is not None:
                self.result(shape, "SPARQLConstraintComponent", this, node_value, messages=messages,
                            constraint=constraint, bound=variables)
                continue
            variables.update({"this": _rdflib(this)})
            if result_path is not None:
                variables["path"] = _rdflib(result_path)
            shown_value = value if value is not None else node_value
            if shown_value is not None:
                variables["value"] = _rdflib(shown_value)
            self.result(shape, "SPARQLConstraintComponent", this, shown_value, messages=messages,
                        path=_rdflib(result_path) if result_path is not None else None,
                        constraint=constraint, bound=variables)

    # pyshacl's messages for shapes without sh:message ---------------------------------------

    def shown_data(self, node: object) -> str:
        """stringify_node on pyshacl's data graph: a blank node shows its triples."""
        term = _rdflib(node) if not isinstance(node, (URIRef, BNode, Literal)) else node
        graph = Graph()
        if isinstance(term, BNode):
            stack: list[ox.BlankNode]
            seen: set[ox.BlankNode]
            stack, seen = [cast(ox.BlankNode, to_oxigraph(term))], set()
            while stack and len(seen) < 1000:
                subject = stack.pop()
                if subject in seen:
                    continue
                seen.add(subject)
                for where in (ox.DefaultGraph(), VOCABULARY):
                    for quad in self.ctx.store.quads_for_pattern(subject, None, None, where):
                        graph.add((_rdflib(quad.subject), _rdflib(quad.predicate), _rdflib(quad.object)))
                        if isinstance(quad.object, ox.BlankNode):
                            stack.append(quad.object)
        return stringify_node(graph, term)

    def generic(self, shape: Node, p: URIRef, rule: Node, focus: object | None, value: object | None) -> str:
        g = self.g
        sg: Callable[[Node], str] = lambda n: _shown(g, n)  # noqa: E731
        data: Callable[[object], str] = lambda n: self.shown_data(n)  # noqa: E731
        path = self.ctx.shapes.path(shape)
        if p == SH["class"]:
            rules = list(g.objects(shape, SH["class"]))
            return (f"Value does not have class {sg(rules[0])}" if len(rules) < 2
                    else f"Value class is not in classes ({', '.join(sg(c) for c in rules)})")
        if p == SH.datatype:
            return f"Value is not Literal with datatype {sg(rule)}"
        if p == SH.nodeKind:
            return f"Value is not of Node Kind {sg(rule)}"
        if p == SH.minCount:
            return (f"Less than {cast(Literal, rule).value} values on {data(focus)}->{sg(path)}" if path is not None
                    else f"Less than {cast(Literal, rule).value} values on {data(focus)}")
        if p == SH.maxCount:
            return (f"More than {cast(Literal, rule).value} values on {data(focus)}->{sg(path)}" if path is not None
                    else f"More than {cast(Literal, rule).value} values on {data(focus)}")
        if p in _RANGE:
            op = {SH.minInclusive: ">=", SH.minExclusive: ">", SH.maxInclusive: "<=", SH.maxExclusive: "<"}[p]
            rules = list(g.objects(shape, p))
            return (f"Value is not {op} {sg(rules[0])}" if len(rules) < 2
                    else f"Value is not {op} in ({', '.join(sg(r) for r in rules)})")
        if p == SH.minLength:
            return f"String length not >= {data(rule)}"
        if p == SH.maxLength:
            return f"String length not <= {data(rule)}"
        if p == SH.pattern:
            rules = list(g.objects(shape, SH.pattern))
            return (f"Value does not match pattern '{cast(Literal, rules[0]).value}'" if len(rules) < 2
                    else "Value does not match every pattern in ('{}')".format(
                        "', '".join(str(cast(Literal, r).value) for r in rules)))
        if p == SH.languageIn:
            return f"String language is not in {sg(rule)}"
        if p == SH.lessThan:
            return f"Value of {data(focus)}->{sg(rule)} <= {data(value)}"
        if p == SH["in"]:
            listed = [stringify_node(g, m) for m in _items(g, rule)]
            return f"Value {data(value)} not in list {listed}"
        if p == SH.hasValue:
            the_set = [sg(h) for h in g.objects(shape, SH.hasValue)]
            return (f"Node {data(focus)}->{sg(path)} does not contain a value in the set: {the_set}" if path is not None
                    else f"Node {data(focus)} value is not a in the set of values: {the_set}")
        if p == SH["or"]:
            lists = list(g.objects(shape, SH["or"]))
            if len(lists) < 2:
                text = " , ".join(sg(m) for m in _items(g, lists[0]))
            else:
                text = " and ".join("(" + " , ".join(sg(m) for m in _items(g, lst)) + ")" for lst in lists)
            return f"Node {data(value)} must conform to one or more shapes in {text}"
        if p in (SH["and"], SH.xone):
            lists = list(g.objects(shape, p))
            if len(lists) < 2:
                text = " , ".join(sg(m) for m in _items(g, lists[0]))
            else:
                text = " and ".join("(" + " , ".join(sg(m) for m in _items(g, lst)) + ")" for lst in lists)
            quantity = "all shapes" if p == SH["and"] else "exactly one shape"
            return f"Node {data(value)} must conform to {quantity} in {text}"
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


_TOKEN = re.compile(
    r'(?P<string>"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}();,.]*)?|:[^\s{}();,.]*)"
    r"|(?P<open>[{(])|(?P<close>[})])"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)"
)
_NOT_IN_MINUS = {"OPTIONAL", "UNION", "MINUS", "BIND", "VALUES", "GRAPH", "SERVICE", "SELECT", "EXISTS", "NOT"}


_Token = tuple[str, str, int, int]  # (group name, text, start, end)


def _tokens(text: str) -> list[_Token]:
    # every alternative of _TOKEN is a named group and one of them always matches: lastgroup is set
    return [(cast(str, m.lastgroup), m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _matching(tokens: list[_Token], i: int) -> int:
    """The index of the token closing the bracket opened at tokens[i]."""
    depth = 0
    for j in range(i, len(tokens)):
        kind = tokens[j][0]
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced brackets")


def _minus_rewrite(query: str) -> str:
    """`FILTER NOT EXISTS { P }` at the top of the WHERE clause as `MINUS { P }` at its end,
    where the two are equivalent: P is triple patterns and FILTERs on P's own variables, and
    shares $this (always bound: the focus node) with the solutions it removes.

    pyoxigraph evaluates NOT EXISTS over several triple patterns row by row without using
    the row's bindings (oxigraph issue #885): minutes on 100 000 triples. MINUS is a hash
    anti-join. Anything else is left as written.
    """
    tokens = _tokens(query)
    code = [t for t in tokens if t[0] not in ("space", "comment")]
    start = next((i for i, t in enumerate(code) if t[0] == "word" and t[1].upper() == "WHERE"), None)
    if start is None or start + 1 >= len(code) or code[start + 1][1] != "{":
        return query
    end = _matching(code, start + 1)
    removals: list[tuple[int, int]] = []
    moved: list[str] = []
    i = start + 2
    while i < end:
        kind, text = code[i][0], code[i][1]
        if kind == "open":
            i = _matching(code, i) + 1
            continue
        if (kind == "word" and text.upper() == "FILTER" and i + 3 < end and code[i + 1][1].upper() == "NOT"
                and code[i + 2][1].upper() == "EXISTS" and code[i + 3][1] == "{"):
            close = _matching(code, i + 3)
            inner = code[i + 4:close]
            if _minus_safe(inner):
                removals.append((code[i][2], code[close][3]))
                moved.append(query[code[i + 3][2]:code[close][3]])
            i = close + 1
            continue
        i += 1
    if not removals:
        return query
    out, last = [], 0
    for a, b in removals:
        out.append(query[last:a])
        last = b
    closing = code[end][2]
    out.append(query[last:closing])
    out.append(" " + " ".join(f"MINUS {block}" for block in moved) + " ")
    out.append(query[closing:])
    return "".join(out)


def _minus_safe(inner: list[_Token]) -> bool:
    pattern_vars: set[str] = set()
    filter_vars: set[str] = set()
    i = 0
    while i < len(inner):
        kind, text = inner[i][0], inner[i][1]
        if kind == "open" and text == "{":
            return False
        if kind == "word" and text.upper() in _NOT_IN_MINUS:
            return False
        if kind == "word" and text.upper() == "FILTER":
            j = i + 1
            if j >= len(inner) or inner[j][1] != "(":
                return False  # FILTER EXISTS, FILTER regex(...) without brackets...
            close = _matching(inner, j)
            for t in inner[j:close + 1]:
                if t[0] == "word" and t[1].upper() in _NOT_IN_MINUS:
                    return False
                if t[0] == "var":
                    filter_vars.add(t[1][1:])
            i = close + 1
            continue
        if kind == "var":
            pattern_vars.add(text[1:])
        i += 1
    return "this" in pattern_vars and filter_vars <= pattern_vars


def _term(node: object) -> str:
    """An rdflib term in SPARQL syntax (the shapes' and the vocabulary's terms)."""
    return str(to_oxigraph(node))


def _substitute(message: str, variables: Mapping[str, object]) -> str:
    """pyshacl's {?var} / {$var} substitution in SPARQL constraint messages."""
    for var, val in variables.items():
        message = re.sub(f"{{[?$]{var}}}", str(val), message)
    return message


# --- Entry point ------------------------------------------------------------------------------


def _subclasses(store: ox.Store) -> dict[Node, set[Node]]:
    """Each class's subclasses (itself included) along rdfs:subClassOf in the data graph."""
    supers: dict[Node, set[Node]] = defaultdict(set)
    query = f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{RDFS.subClassOf}> ?super }}"
    for row in cast(ox.QuerySolutions, store.query(query, default_graph=[ox.DefaultGraph(), VOCABULARY])):
        supers[_rdflib(row["sub"])].add(_rdflib(row["super"]))
    subclasses: dict[Node, set[Node]] = defaultdict(set)
    for cls in list(supers):
        seen, stack = {cls}, [cls]
        while stack:
            for parent in supers.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        for parent in seen:
            subclasses[parent].add(cls)
    for cls in list(subclasses):
        subclasses[cls].add(cls)
    return subclasses


def drop_scratch(store: ox.Store) -> None:
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(SCRATCH):
            store.remove_graph(graph)


def validate_store(store: ox.Store, shapes: Graph, ontology: Graph) -> ValidationResult:
    """SHACL validation of the store's default graph (the asserted data) with the vocabulary
    mixed in: the findings of `validation.validate(asserted, shapes, ontology)`.

    Raises UnsupportedShapes when the shapes use SHACL that is not implemented here.
    The scratch graph `urn:spacecoop:scratch:shapes:vocabulary` is removed again.
    """
    model = check_shapes(shapes)
    # rdflib logs every ill-typed literal it converts; pyshacl's run logs them at parse time.
    quiet = logging.getLogger("rdflib.term")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    drop_scratch(store)
    try:
        store.extend(
            ox.Quad(cast("ox.NamedNode | ox.BlankNode", to_oxigraph(s)), cast(ox.NamedNode, to_oxigraph(p)),
                    to_oxigraph(o), VOCABULARY)
            for s, p, o in ontology
        )
        ctx = Context(store, model, Checks(), _subclasses(store))
        compiler = Compiler(ctx)
        for shape in sorted(model.targeted, key=str):
            compiler.validate(shape, compiler.targets(shape))
    finally:
        drop_scratch(store)
        quiet.setLevel(level)
    results = ctx.results
    findings = [r.finding() for r in results]
    findings.sort(key=lambda f: (f.severity, f.focus, f.shape, f.path or "", f.value or "", f.component, f.message))
    conforms = not any(f.severity == "Violation" for f in findings)
    return ValidationResult(conforms, report_graph(results, conforms, shapes), findings)


def report_graph(results: Iterable[Result], conforms: bool, shapes: Graph) -> Graph:
    """A SHACL validation report like pyshacl's (blank-node paths copied from the shapes)."""
    from pyshacl.rdfutil.clone import clone_blank_node

    report = Graph()
    report.bind("sh", SH)
    node = BNode()
    triples: list[tuple[Node, Node, Node]] = [
        (node, RDF.type, SH.ValidationReport), (node, SH.conforms, Literal(conforms))
    ]
    for r in results:
        result = BNode()
        triples += [
            (node, SH.result, result), (result, RDF.type, SH.ValidationResult),
            (result, SH.resultSeverity, r.severity), (result, SH.focusNode, r.focus),
            (result, SH.sourceShape, r.shape), (result, SH.sourceConstraintComponent, r.component),
        ]
        if r.message is not None:
            triples.append((result, SH.resultMessage, r.message))
        if r.value is not None:
            triples.append((result, SH.value, r.value))
        if r.path is not None:
            path = clone_blank_node(shapes, r.path, report, keepid=True) if isinstance(r.path, BNode) else r.path
            triples.append((result, SH.resultPath, path))
        if r.constraint is not None:
            constraint = r.constraint
            if isinstance(constraint, BNode):
                constraint = clone_blank_node(shapes, constraint, report, keepid=True)
            triples.append((result, SH.sourceConstraint, constraint))
        if isinstance(r.shape, BNode):
            clone_blank_node(shapes, r.shape, report, keepid=True)
    report.addN((s, p, o, report) for s, p, o in triples)
    return report
