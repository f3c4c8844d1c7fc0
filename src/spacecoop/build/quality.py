"""The ontology quality report: fails on errors, as ROBOT's `report` does, and goes further.

The checks are the FOOPS! checks that can be answered from the file (header
metadata), the automatable OOPS! pitfalls (cycles P06, missing or multiple
domains and ranges P11/P19, inverse mistakes P05/P25, undeclared terms, the
same label on two terms P32, terms of other namespaces that do not exist there
P40), and one label per language in English and Chinese (ROBOT ignores
language tags). Each check returns its problems as sentences naming the term.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    SOSA,
    VANN,
    VOID,
    XSD,
)
from rdflib.term import Identifier

from spacecoop.iris import ONTOLOGY_IRI, SCO

ONTOLOGY = URIRef(ONTOLOGY_IRI)
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty}
# Namespaces whose terms rdflib knows exactly (closed namespaces): a term of
# theirs that rdflib does not know does not exist (OOPS! P40).
CLOSED = [DCTERMS, FOAF, ORG, PROV, SKOS, VANN, VOID, OWL, RDFS, SH, SOSA, SDO, DCAT, RDF, XSD]


@dataclass
class QualityReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sco_terms(ontology: Graph) -> set[URIRef]:
    """The vocabulary's own terms: declared classes, properties, concepts and schemes."""
    return {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(SCO))}


