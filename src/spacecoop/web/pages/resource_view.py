"""The page view of a resource: what its HTML page shows, built from its description graph.

`ViewBuilder.build` turns the graph of `describe.describe_query` into a
`ResourceView` for one request (the client's languages, the addresses links
point at): labels, types, properties with their values (blank nodes nested),
incoming links, the evidence quotes, and the class-specific template with its
headline facts (`CLASS_FACTS`). The RDF representations serialise the graph
itself; this module only reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import quote

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Identifier
from rdflib.term import Node as RdfNode

from spacecoop.iris import ID, OA, PREFIXES, SCO
from spacecoop.rdf.terms import literal_int
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.baseiri import IriMap
from spacecoop.web.pages.describe import BLANK_DEPTH
from spacecoop.web.pages.vocabulary import LABEL_PROPERTIES, Vocabulary


@dataclass
class Value:
    """A value shown on a page: a link to a resource, a literal, or a blank node's own properties."""

    kind: str  # 'iri', 'literal' or 'blank'
    value: str
    label: str | None = None
    beside: str | None = None
    href: str | None = None
    language: str | None = None
    datatype: str | None = None
    types: list[str] = field(default_factory=list)
    properties: list[PropertyValues] = field(default_factory=list)


@dataclass
class PropertyValues:
    """One property of a resource with all its values (or, for incoming links, its subjects)."""

    iri: str
    label: str
    href: str
    values: list[Value]


@dataclass
class Quote:
    """One evidence annotation: the verbatim quote and where in which source it is."""

    annotation: str
    href: str
    exact: str
    prefix: str | None
    suffix: str | None
    start: int | None
    end: int | None
    source: Value | None
    source_page: str | None


@dataclass
class Fact:
    """A headline fact of a class-specific page (`Parties`, `Signed on`, `Crew`, ...)."""

    heading: str
    values: list[Value]


@dataclass
class ResourceView:
    """Everything a resource page shows; the RDF representations serialise `graph` instead."""

    iri: str
    href: str
    label: str
    beside: str | None
    labels: list[Value]
    types: list[Value]
    definition: str | None
    properties: list[PropertyValues]
    incoming: list[PropertyValues]
    evidence: list[Quote]
    template: str
    facts: list[Fact]
    graph: Graph


def short_iri(iri: str) -> str:
    """`https://w3id.org/spacecoop/ontology#party` -> `sco:party` when a prefix fits."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if best and "/" not in iri[len(PREFIXES[best]) :] and "#" not in iri[len(PREFIXES[best]) :]:
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    return iri


def _fallback_label(iri: str) -> str:
    tail = iri.rstrip("/").split("#")[-1].split("/")[-1]
    return tail or iri


def source_id_of(iri: str) -> str | None:
    """`…/id/source/000_x` -> `000_x`."""
    prefix = f"{ID}source/"
    if iri.startswith(prefix) and "/" not in iri[len(prefix) :]:
        return iri[len(prefix) :]
    return None


def annotation_anchor(iri: str) -> str:
    """The element id of an annotation's quote on its source page."""
    return "ev-" + quote(_fallback_label(iri), safe="-_.")


