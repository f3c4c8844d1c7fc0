"""The data graph the compiled shapes query: the store's default graph (the asserted data) plus the
vocabulary, copied for the duration into a scratch named graph; every query sees both as its default
graph, as pyshacl sees the data graph with the vocabulary mixed in (`inference="none"`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.namespace import RDFS
from rdflib.term import Node

from spacecoop.rdf.terms import to_oxigraph, to_rdflib

SCRATCH = "urn:spacecoop:scratch:shapes:"
VOCABULARY = ox.NamedNode(SCRATCH + "vocabulary")
# A term of a pyoxigraph query solution (what the SPARQL custom functions take and return).
SolutionTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
CustomFunctions = dict[ox.NamedNode, Callable[..., SolutionTerm | None]]


def drop_scratch(store: ox.Store) -> None:
    """Remove the scratch graphs (the vocabulary's copy) from the store."""
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(SCRATCH):
            store.remove_graph(graph)


def add_vocabulary(store: ox.Store, ontology: Graph) -> None:
    """Copy the vocabulary into its scratch graph."""
    store.extend(
        ox.Quad(cast("ox.NamedNode | ox.BlankNode", to_oxigraph(s)), cast(ox.NamedNode, to_oxigraph(p)),
                to_oxigraph(o), VOCABULARY)
        for s, p, o in ontology
    )


def select(store: ox.Store, query: str, functions: CustomFunctions) -> list[dict[str, SolutionTerm]]:
    """The solutions of a SELECT on the data graph, as {variable name: term} (unbound left out)."""
    solutions = cast(ox.QuerySolutions, store.query(
        query, default_graph=[ox.DefaultGraph(), VOCABULARY], custom_functions=functions
    ))
    names = [v.value for v in solutions.variables]
    return [{n: t for n, t in zip(names, row, strict=False) if t is not None} for row in solutions]


def subclasses(store: ox.Store) -> dict[Node, set[Node]]:
    """Each class's subclasses (itself included) along rdfs:subClassOf in the data graph."""
    supers: dict[Node, set[Node]] = defaultdict(set)
    query = f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{RDFS.subClassOf}> ?super }}"
    for row in cast(ox.QuerySolutions, store.query(query, default_graph=[ox.DefaultGraph(), VOCABULARY])):
        supers[to_rdflib(row["sub"])].add(to_rdflib(row["super"]))
    found: dict[Node, set[Node]] = defaultdict(set)
    for cls in list(supers):
        seen, stack = {cls}, [cls]
        while stack:
            for parent in supers.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        for parent in seen:
            found[parent].add(cls)
    for cls in list(found):
        found[cls].add(cls)
    return found


def blank_node_graph(store: ox.Store, node: BNode) -> Graph:
    """The triples of the data graph reachable from a blank node through blank nodes (at most 1000 of them)."""
    graph = Graph()
    stack: list[ox.BlankNode]
    seen: set[ox.BlankNode]
    stack, seen = [cast(ox.BlankNode, to_oxigraph(node))], set()
    while stack and len(seen) < 1000:
        subject = stack.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for where in (ox.DefaultGraph(), VOCABULARY):
            for quad in store.quads_for_pattern(subject, None, None, where):
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
                if isinstance(quad.object, ox.BlankNode):
                    stack.append(quad.object)
    return graph