def check_header(g: Graph) -> list[str]:
    problems = []
    if (ONTOLOGY, RDF.type, OWL.Ontology) not in g:
        return [f"<{ONTOLOGY}> is not declared an owl:Ontology"]
    required = {
        OWL.versionIRI: "owl:versionIRI",
        OWL.versionInfo: "owl:versionInfo",
        DCTERMS.title: "dcterms:title",
        DCTERMS.description: "dcterms:description",
        DCTERMS.creator: "dcterms:creator",
        DCTERMS.created: "dcterms:created",
        DCTERMS.modified: "dcterms:modified",
        DCTERMS.license: "dcterms:license",
        DCTERMS.bibliographicCitation: "dcterms:bibliographicCitation",
        VANN.preferredNamespacePrefix: "vann:preferredNamespacePrefix",
        VANN.preferredNamespaceUri: "vann:preferredNamespaceUri",
        SDO.includedInDataCatalog: "schema:includedInDataCatalog",
    }
    for prop, name in required.items():
        if g.value(ONTOLOGY, prop) is None:
            problems.append(f"the ontology header has no {name}")
    version = g.value(ONTOLOGY, OWL.versionIRI)
    if version is not None and version == ONTOLOGY:
        problems.append("owl:versionIRI must differ from the ontology IRI")
    licence = g.value(ONTOLOGY, DCTERMS.license)
    if licence is not None and not isinstance(licence, URIRef):
        problems.append("dcterms:license must be an IRI")
    for prop in (VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        value = g.value(ONTOLOGY, prop)
        if value is not None and not isinstance(value, Literal):
            problems.append(f"{prop} must be a literal")
    if str(g.value(ONTOLOGY, VANN.preferredNamespaceUri) or "") not in ("", str(SCO)):
        problems.append(f"vann:preferredNamespaceUri must be {SCO}")
    return problems


def _labels(g: Graph, term: URIRef, lang: str) -> list[Literal]:
    return [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == lang]


def check_labels_and_definitions(g: Graph) -> list[str]:
    problems = []
    for term in sorted(sco_terms(g)):
        for lang in ("en", "zh"):
            labels = _labels(g, term, lang)
            if len(labels) != 1:
                problems.append(f"{term} has {len(labels)} rdfs:label@{lang}, needs exactly one")
            for label in labels:
                if str(label) != str(label).strip() or "  " in str(label):
                    problems.append(f"{term} label {str(label)!r} has stray whitespace")
        untagged = [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and not o.language]
        if untagged:
            problems.append(f"{term} has a label without a language tag")
        definitions = [o for o in g.objects(term, SKOS.definition) if isinstance(o, Literal) and o.language == "en"]
        if len(definitions) != 1:
            problems.append(f"{term} has {len(definitions)} skos:definition@en, needs exactly one")
        for d in definitions:
            if not str(d).rstrip().endswith("."):
                problems.append(f"{term} definition does not end with a period")
    return problems


def check_duplicate_labels(g: Graph) -> list[str]:
    """OOPS! P32: two terms with the same label in one language."""
    seen: dict[tuple[str, str], URIRef] = {}
    problems = []
    for term in sorted(sco_terms(g)):
        for label in g.objects(term, RDFS.label):
            if not isinstance(label, Literal):
                continue
            key = (str(label).casefold(), label.language or "")
            if key in seen and seen[key] != term:
                problems.append(f"{seen[key]} and {term} share the label {str(label)!r}@{label.language}")
            seen.setdefault(key, term)
    return problems


def check_domains_and_ranges(g: Graph) -> list[str]:
    """OOPS! P11 (missing) and P19 (several: read as an intersection)."""
    problems = []
    for t in PROPERTY_TYPES:
        for prop in sorted(
            s for s in cast("Iterable[Identifier]", g.subjects(RDF.type, t)) if str(s).startswith(str(SCO))
        ):
            for axis, name in ((RDFS.domain, "rdfs:domain"), (RDFS.range, "rdfs:range")):
                values = list(g.objects(prop, axis))
                if not values:
                    problems.append(f"{prop} has no {name}")
                elif len(values) > 1:
                    problems.append(f"{prop} has {len(values)} {name} axioms (read as their intersection)")
    return problems


def _class_key(g: Graph, node: object) -> object:
    """A comparable form of a class expression (unions compare by their members)."""
    if isinstance(node, BNode):
        members = g.value(node, OWL.unionOf)
        if members is not None:
            from rdflib.collection import Collection

            return ("union", frozenset(Collection(g, members)))
    return node


def check_inverses(g: Graph) -> list[str]:
    """OOPS! P05 (domain/range not swapped) and P25 (a property inverse of itself)."""
    problems = []
    for p, q in sorted(g.subject_objects(OWL.inverseOf)):
        if p == q:
            problems.append(f"{p} is declared the inverse of itself (use owl:SymmetricProperty)")
            continue
        for a, b, what in ((RDFS.domain, RDFS.range, "domain of {p} is not the range of {q}"),
                           (RDFS.range, RDFS.domain, "range of {p} is not the domain of {q}")):
            x, y = g.value(p, a), g.value(q, b)
            if x is not None and y is not None and _class_key(g, x) != _class_key(g, y):
                problems.append(what.format(p=p, q=q))
    return problems


def check_cycles(g: Graph) -> list[str]:
    """OOPS! P06: a class that is (transitively) its own superclass."""
    parents: dict[object, set[object]] = {}
    for c, d in g.subject_objects(RDFS.subClassOf):
        parents.setdefault(c, set()).add(d)
    problems = []
    for start in sorted(c for c in parents if isinstance(c, URIRef)):
        stack, seen = list(parents.get(start, ())), set()
        while stack:
            node = stack.pop()
            if node == start:
                problems.append(f"{start} is a subclass of itself through a cycle")
                break
            if node in seen:
                continue
            seen.add(node)
            stack.extend(parents.get(node, ()))
    return problems


def check_used_terms(g: Graph, others: Iterable[Graph]) -> list[str]:
    """Undeclared sco: terms, and terms of closed namespaces that do not exist (P40)."""
    declared = sco_terms(g)
    problems = set()
    for graph in [g, *others]:
        for triple in graph:
            for node in triple:
                if not isinstance(node, URIRef):
                    continue
                text = str(node)
                if text.startswith(str(SCO)):
                    if node not in declared:
                        problems.add(f"{node} is used but not declared in the vocabulary")
                    continue
                for ns in CLOSED:
                    base = str(ns._NS) if hasattr(ns, "_NS") else str(ns)
                    if text.startswith(base) and len(text) > len(base) and node not in ns:
                        problems.add(f"{node} does not exist in {base}")
    return sorted(problems)


def check_disjointness(g: Graph) -> list[str]:
    """OOPS! P10: a vocabulary with classes but no disjointness axiom."""
    if not any(g.subjects(RDF.type, OWL.AllDisjointClasses)) and not any(g.triples((None, OWL.disjointWith, None))):
        return ["the vocabulary declares no disjoint classes"]
    return []


CHECKS: list[Callable[[Graph], list[str]]] = [
    check_header,
    check_labels_and_definitions,
    check_duplicate_labels,
    check_domains_and_ranges,
    check_inverses,
    check_cycles,
    check_disjointness,
]


def quality_report(ontology: Graph, others: Iterable[Graph] = ()) -> QualityReport:
    """Run every check; `others` (shapes, instances) are checked for the terms they use."""
    report = QualityReport()
    for check in CHECKS:
        report.errors.extend(check(ontology))
    report.errors.extend(check_used_terms(ontology, others))
    for cls in sorted(s for s in ontology.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)):
        if not any(ontology.objects(cls, RDFS.subClassOf)):
            report.warnings.append(f"{cls} has no superclass (OOPS! P04-like: unconnected)")
    return report