class ViewBuilder:
    """Builds `ResourceView`s from description graphs for one request (language, addresses)."""

    def __init__(self, vocabulary: Vocabulary, iris: IriMap, languages: list[str]) -> None:
        self.vocabulary = vocabulary
        self.iris = iris
        self.languages = languages

    # -- labels ----------------------------------------------------------
    def _labels(self, graph: Graph, node: RdfNode) -> list[Literal]:
        found = [o for p in LABEL_PROPERTIES for o in graph.objects(node, p) if isinstance(o, Literal)]
        if not found and isinstance(node, URIRef):
            found = self.vocabulary.labels_of(str(node))
        return found

    def label_pair(self, graph: Graph, node: RdfNode) -> tuple[str, str | None]:
        labels = self._labels(graph, node)
        chosen = labelling.choose(labels, self.languages)
        if chosen is None:
            return (_fallback_label(str(node)) if isinstance(node, URIRef) else "(blank node)"), None
        other = labelling.beside(labels, chosen)
        return str(chosen), (str(other) if other is not None else None)

    def term_label(self, iri: str) -> str:
        return self.vocabulary.label(iri, self.languages) or WELL_KNOWN.get(iri) or short_iri(iri)

    # -- values ----------------------------------------------------------
    def value(self, graph: Graph, node: RdfNode, depth: int = 0) -> Value:
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype else None
            return Value(
                kind="literal",
                value=str(node),
                language=node.language,
                datatype=short_iri(datatype) if datatype and datatype != str(XSD.string) else None,
            )
        if isinstance(node, BNode):
            nested = self.properties(graph, node, depth + 1) if depth < BLANK_DEPTH + 1 else []
            return Value(kind="blank", value=str(node), properties=nested)
        label, beside = self.label_pair(graph, node)
        types = [self.label_pair(graph, t)[0]
                 for t in sorted(cast("Iterable[Identifier]", graph.objects(node, RDF.type)))]
        return Value(kind="iri", value=str(node), label=label, beside=beside, href=self.iris.to_server(str(node)),
                     types=types)

    def properties(self, graph: Graph, subject: RdfNode, depth: int = 0,
                   skip: frozenset[RdfNode] = frozenset()) -> list[PropertyValues]:
        rows: list[PropertyValues] = []
        for predicate in sorted(cast("set[Identifier]", set(graph.predicates(subject, None)))):
            if predicate in skip:
                continue
            values = [self.value(graph, o, depth)
                      for o in sorted(cast("Iterable[Identifier]", graph.objects(subject, predicate)))]
            values.sort(key=lambda v: ((v.label or v.value).lower(), v.value))
            rows.append(PropertyValues(str(predicate), self.term_label(str(predicate)),
                                       self.iris.to_server(str(predicate)), values))
        rows.sort(key=lambda row: (row.iri != str(RDF.type), row.label.lower()))
        return rows

    def incoming(self, graph: Graph, obj: URIRef) -> list[PropertyValues]:
        rows: list[PropertyValues] = []
        for predicate in sorted(
            cast("set[Identifier]", {p for s, p in graph.subject_predicates(obj) if isinstance(s, URIRef)})
        ):
            if predicate == OA.hasBody:
                continue  # shown as evidence
            subjects = [self.value(graph, s) for s in graph.subjects(predicate, obj) if isinstance(s, URIRef)]
            subjects.sort(key=lambda v: ((v.label or v.value).lower(), v.value))
            rows.append(PropertyValues(str(predicate), self.term_label(str(predicate)),
                                       self.iris.to_server(str(predicate)), subjects))
        rows.sort(key=lambda row: row.label.lower())
        return rows

    # -- evidence ----------------------------------------------------------
    def evidence(self, graph: Graph, body: URIRef) -> list[Quote]:
        quotes: list[Quote] = []
        for annotation in sorted(cast("Iterable[Identifier]", graph.subjects(OA.hasBody, body))):
            for target in graph.objects(annotation, OA.hasTarget):
                exact = prefix = suffix = None
                start = end = None
                for selector in graph.objects(target, OA.hasSelector):
                    exact = exact or _str(graph.value(selector, OA.exact))
                    prefix = prefix or _str(graph.value(selector, OA.prefix))
                    suffix = suffix or _str(graph.value(selector, OA.suffix))
                    start = start if start is not None else literal_int(graph.value(selector, OA.start))
                    end = end if end is not None else literal_int(graph.value(selector, OA.end))
                source = graph.value(target, OA.hasSource)
                source_value = self.value(graph, source) if source is not None else None
                sid = source_id_of(str(source)) if source is not None else None
                page = self.iris.path(f"source/{sid}") + "#" + annotation_anchor(str(annotation)) if sid else None
                quotes.append(
                    Quote(
                        annotation=str(annotation),
                        href=self.iris.to_server(str(annotation)),
                        exact=exact or "",
                        prefix=prefix,
                        suffix=suffix,
                        start=start,
                        end=end,
                        source=source_value,
                        source_page=page,
                    )
                )
        quotes.sort(key=lambda q: (q.source.value if q.source else "", q.start or 0, q.annotation))
        return quotes

    # -- the page ----------------------------------------------------------
    def build(self, iri: str, graph: Graph) -> ResourceView:
        node = URIRef(iri)
        labels = self._labels(graph, node)
        label, beside = self.label_pair(graph, node)
        types = [self.value(graph, t) for t in sorted(cast("Iterable[Identifier]", graph.objects(node, RDF.type)))]
        definition = next(
            (str(o) for p in (URIRef("http://www.w3.org/2004/02/skos/core#definition"),
                              URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))
             for o in graph.objects(node, p)),
            None,
        )
        properties = self.properties(graph, node, skip=frozenset({RDF.type}))
        incoming = self.incoming(graph, node)
        template, facts = self.class_template(graph, node, properties, incoming)
        return ResourceView(
            iri=iri,
            href=self.iris.to_server(iri),
            label=label,
            beside=beside,
            labels=[self.value(graph, lab) for lab in sorted(labels, key=lambda lit: (lit.language or "", str(lit)))],
            types=types,
            definition=definition,
            properties=properties,
            incoming=incoming,
            evidence=self.evidence(graph, node),
            template=template,
            facts=facts,
            graph=graph,
        )

    def class_template(
        self, graph: Graph, node: URIRef, properties: list[PropertyValues], incoming: list[PropertyValues]
    ) -> tuple[str, list[Fact]]:
        """The most specific class template that exists, with its headline facts."""
        depth = self.vocabulary.depth
        types = sorted((str(t) for t in graph.objects(node, RDF.type)), key=lambda t: -depth.get(t, -1))
        for type_iri in types:
            for ancestor in self.vocabulary.ancestors(type_iri):
                name = _fallback_label(ancestor).lower()
                if name in CLASS_FACTS:
                    return f"resource-{name}.html", self._facts(CLASS_FACTS[name], properties, incoming)
        return "resource.html", []

    @staticmethod
    def _facts(spec: list[tuple[str, list[str], list[str]]], properties: list[PropertyValues],
               incoming: list[PropertyValues]) -> list[Fact]:
        out_by = {row.iri: row.values for row in properties}
        in_by = {row.iri: row.values for row in incoming}
        facts = []
        for heading, outgoing, inverse in spec:
            values: list[Value] = []
            for predicate in outgoing:
                values.extend(out_by.get(predicate, []))
            for predicate in inverse:
                values.extend(v for v in in_by.get(predicate, []) if v.value not in {x.value for x in values})
            facts.append(Fact(heading, values))
        return facts


