"""The shapes graph, read as pyshacl reads it: which nodes are shapes, which are targeted, and their
paths, severities and messages; and `UnsupportedShapes`, the refusal of SHACL not compiled here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from spacecoop.errors import BuildError

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


class UnsupportedShapes(BuildError):
    """The shapes use SHACL that the compiled validation does not implement."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "SHACL validation (spacecoop.build.validate.shape_queries) does not implement:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nimplement it in src/spacecoop/build/validate/ (and prove it in tests/build/test_shape_queries.py) "
            "or express the shape with what is implemented; `--engine reference` runs owlrl and pyshacl instead"
        )
        self.problems = problems


def items(graph: Graph, head: Node | None) -> list[Node]:
    """The members of the RDF list at `head` (none for no list)."""
    return list(Collection(graph, head)) if head is not None else []


def name(graph: Graph, node: object) -> str:
    """A node as a short name for messages (a prefixed name where the graph has the prefix)."""
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
                found |= set(items(g, head))
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
                yield from items(g, head)
        for p in (SH["not"], SH.node, SH.qualifiedValueShape):
            yield from g.objects(shape, p)
