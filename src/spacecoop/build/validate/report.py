"""The results of the compiled shapes as pyshacl reports them: each `Result` as a Finding, sorted,
and the SHACL validation report graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from spacecoop.build.validate.reference import Finding, ValidationResult


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


def validation_result(results: list[Result], shapes: Graph) -> ValidationResult:
    """The findings of `results`, sorted, whether they conform, and their report graph."""
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