_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
# Readable names of the properties from other vocabularies that pages show most.
WELL_KNOWN: dict[str, str] = {
    str(RDF.type): "type",
    _RDFS + "label": "label",
    _RDFS + "comment": "comment",
    _RDFS + "seeAlso": "see also",
    _SKOS + "altLabel": "also known as",
    _SKOS + "prefLabel": "preferred label",
    _SKOS + "definition": "definition",
    "http://www.w3.org/2002/07/owl#sameAs": "same as",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "derived from",
    _DCT + "title": "title",
    _DCT + "issued": "issued",
    _DCT + "modified": "modified",
    _DCT + "language": "language",
    _DCT + "publisher": "publisher",
    _DCT + "creator": "creator",
    _DCT + "source": "source",
    str(OA.hasBody): "evidence for",
    str(OA.hasTarget): "target",
    str(OA.hasSource): "source document",
    str(OA.hasSelector): "selector",
    str(OA.exact): "exact quote",
    str(OA.prefix): "text before",
    str(OA.suffix): "text after",
    str(OA.start): "start",
    str(OA.end): "end",
    str(OA.motivatedBy): "motivation",
}

# Class-specific pages: template `resource-{name}.html` and its headline facts
# (heading, outgoing properties, properties whose subjects are the values).
CLASS_FACTS: dict[str, list[tuple[str, list[str], list[str]]]] = {
    "agreement": [
        ("Parties", [str(SCO.party)], [str(SCO.partyTo)]),
        ("Signed", [str(SCO.signingDate), str(SCO.date)], []),
        ("Kind", [str(SCO.agreementType)], []),
    ],
    "mission": [
        ("Launch", [str(SCO.launchDate), str(SCO.launchEvent)], []),
        ("Crew", [str(SCO.commander), str(SCO.crewMember)], []),
        ("Platform", [str(SCO.spacecraft), str(SCO.destination)], []),
    ],
}


def _str(node: RdfNode | None) -> str | None:
    return str(node) if node is not None else None
