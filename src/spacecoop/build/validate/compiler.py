"""The violations of a targeted shape: each constraint becomes one SPARQL query over the store that
returns only the violating (focus node, value) pairs, for all focus nodes at once, and each solution
a `Result` with pyshacl's message, severity, path and constraint component.

`sh:property` of a targeted shape validates the linked property shape on the same focus nodes, and
the node shape of a failed sh:node is validated on the failing values, as pyshacl does.
SHACL-SPARQL constraints (sh:sparql with sh:select) run as written, with `$this` joined to the
shape's focus nodes at the start of the WHERE clause (pyshacl pre-binds it; for the queries SHACL
allows, without MINUS, VALUES, SERVICE or subqueries, the two agree), after `minus_rewrite`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import cast

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from spacecoop.build.validate import literals
from spacecoop.build.validate.data_graph import SolutionTerm
from spacecoop.build.validate.expressions import Context, Expressions, term
from spacecoop.build.validate.messages import Messages, substitute
from spacecoop.build.validate.property_paths import sparql_path
from spacecoop.build.validate.report import Result
from spacecoop.build.validate.sparql_text import minus_rewrite
from spacecoop.build.validate.supported import COMPONENTS
from spacecoop.rdf.terms import to_rdflib


class Compiler(Expressions):
    """Shapes to SPARQL: the results of each targeted shape on its focus nodes."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.messages = Messages(ctx.shapes, ctx.store)

    def validate(self, shape: Node, focus: str) -> None:
        """Every result of `shape` for the focus nodes of the SELECT `focus` (binding ?this)."""
        shapes = self.ctx.shapes
        if shapes.deactivated(shape):
            return
        g = self.g
        for p, o in self._constraints(shape):
            if p == SH.qualifiedValueShape and shapes.path(shape) is None:
                continue  # pyshacl ignores qualified counts on node shapes
            if p == SH.sparql:
                self.sparql(shape, o, focus)
            elif p in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang):
                self.set_constraint(shape, p, o, focus)
            elif p == SH.hasValue:
                self.has_value(shape, o, focus)
            elif p == SH.lessThan:
                self.less_than(shape, o, focus)
            else:
                self.value_constraint(shape, p, o, focus)
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

    def result(self, shape: Node, component: str, focus: SolutionTerm, value: SolutionTerm | None, *,
               path: Node | None = None, messages: list[Literal] | None = None, constraint: Node | None = None,
               bound: Mapping[str, Node] | None = None, generic: Callable[..., str] | None = None) -> None:
        shapes = self.ctx.shapes
        shape_path = shapes.path(shape)
        own = shapes.messages(shape)
        extra = [m for m in (messages or []) if m not in own]
        texts = [*extra, *own]
        if bound is not None:
            texts = [Literal(substitute(str(t), bound)) for t in texts]
        if not texts and generic is not None:
            texts = [Literal(generic())]
        self.ctx.results.append(Result(
            severity=shapes.severity(shape),
            focus=to_rdflib(focus),
            path=path if path is not None else shape_path,
            value=to_rdflib(value) if value is not None else None,
            message=texts[0] if texts else None,
            shape=shape,
            component=SH[component],
            constraint=constraint,
        ))

    def value_constraint(self, shape: Node, p: URIRef, rule: Node, focus: str) -> None:
        """A constraint on each value node: the values that fail it."""
        test = self.value_test(shape, p, rule, "?value")
        query = (f"SELECT DISTINCT ?this ?value WHERE {{ {{ {focus} }} {self.value_pattern(shape, '?this', '?value')} "
                 f"FILTER(!({test})) }}")
        for row in self.ctx.select(query):
            self.result(shape, COMPONENTS[p], row["this"], row["value"],
                        generic=lambda v=row["value"], f=row["this"]: self.messages.generic(shape, p, rule, f, v))

    def has_value(self, shape: Node, h: Node, focus: str) -> None:
        values = self.value_pattern(shape, "?this", "?value")
        query = (f"SELECT ?this WHERE {{ {{ {focus} }} "
                 f"FILTER NOT EXISTS {{ {values} FILTER(sameTerm(?value, {term(h)})) }} }}")
        for row in self.ctx.select(query):
            self.result(shape, COMPONENTS[SH.hasValue], row["this"], None,
                        generic=lambda f=row["this"]: self.messages.generic(shape, SH.hasValue, h, f, None))

    def set_constraint(self, shape: Node, p: URIRef, o: Node, focus: str) -> None:
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
            for row in self.ctx.select(query):
                self.result(shape, COMPONENTS[p], row["this"], None,
                            generic=lambda f=row["this"]: self.messages.generic(shape, p, o, f, None))
        elif p == SH.maxCount:
            query = (f"SELECT ?this WHERE {{ {{ {focus} }} {values} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(cast(Literal, o))})")
            for row in self.ctx.select(query):
                self.result(shape, COMPONENTS[p], row["this"], None,
                            generic=lambda f=row["this"]: self.messages.generic(shape, p, o, f, None))
        elif p == SH.uniqueLang:
            if not (isinstance(o, Literal) and o.value is True) or path is None:
                return
            query = (f"SELECT ?this ?lang WHERE {{ {{ {focus} }} {values} "
                     f"FILTER(isLITERAL(?value) && LANG(?value) != \"\") "
                     f"BIND(LCASE(LANG(?value)) AS ?lang) }} GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)")
            for row in self.ctx.select(query):
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
                for row in self.ctx.select(query):
                    n = int(cast(ox.Literal, row["n"]).value)
                    # called at once by self.result, within this iteration of q
                    generic = lambda: self.messages.generic(shape, p, q, None, None)  # noqa: E731, B023
                    if maximum is not None and n > maximum:
                        self.result(shape, "QualifiedMaxCountConstraintComponent", row["this"], None, generic=generic)
                    if minimum is not None and n < minimum:
                        self.result(shape, "QualifiedMinCountConstraintComponent", row["this"], None, generic=generic)

    def less_than(self, shape: Node, other: Node, focus: str) -> None:
        for compared in self.g.objects(shape, SH.lessThan):
            if compared != other:
                continue
            query = (f"SELECT DISTINCT ?this ?value ?compare WHERE {{ {{ {focus} }} "
                     f"{self.value_pattern(shape, '?this', '?value')} ?this {term(compared)} ?compare }}")
            for row in self.ctx.select(query):
                value, compare = to_rdflib(row["value"]), to_rdflib(row["compare"])
                if not literals.less_than(value, compare):
                    self.result(shape, COMPONENTS[SH.lessThan], row["this"], row["value"],
                                generic=lambda f=row["this"], v=row["value"], c=compared:
                                self.messages.generic(shape, SH.lessThan, c, f, v))

    def sparql(self, shape: Node, constraint: Node, focus: str) -> None:
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
        select = re.sub(r"[$?]currentShape\b", term(shape), select)
        where = cast("re.Match[str]", re.search(r"\bWHERE\s*\{", select, flags=re.I) or re.search(r"\{", select))
        query = prefixes + minus_rewrite(select[:where.end()] + f" {{ {focus} }} " + select[where.end():])
        messages = list(cast(Iterator[Literal], g.objects(constraint, SH.message)))
        seen: set[tuple[object, ...]] = set()
        for row in self.ctx.select(query):
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
            variables = {k: to_rdflib(v) for k, v in bound.items()}
            if failure is not None:
                self.result(shape, "SPARQLConstraintComponent", this, node_value, messages=messages,
                            constraint=constraint, bound=variables)
                continue
            variables.update({"this": to_rdflib(this)})
            if result_path is not None:
                variables["path"] = to_rdflib(result_path)
            shown_value = value if value is not None else node_value
            if shown_value is not None:
                variables["value"] = to_rdflib(shown_value)
            self.result(shape, "SPARQLConstraintComponent", this, shown_value, messages=messages,
                        path=to_rdflib(result_path) if result_path is not None else None,
                        constraint=constraint, bound=variables)
