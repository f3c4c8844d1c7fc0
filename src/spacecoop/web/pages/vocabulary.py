"""The vocabulary as the pages need it: labels, kinds, ranges and class depth of each term.

Loaded once from the release's ontology (`dist/ontology.ttl`). Resource pages
use it to label properties and to choose a class-specific template; the JSON-LD
context is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from spacecoop.iris import ONTOLOGY_IRI, SCO
from spacecoop.web.pages import labels as labelling

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


@dataclass
class VocabularyTerm:
    """One term of the vocabulary (`sco:Agreement`, `sco:party`, ...)."""

    iri: str
    kind: str  # 'class', 'object', 'datatype', 'annotation', 'concept' or 'other'
    labels: list[Literal] = field(default_factory=list)
    definition: Literal | None = None
    range: str | None = None
    functional: bool = False

    @property
    def local_name(self) -> str:
        return self.iri.split("#")[-1].split("/")[-1]


class Vocabulary:
    """The terms of the `sco:` namespace, with the ontology graph they came from."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.terms: dict[str, VocabularyTerm] = {}
        for subject in set(graph.subjects()):
            if isinstance(subject, URIRef) and str(subject).startswith(str(SCO)):
                self.terms[str(subject)] = self._term(subject)

    @classmethod
    def from_file(cls, path: Path) -> Vocabulary:
        graph = Graph()
        if path.exists():
            graph.parse(path, format="turtle")
        return cls(graph)

    def _term(self, subject: URIRef) -> VocabularyTerm:
        types = set(self.graph.objects(subject, RDF.type))
        if OWL.Class in types or RDFS.Class in types:
            kind = "class"
        elif OWL.ObjectProperty in types:
            kind = "object"
        elif OWL.DatatypeProperty in types:
            kind = "datatype"
        elif OWL.AnnotationProperty in types or RDF.Property in types:
            kind = "annotation"
        elif SKOS.Concept in types or SKOS.ConceptScheme in types:
            kind = "concept"
        else:
            kind = "other"
        found = [o for p in LABEL_PROPERTIES for o in self.graph.objects(subject, p) if isinstance(o, Literal)]
        definition = next(
            (o for p in (SKOS.definition, RDFS.comment) for o in self.graph.objects(subject, p)
             if isinstance(o, Literal)),
            None,
        )
        ranges = [o for o in self.graph.objects(subject, RDFS.range) if isinstance(o, URIRef)]
        return VocabularyTerm(
            iri=str(subject),
            kind=kind,
            labels=found,
            definition=definition,
            range=str(ranges[0]) if ranges else None,
            functional=OWL.FunctionalProperty in types,
        )

    @property
    def ontology_iri(self) -> str:
        return ONTOLOGY_IRI

    def label(self, iri: str, languages: list[str]) -> str | None:
        term = self.terms.get(iri)
        if term is None:
            return None
        chosen = labelling.choose(term.labels, languages)
        return str(chosen) if chosen is not None else None

    def labels_of(self, iri: str) -> list[Literal]:
        term = self.terms.get(iri)
        return list(term.labels) if term else []

    @cached_property
    def depth(self) -> dict[str, int]:
        """Each class's number of `rdfs:subClassOf` steps to a root within the vocabulary."""
        parents: dict[str, set[str]] = {}
        for iri, term in self.terms.items():
            if term.kind == "class":
                parents[iri] = {
                    str(o) for o in self.graph.objects(URIRef(iri), RDFS.subClassOf) if str(o) in self.terms
                }
        depths: dict[str, int] = {}

        def measure(iri: str, seen: frozenset[str]) -> int:
            if iri in depths:
                return depths[iri]
            above = [p for p in parents.get(iri, ()) if p not in seen]
            value = 1 + max((measure(p, seen | {iri}) for p in above), default=-1)
            depths[iri] = value
            return value

        for iri in parents:
            measure(iri, frozenset())
        return depths

    def ancestors(self, iri: str) -> list[str]:
        """The class and its superclasses in the vocabulary, most specific first."""
        order: list[str] = []
        frontier = [iri]
        while frontier:
            current = frontier.pop(0)
            if current in order:
                continue
            order.append(current)
            frontier.extend(
                str(o) for o in self.graph.objects(URIRef(current), RDFS.subClassOf) if isinstance(o, URIRef)
            )
        return order

    def classes(self) -> list[VocabularyTerm]:
        return sorted((t for t in self.terms.values() if t.kind == "class"), key=lambda t: t.local_name)
