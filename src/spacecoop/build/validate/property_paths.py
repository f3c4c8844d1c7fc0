"""SHACL property paths: which forms are compiled, and each as a SPARQL property path."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from spacecoop.build.validate.shapes import UnsupportedShapes, items

PATH_KINDS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)


def path_problems(g: Graph, path: Node) -> list[str]:
    """What in `path` has no SPARQL property path here (nothing for a supported path)."""
    if isinstance(path, URIRef):
        return []
    if isinstance(path, Literal):
        return ["a literal path"]
    members = items(g, path) if (path, RDF.first, None) in g else None
    if members is not None:
        return [p for m in members for p in path_problems(g, m)]
    for kind in PATH_KINDS:
        value = g.value(path, kind)
        if value is not None:
            if kind == SH.alternativePath:
                return [p for m in items(g, value) for p in path_problems(g, m)]
            return path_problems(g, value)
    return ["an unknown path form"]


def sparql_path(g: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in g:
        return "(" + " / ".join(sparql_path(g, m) for m in items(g, path)) + ")"
    if (value := g.value(path, SH.inversePath)) is not None:
        return f"(^{sparql_path(g, value)})"
    if (value := g.value(path, SH.alternativePath)) is not None:
        return "(" + " | ".join(sparql_path(g, m) for m in items(g, value)) + ")"
    for kind, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if (value := g.value(path, kind)) is not None:
            return f"({sparql_path(g, value)}){suffix}"
    raise UnsupportedShapes([f"the path {path}"])
