"""Compact JSON-LD from a graph and the dataset's context, written directly.

rdflib's compaction drops the nodes of blank nodes reached through an
`@id`-typed term, so the JSON-LD representations are built here instead,
from the graph and the term definitions of `context.build_context`:

- each subject is a node object (`"id"`, `"type"`), top-level in `@graph`,
  except blank nodes used exactly once, which are embedded where they are used
  (an annotation's target and selectors read as nested objects);
- a property with a context term is written under the term, its values shaped
  by the term's definition (`@id` → IRI strings, `@language` container → a
  language map, a datatype → the lexical form, `@set` → always an array); values
  the term does not fit go under the property's compact IRI;
- other values are strings, native numbers/booleans, or value objects.

The result expands back to exactly the graph's triples (tests compare graphs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, cast

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

JsonValue = Any


class TermIndex:
    """The context's terms by the IRI they stand for."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
        self.properties: dict[str, tuple[str, dict[str, Any]]] = {}
        self.classes: dict[str, str] = {}
        for name, definition in context.items():
            if name.startswith("@"):
                continue
            if isinstance(definition, str):
                if definition.startswith("@") or name in self.prefixes:
                    continue
                iri = self.expand(definition)
                self.classes.setdefault(iri, name)
                self.properties.setdefault(iri, (name, {}))
            elif isinstance(definition, dict) and "@id" in definition:
                iri = self.expand(definition["@id"])
                self.properties[iri] = (name, definition)

    def expand(self, value: str) -> str:
        prefix, colon, rest = value.partition(":")
        if colon and prefix in self.prefixes and not rest.startswith("//"):
            return self.prefixes[prefix] + rest
        return value

    def compact_iri(self, iri: str) -> str:
        best = ""
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                local = iri[len(namespace):]
                if local and ":" not in local and "/" not in local and "#" not in local:
                    best = prefix
        return f"{best}:{iri[len(self.prefixes[best]):]}" if best else iri


def _native(literal: Literal) -> JsonValue | None:
    """A JSON number/boolean that expands back to the same literal, or None."""
    lexical = str(literal)
    if literal.datatype == XSD.integer and lexical.lstrip("-").isdigit() and str(int(lexical)) == lexical:
        return int(lexical)
    if literal.datatype == XSD.boolean and lexical in ("true", "false"):
        return lexical == "true"
    return None


class Compactor:
    def __init__(self, graph: Graph, context: dict[str, Any]) -> None:
        self.graph = graph
        self.terms = TermIndex(context)
        uses = Counter(o for o in graph.objects() if isinstance(o, BNode))
        self.embedded = {b for b, n in uses.items() if n == 1 and (b, None, None) in graph}
        self.labels: dict[BNode, str] = {}
        self._embedding: set[BNode] = set()

    def bnode_id(self, node: BNode) -> str:
        if node not in self.labels:
            self.labels[node] = f"_:b{len(self.labels)}"
        return self.labels[node]

    def node_id(self, node: Node) -> str:
        return self.bnode_id(node) if isinstance(node, BNode) else str(node)

    # -- values ----------------------------------------------------------------
    def reference(self, node: Node) -> JsonValue:
        """An IRI or blank node as a value: embedded node object, or `{"id": …}`."""
        if isinstance(node, BNode) and node in self.embedded and node not in self._embedding:
            return self.node(node)
        return {"id": self.node_id(node)}

    def plain_value(self, value: Node) -> JsonValue:
        if not isinstance(value, Literal):
            return self.reference(value)
        if value.language:
            return {"@value": str(value), "@language": value.language}
        if value.datatype is None or value.datatype == XSD.string:
            return str(value)
        native = _native(value)
        if native is not None:
            return native
        return {"@value": str(value), "@type": self.terms.compact_iri(str(value.datatype))}

    def fits(self, definition: dict[str, Any], value: Node) -> bool:
        kind = definition.get("@type")
        container = definition.get("@container")
        if container == "@language":
            return isinstance(value, Literal) and (value.datatype is None or value.datatype == XSD.string)
        if kind == "@id":
            return not isinstance(value, Literal)
        if kind is not None:
            return isinstance(value, Literal) and not value.language and value.datatype is not None and \
                str(value.datatype) == self.terms.expand(kind)
        return True

    def term_value(self, definition: dict[str, Any], value: Node) -> JsonValue:
        kind = definition.get("@type")
        if kind == "@id":
            if isinstance(value, BNode) and value in self.embedded and value not in self._embedding:
                return self.node(value)
            return self.node_id(value)
        if kind is not None:
            return str(value)
        return self.plain_value(value)

    # -- nodes -----------------------------------------------------------------
    def node(self, subject: Node) -> dict[str, JsonValue]:
        if isinstance(subject, BNode):
            self._embedding.add(subject)
        out: dict[str, JsonValue] = {}
        if not (isinstance(subject, BNode) and subject in self.embedded):
            out["id"] = self.node_id(subject)
        types = sorted(cast("Iterable[Identifier]", (o for o in self.graph.objects(subject, RDF.type))))
        if types:
            names = [self.terms.classes.get(str(t)) or self.terms.compact_iri(str(t)) if isinstance(t, URIRef)
                     else self.node_id(t) for t in types]
            out["type"] = names[0] if len(names) == 1 else names
        for predicate in sorted(cast("set[Identifier]", set(self.graph.predicates(subject)) - {RDF.type})):
            values = sorted(cast("Iterable[Identifier]", self.graph.objects(subject, predicate)))
            name, definition = self.terms.properties.get(str(predicate), (None, {}))
            fitting = [v for v in values if name and self.fits(definition, v)]
            others = [v for v in values if v not in fitting]
            if fitting and name is not None:  # `fitting` holds values only when `name` is set
                out[name] = self._shape(definition, fitting)
            if others:
                key = self.terms.compact_iri(str(predicate))
                if key == name:  # a plain term that does not fit: use the full IRI
                    key = str(predicate)
                shaped = [self.plain_value(v) for v in others]
                out[key] = shaped[0] if len(shaped) == 1 else shaped
        return out

    def _shape(self, definition: dict[str, Any], values: Sequence[Node]) -> JsonValue:
        if definition.get("@container") == "@language":
            by_language: dict[str, list[str]] = {}
            for v in values:
                key = v.language if isinstance(v, Literal) and v.language else "@none"
                by_language.setdefault(key, []).append(str(v))
            return {k: (vs[0] if len(vs) == 1 else vs) for k, vs in sorted(by_language.items())}
        shaped = [self.term_value(definition, v) for v in values]
        if definition.get("@container") == "@set" or len(shaped) > 1:
            return shaped
        return shaped[0]

    def document(self, context_value: JsonValue) -> dict[str, JsonValue]:
        subjects = sorted({s for s in self.graph.subjects() if not (isinstance(s, BNode) and s in self.embedded)},
                          key=lambda s: (isinstance(s, BNode), str(s)))
        nodes = [self.node(s) for s in subjects]
        # blank nodes used once but only inside a cycle of blank nodes are still written
        missing = [b for b in self.embedded if b not in self._embedding]
        for b in sorted(missing, key=str):
            self.embedded.discard(b)
            nodes.append(self.node(b))
        return {"@context": context_value, "@graph": nodes}


def compact(graph: Graph, context: dict[str, Any], context_value: JsonValue) -> dict[str, JsonValue]:
    """`graph` as compact JSON-LD; `context_value` is what `@context` says (a URL or the object)."""
    return Compactor(graph, context).document(context_value)
