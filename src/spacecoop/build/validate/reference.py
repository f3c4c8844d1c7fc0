"""SHACL validation of the asserted data with pyshacl.

The asserted data is validated with `inference="none"`: validating after
OWL/RDFS inference would let an `rdfs:range` satisfy an `sh:class` constraint
and hide the violation. The vocabulary is merged into the data graph (without
reasoning), so `sh:class` and class targets see its subclass axioms and its
own individuals; this is also what Jena SHACL is given in the interoperability
tests, so both engines see the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyshacl import validate as pyshacl_validate
from rdflib import Graph
from rdflib.namespace import RDF, SH


@dataclass(frozen=True)
class Finding:
    """One result of the SHACL report, flattened for printing and tests."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str  # the IRI of the shape that produced it (sh:sourceShape)
    component: str

    def line(self) -> str:
        parts = [f"[{self.severity}] {self.focus}"]
        if self.path:
            parts.append(f"path {self.path}")
        if self.value:
            parts.append(f"value {self.value}")
        parts.append(f"{self.message} (shape {self.shape})")
        return " | ".join(parts)


@dataclass
class ValidationResult:
    """The verdict with the report graph (written to dist/validation.ttl)."""

    conforms: bool
    report: Graph
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    def shapes_fired(self, severity: str = "Violation") -> set[str]:
        """The shapes with at least one result of the given severity."""
        return {f.shape for f in self.findings if f.severity == severity}


def copy_graph(graph: Graph) -> Graph:
    """A copy with the same prefixes."""
    copied = Graph()
    for prefix, namespace in graph.namespaces():
        copied.bind(prefix, namespace, override=True, replace=True)
    copied += graph
    return copied


def validate(data: Graph, shapes: Graph, ontology: Graph) -> ValidationResult:
    """Validate asserted data; conforms is False only when there is a Violation."""
    # pyshacl "inoculates" only class and property definitions from ont_graph;
    # the vocabulary's own individuals (qualifiers, agreement types) must be
    # visible to sh:class too, so the whole vocabulary is mixed in here. No
    # inference runs: an rdfs:range still cannot satisfy an sh:class.
    mixed = Graph()
    mixed += data
    mixed += ontology
    _conforms, report, _text = pyshacl_validate(
        mixed,
        shacl_graph=copy_graph(shapes),  # pyshacl adds triples to the shapes graph it is given
        inference="none",
        advanced=False,  # SHACL Core and SHACL-SPARQL only, as Jena SHACL runs them
        inplace=True,  # `mixed` is already a private copy
        allow_warnings=True,
        meta_shacl=False,
    )
    findings: list[Finding] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=str(report.value(result, SH.focusNode)),
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                message=str(message) if message is not None else "",
                shape=str(report.value(result, SH.sourceShape)),
                component=str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            )
        )
    findings.sort(key=lambda f: (f.severity, f.focus, f.shape, f.path or "", f.value or ""))
    conforms = not any(f.severity == "Violation" for f in findings)
    return ValidationResult(conforms, report, findings)
