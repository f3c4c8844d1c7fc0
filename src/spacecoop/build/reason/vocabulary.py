"""What the vocabulary declares, as the rule tables the rules run on; and what it may not use.

owlrl computes the closure of the vocabulary alone (a thousand triples, a fraction of a
second): subclass and subproperty hierarchies, domains and ranges inherited along them,
`owl:unionOf` members as subclasses, equivalences as two subclass or subproperty axioms. From
that closure `Vocabulary` reads the rule tables: which classes each class implies, the domains
and ranges of each property, inverses, the symmetric, transitive, functional and
inverse-functional properties, disjointness.

Every construct of the vocabulary is either implemented by the rules or refused:
`Vocabulary.check` raises `UnsupportedVocabulary` for any OWL, RDFS or RDF term without a
rule (`owl:propertyChainAxiom`, `owl:hasKey`, restrictions...), so that a new axiom cannot be
silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeGuard, cast

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Identifier, Node

from spacecoop.build.reason.reference import reasoning_input
from spacecoop.build.reason.scratch import shown
from spacecoop.errors import BuildError
from spacecoop.iris import OWLRL_ERROR

SCHEMA_NAMESPACES = (str(OWL), str(RDF), str(RDFS))

# --- What the vocabulary may use ---------------------------------------------------------------
#
# Predicates of the vocabulary closure with a rule (or, for the header and annotation
# properties, with no rule in owlrl either). Anything else of the OWL, RDF and RDFS namespaces
# is refused by Vocabulary.check().
SUPPORTED_PREDICATES = frozenset({
    RDF.type, RDF.first, RDF.rest,
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
    RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy,
    OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith,
    OWL.unionOf,  # cls-uni: owlrl's scm-uni makes every member a subclass (cax-sco)
    OWL.members,  # of owl:AllDisjointClasses (any other owner type is refused)
    OWL.sameAs,  # only x owl:sameAs x in the vocabulary (checked)
    OWL.versionInfo, OWL.versionIRI, OWL.priorVersion, OWL.backwardCompatibleWith,
    OWL.incompatibleWith, OWL.deprecated, OWL.imports,
})
# Objects of rdf:type in the vocabulary closure.
SUPPORTED_TYPES = frozenset({
    OWL.Class, RDFS.Class, RDFS.Datatype, RDF.Property, RDF.List, OWL.Ontology,
    OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
    OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.IrreflexiveProperty,
    OWL.AllDisjointClasses, OWL.NamedIndividual, OWL.Thing, OWL.Nothing, RDFS.Resource,
})
# Other terms of those namespaces that may appear as classes or values.
SUPPORTED_TERMS = frozenset({
    OWL.Thing, OWL.Nothing, RDFS.Resource, RDFS.Literal, RDF.nil,
    RDF.langString, RDF.PlainLiteral, RDF.XMLLiteral, RDF.HTML, RDF.JSON,
})
# Every predicate with an OWL 2 RL rule in owlrl that takes schema triples out of the data
# (into the vocabulary) when instances state them; and the types that make a resource a term of
# the schema rather than an individual.
SCHEMA_PREDICATES = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDF.first, RDF.rest,
    OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith,
    OWL.unionOf, OWL.intersectionOf, OWL.complementOf, OWL.oneOf, OWL.members,
    OWL.distinctMembers, OWL.onProperty, OWL.onClass, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.minCardinality,
    OWL.cardinality, OWL.qualifiedCardinality, OWL.minQualifiedCardinality, OWL.hasKey,
    OWL.propertyChainAxiom, OWL.propertyDisjointWith, OWL.sourceIndividual,
    OWL.assertionProperty, OWL.targetIndividual, OWL.targetValue, OWL.disjointUnionOf,
    OWL.onDatatype, OWL.withRestrictions, OWL.datatypeComplementOf, OWL.onDataRange,
    OWL.onProperties, OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget,
})
SCHEMA_TYPES = frozenset({
    OWL.Class, RDFS.Class, RDFS.Datatype, RDF.Property, RDF.List, OWL.Ontology, OWL.Restriction,
    OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.OntologyProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
    OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.IrreflexiveProperty,
    OWL.ReflexiveProperty, OWL.AllDisjointClasses, OWL.AllDisjointProperties,
    OWL.AllDifferent, OWL.NegativePropertyAssertion, OWL.DataRange, OWL.Axiom,
    OWL.DeprecatedClass, OWL.DeprecatedProperty,
})
# reasoning_input() leaves these out of what owlrl sees.



class UnsupportedVocabulary(BuildError):
    """The vocabulary (or schema statements in the data) uses OWL that the rules do not implement."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "OWL 2 RL reasoning (spacecoop.build.reason.rules) does not implement:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nimplement the rule in src/spacecoop/build/reason/ (and prove it in tests/build/test_rules.py) "
            "or leave the axiom out; `--engine reference` runs owlrl and pyshacl instead"
        )
        self.problems = problems


def _is_schema_term(term: object) -> TypeGuard[URIRef]:
    return isinstance(term, URIRef) and str(term).startswith(SCHEMA_NAMESPACES)


_VOCABULARIES: dict[frozenset[tuple[Node, Node, Node]], Vocabulary] = {}
_Pair = tuple[Identifier, Identifier]  # two terms of the closure (rdflib's, hence comparable)


def _implications(g: Graph, sub: URIRef, equivalent: URIRef) -> set[_Pair]:
    """The (narrower, broader) pairs of the closure: `sub` as stated, `equivalent` both ways."""
    found = {(a, b) for a, b in cast("Iterator[_Pair]", g.subject_objects(sub)) if a != b}
    for a, b in cast("Iterator[_Pair]", g.subject_objects(equivalent)):
        if a != b:
            found |= {(a, b), (b, a)}
    return found


@dataclass
class Vocabulary:
    """The rule tables read from owlrl's closure of the vocabulary."""

    closure: Graph
    subclass: set[_Pair] = field(default_factory=set)  # cax-sco (and cax-eqc)
    domain: set[_Pair] = field(default_factory=set)
    range: set[_Pair] = field(default_factory=set)
    subproperty: set[_Pair] = field(default_factory=set)  # prp-spo1 (and prp-eqp)
    inverse: set[_Pair] = field(default_factory=set)  # both directions
    symmetric: set[Identifier] = field(default_factory=set)
    transitive: set[Identifier] = field(default_factory=set)
    functional: set[Identifier] = field(default_factory=set)
    inverse_functional: set[Identifier] = field(default_factory=set)
    irreflexive: set[Identifier] = field(default_factory=set)
    asymmetric: set[Identifier] = field(default_factory=set)
    disjoint: list[_Pair] = field(default_factory=list)  # owl:disjointWith, as stated
    all_disjoint: list[list[Identifier]] = field(default_factory=list)  # owl:AllDisjointClasses members
    errors: list[str] = field(default_factory=list)  # owlrl's, on the vocabulary alone
    schema_terms: set[object] = field(default_factory=set)

    @classmethod
    def of(cls, ontology: Graph, schema_in_data: Graph | None = None) -> Vocabulary:
        """owlrl's closure of the vocabulary's axioms (and of schema triples stated by the data)."""
        key = None
        if schema_in_data is None or len(schema_in_data) == 0:
            key = frozenset(ontology)
            if key in _VOCABULARIES:
                return _VOCABULARIES[key]
        closure = reasoning_input(ontology, schema_in_data if schema_in_data is not None else Graph())
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
        vocabulary = cls(closure)
        vocabulary.check()
        vocabulary._read()
        if key is not None:
            _VOCABULARIES.clear()  # one vocabulary at a time is all a build needs
            _VOCABULARIES[key] = vocabulary
        return vocabulary

    def check(self) -> None:
        """Refuse every OWL/RDF(S) construct of the vocabulary that has no rule."""
        problems: set[str] = set()
        g = self.closure
        for s, p, o in g:
            if p == OWLRL_ERROR.error or (p == RDF.type and o == OWLRL_ERROR.ErrorMessage):
                continue
            if _is_schema_term(p) and p not in SUPPORTED_PREDICATES:
                problems.add(f"{g.qname(p)} (in {shown(s)} {g.qname(p)} {shown(o)})")
            if p == RDF.type:
                if _is_schema_term(o) and o not in SUPPORTED_TYPES:
                    problems.add(f"{g.qname(o)} (the type of {shown(s)})")
            elif _is_schema_term(o) and o not in SUPPORTED_TYPES and o not in SUPPORTED_TERMS and p != OWL.sameAs:
                problems.add(f"{g.qname(o)} (in {shown(s)} {g.qname(cast(str, p))} {shown(o)})")
            if p == OWL.sameAs and s != o:
                problems.add(f"owl:sameAs between vocabulary terms ({shown(s)}, {shown(o)})")
            if p == OWL.members and (s, RDF.type, OWL.AllDisjointClasses) not in g:
                problems.add(f"owl:members of something other than owl:AllDisjointClasses ({shown(s)})")
        # A rule that would derive schema triples from the data (a domain of owl:Class, a
        # subproperty of rdfs:subClassOf...) would need the vocabulary closure redone.
        for p, c in set(g.subject_objects(RDFS.domain)) | set(g.subject_objects(RDFS.range)):
            if c in SCHEMA_TYPES:
                problems.add(
                    f"{shown(p)} has the domain or range {g.qname(cast(str, c))}: instances would become schema"
                )
        for c1, c2 in g.subject_objects(RDFS.subClassOf):
            if c2 in SCHEMA_TYPES and c1 != c2:
                problems.add(f"{shown(c1)} is a subclass of {g.qname(cast(str, c2))}: instances would become schema")
        for p in (OWL.inverseOf, RDFS.subPropertyOf, OWL.equivalentProperty):
            for p1, p2 in g.subject_objects(p):
                for q in (p1, p2):
                    if _is_schema_term(q) and q != RDF.type:
                        problems.add(f"{g.qname(cast(str, p))} on {g.qname(q)}: rules would derive schema triples")
        if problems:
            raise UnsupportedVocabulary(sorted(problems))

    def _read(self) -> None:
        g = self.closure
        self.subclass = _implications(g, RDFS.subClassOf, OWL.equivalentClass)
        self.subproperty = _implications(g, RDFS.subPropertyOf, OWL.equivalentProperty)
        self.domain = set(cast("Iterator[_Pair]", g.subject_objects(RDFS.domain)))
        self.range = set(cast("Iterator[_Pair]", g.subject_objects(RDFS.range)))
        for p1, p2 in cast("Iterator[_Pair]", g.subject_objects(OWL.inverseOf)):
            self.inverse |= {(p1, p2), (p2, p1)}
        kinds = {
            OWL.SymmetricProperty: self.symmetric, OWL.TransitiveProperty: self.transitive,
            OWL.FunctionalProperty: self.functional, OWL.InverseFunctionalProperty: self.inverse_functional,
            OWL.IrreflexiveProperty: self.irreflexive, OWL.AsymmetricProperty: self.asymmetric,
        }
        for kind, members in kinds.items():
            members.update(cast("Iterator[Identifier]", g.subjects(RDF.type, kind)))
        self.disjoint = sorted(cast("Iterator[_Pair]", g.subject_objects(OWL.disjointWith)))
        for owner in sorted(cast("Iterator[Identifier]", g.subjects(RDF.type, OWL.AllDisjointClasses))):
            for head in g.objects(owner, OWL.members):
                self.all_disjoint.append(list(cast("Iterator[Identifier]", g.items(head))))
        self.errors = [
            str(g.value(node, OWLRL_ERROR.error)) for node in g.subjects(RDF.type, OWLRL_ERROR.ErrorMessage)
        ]
        for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
                  OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith, OWL.unionOf, OWL.members):
            for s, o in g.subject_objects(p):
                self.schema_terms |= {s, o}
        for kind in SCHEMA_TYPES:
            self.schema_terms.update(g.subjects(RDF.type, kind))

    def individuals(self) -> Iterator[tuple[object, object, object]]:
        """The vocabulary's own assertions about individuals (`sco:over a sco:Qualifier`)."""
        for s, o in self.closure.subject_objects(RDF.type):
            if (not _is_schema_term(o) or o in (OWL.Thing, OWL.Nothing)) and not isinstance(s, Literal):
                yield s, RDF.type, o
