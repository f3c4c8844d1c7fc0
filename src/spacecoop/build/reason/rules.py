"""OWL 2 RL materialisation on a pyoxigraph store, with the semantics of `reasoning.reason()`.

`reasoning.reason()` runs owlrl, a pure-Python rule engine, over an rdflib graph:
fine for thousands of triples, far too slow for a million. `materialize()` gives
the same answer with the store's own SPARQL engine:

1. **The vocabulary once.** owlrl computes the closure of the vocabulary alone
   (a thousand triples, a fraction of a second): subclass and subproperty
   hierarchies, domains and ranges inherited along them, `owl:unionOf` members
   as subclasses, equivalences as two subclass or subproperty axioms. From that
   closure `Vocabulary` reads the rule tables: which classes each class implies,
   the domains and ranges of each property, inverses, the symmetric, transitive,
   functional and inverse-functional properties, disjointness.
2. **A working copy.** The asserted triples owlrl would see (what
   `reasoning.reasoning_input` keeps: `rdf:type`, `sco:` predicates and OWL/RDF(S)
   axioms; not labels, evidence or provenance) are copied into a scratch graph.
   Literal objects become IRIs there (`urn:spacecoop:scratch:rules:literal:...`,
   the literal spelled out in the IRI), because owlrl happily reasons about
   literals as subjects (an inverse property used with a literal value, a range
   typing a literal) and RDF stores do not allow literal subjects.
3. **Rules to a fixpoint.** Each rule (cax-sco, prp-dom, prp-rng, prp-spo1,
   prp-inv1/2, prp-symp, prp-trp, prp-fp, prp-ifp, eq-sym, eq-trans, eq-rep-s/p/o)
   is one SPARQL UPDATE whose rule table is a VALUES block; rounds are
   semi-naive (round n joins only what round n-1 derived, into its own graph
   `.../round/n`) and stop when a round adds nothing. With the vocabulary
   closed beforehand, two rounds suffice for the real data.
4. **Consistency** as SELECT queries on the closure (cax-dw, cax-adc, prp-irp,
   prp-asyp, cls-nothing2, eq-diff1, owlrl's datatype checks, and reason()'s own
   "would be the same individual" for two instances made `owl:sameAs`), worded
   as owlrl and `reason()` word them.
5. **The published triples** are selected as `reason()` selects them: about the
   data's instances, not asserted, no `owl:sameAs`, no `rdfs:Resource`,
   `owl:Thing`, `owl:NamedIndividual` or blank-node typing.

Every construct of the vocabulary is either implemented here or refused:
`Vocabulary` raises `UnsupportedVocabulary` for any OWL, RDFS or RDF term it
has no rule for (`owl:propertyChainAxiom`, `owl:hasKey`, restrictions...), so
that a new axiom cannot be silently ignored. tests/test_rules.py proves the
equivalence with `reason()` on the real data and the reasoning fixtures.

Known differences from owlrl, all on data no build accepts anyway or on
spellings the store does not keep: pyoxigraph 0.5 stores `"5"^^xsd:positiveInteger`
(and every other integer subtype) as `"5"^^xsd:integer`, so an out-of-range
`"-1"^^xsd:nonNegativeInteger` that owlrl reports as ill-typed arrives here as
a valid integer; a literal written `"x"^^xsd:string` is the plain literal `"x"`
in the store (owlrl types the first as `xsd:string`, not the second); the store
writes numbers canonically (`"1.50"^^xsd:decimal` is `"1.5"`) and language tags
in lower case; an `owl:sameAs` between two instances at least one of which is a
blank node is not reported (reason() reports it or not depending on the random
label of the blank node); an `owl:sameAs` involving a class or property is
refused (UnsupportedVocabulary) rather than reasoned with.
"""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeGuard, cast

import owlrl
import pyoxigraph as ox
from owlrl.AxiomaticTriples import OWLRL_Datatypes_Disjointness
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Identifier, Node

from spacecoop.errors import BuildError
from spacecoop.rdf import terms
from spacecoop.iris import ID, OWLRL_ERROR, SCO
from spacecoop.build.reason.reference import Reasoned, reasoning_input

SCRATCH = "urn:spacecoop:scratch:rules:"
ALL = ox.NamedNode(SCRATCH + "all")  # the working copy and everything derived


def ROUND(n: int) -> ox.NamedNode:  # noqa: N802 - a graph name
    """What round n derived (round 0: the datatype rules)."""
    return ox.NamedNode(f"{SCRATCH}round/{n}")


LITERAL = SCRATCH + "literal:"  # literal objects, as IRIs
SKOLEM = SCRATCH + "bnode:"  # the vocabulary's blank nodes (union classes), as IRIs

_OWL, _RDF, _RDFS = str(OWL), str(RDF), str(RDFS)
_SCHEMA_NAMESPACES = (_OWL, _RDF, _RDFS)
_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)
_NOISE_TYPES = (RDFS.Resource, OWL.Thing, OWL.NamedIndividual, OWLRL_ERROR.ErrorMessage)

# --- What the vocabulary may use ---------------------------------------------------------------
#
# Predicates of the vocabulary closure with a rule here (or, for the header and annotation
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
_ANNOTATIONS = (RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy)


class UnsupportedVocabulary(BuildError):
    """The vocabulary (or schema statements in the data) uses OWL that rules.py does not implement."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "OWL 2 RL reasoning (spacecoop.build.reason.rules) does not implement:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nimplement the rule in src/spacecoop/rules.py (and prove it in tests/test_rules.py) "
            "or leave the axiom out; `--engine reference` runs owlrl and pyshacl instead"
        )
        self.problems = problems


@dataclass
class Materialized:
    """What `materialize` found: the inferred triples about instances and the inconsistencies."""

    inferred: list[ox.Triple]
    errors: list[str]

    def quads(self, graph: ox.NamedNode) -> Iterator[ox.Quad]:
        """The inferred triples in `graph`, e.g. for `store.extend(m.quads(INFERRED_GRAPH))`."""
        return (ox.Quad(t.subject, t.predicate, t.object, graph) for t in self.inferred)

    def reasoned(self) -> Reasoned:
        """As `reasoning.reason()` returns it (an rdflib graph: slow for large results)."""
        graph = Graph()
        for triple in self.inferred:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return Reasoned(graph, list(self.errors))


# --- Terms -----------------------------------------------------------------------------------------


def to_oxigraph(term: object, *, skolem: bool = False) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (a blank node as a scratch IRI when `skolem`)."""
    if skolem and isinstance(term, BNode):
        return ox.NamedNode(SKOLEM + str(term))
    return terms.to_oxigraph(term)


def to_rdflib(term: object) -> URIRef | BNode | Literal:
    """A pyoxigraph term as rdflib's parsers would give it (scratch IRIs decoded)."""
    if isinstance(term, ox.NamedNode):
        value = term.value
        if value.startswith(LITERAL):
            return decode_literal(value)
        if value.startswith(SKOLEM):
            return BNode(value[len(SKOLEM):])
    return terms.to_rdflib(term)


def _literal_iri_expression(var: str) -> str:
    """SPARQL: the scratch IRI standing for the literal in `var` (decode_literal reverses it)."""
    return (
        f'IRI(CONCAT("{LITERAL}", ENCODE_FOR_URI(STR({var})), ":", '
        f'IF(LANG({var}) != "", CONCAT("@", LANG({var})), ENCODE_FOR_URI(STR(DATATYPE({var}))))))'
    )


def decode_literal(iri: str) -> Literal:
    lexical, _, kind = iri[len(LITERAL):].partition(":")
    lexical = urllib.parse.unquote(lexical)
    kind = urllib.parse.unquote(kind)
    if kind.startswith("@"):
        return Literal(lexical, lang=kind[1:])
    if kind in (_XSD_STRING, ""):
        return Literal(lexical)
    return Literal(lexical, datatype=URIRef(kind))


def _sparql(term: object) -> str:
    """A term (rdflib or pyoxigraph, vocabulary blank nodes as scratch IRIs) in SPARQL syntax."""
    if isinstance(term, (URIRef, BNode, Literal)):
        term = to_oxigraph(term, skolem=True)
    if isinstance(term, ox.BlankNode):
        raise ValueError("blank nodes cannot be written into a query")
    return str(term)


def _shown(term: object) -> str:
    """A node as owlrl's messages print it ("%s" of the rdflib term)."""
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        term = to_rdflib(term)
    return str(term)


def _values(variables: str, rows: Iterable[tuple[object, ...]]) -> str:
    body = " ".join("(" + " ".join(_sparql(t) for t in row) + ")" for row in rows)
    return f"VALUES ({variables}) {{ {body} }}"


# --- The vocabulary --------------------------------------------------------------------------------


def _is_schema_term(term: object) -> TypeGuard[URIRef]:
    return isinstance(term, URIRef) and str(term).startswith(_SCHEMA_NAMESPACES)


_VOCABULARIES: dict[frozenset[tuple[Node, Node, Node]], Vocabulary] = {}
_Pair = tuple[Identifier, Identifier]  # two terms of the closure (rdflib's, hence comparable)


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
        """Refuse every OWL/RDF(S) construct of the vocabulary that has no rule here."""
        problems: set[str] = set()
        g = self.closure
        for s, p, o in g:
            if p == OWLRL_ERROR.error or (p == RDF.type and o == OWLRL_ERROR.ErrorMessage):
                continue
            if _is_schema_term(p) and p not in SUPPORTED_PREDICATES:
                problems.add(f"{g.qname(p)} (in {_shown(s)} {g.qname(p)} {_shown(o)})")
            if p == RDF.type:
                if _is_schema_term(o) and o not in SUPPORTED_TYPES:
                    problems.add(f"{g.qname(o)} (the type of {_shown(s)})")
            elif _is_schema_term(o) and o not in SUPPORTED_TYPES and o not in SUPPORTED_TERMS and p != OWL.sameAs:
                problems.add(f"{g.qname(o)} (in {_shown(s)} {g.qname(cast(str, p))} {_shown(o)})")
            if p == OWL.sameAs and s != o:
                problems.add(f"owl:sameAs between vocabulary terms ({_shown(s)}, {_shown(o)})")
            if p == OWL.members and (s, RDF.type, OWL.AllDisjointClasses) not in g:
                problems.add(f"owl:members of something other than owl:AllDisjointClasses ({_shown(s)})")
        # A rule that would derive schema triples from the data (a domain of owl:Class, a
        # subproperty of rdfs:subClassOf...) would need the vocabulary closure redone.
        for p, c in set(g.subject_objects(RDFS.domain)) | set(g.subject_objects(RDFS.range)):
            if c in SCHEMA_TYPES:
                problems.add(
                    f"{_shown(p)} has the domain or range {g.qname(cast(str, c))}: instances would become schema"
                )
        for c1, c2 in g.subject_objects(RDFS.subClassOf):
            if c2 in SCHEMA_TYPES and c1 != c2:
                problems.add(f"{_shown(c1)} is a subclass of {g.qname(cast(str, c2))}: instances would become schema")
        for p in (OWL.inverseOf, RDFS.subPropertyOf, OWL.equivalentProperty):
            for p1, p2 in g.subject_objects(p):
                for q in (p1, p2):
                    if _is_schema_term(q) and q != RDF.type:
                        problems.add(f"{g.qname(cast(str, p))} on {g.qname(q)}: rules would derive schema triples")
        if problems:
            raise UnsupportedVocabulary(sorted(problems))

    def _read(self) -> None:
        g = self.closure
        for c1, c2 in cast("Iterator[_Pair]", g.subject_objects(RDFS.subClassOf)):
            if c1 != c2:
                self.subclass.add((c1, c2))
        for c1, c2 in cast("Iterator[_Pair]", g.subject_objects(OWL.equivalentClass)):
            if c1 != c2:
                self.subclass |= {(c1, c2), (c2, c1)}
        for p1, p2 in cast("Iterator[_Pair]", g.subject_objects(RDFS.subPropertyOf)):
            if p1 != p2:
                self.subproperty.add((p1, p2))
        for p1, p2 in cast("Iterator[_Pair]", g.subject_objects(OWL.equivalentProperty)):
            if p1 != p2:
                self.subproperty |= {(p1, p2), (p2, p1)}
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


# --- The store ----------------------------------------------------------------------------------


_PREFIXES = {"owl": _OWL, "rdf": _RDF}


def _update(store: ox.Store, operations: list[str]) -> None:
    if operations:
        store.update(" ;\n".join(operations), prefixes=_PREFIXES)


def _count(store: ox.Store, graph: ox.NamedNode) -> int:
    rows = list(
        cast(ox.QuerySolutions, store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))
    )
    return int(rows[0]["n"].value)


def _schema_in_data(store: ox.Store) -> Graph:
    """Schema triples stated by the data (normally none): they join the vocabulary."""
    found = Graph()
    predicates = " ".join(_sparql(p) for p in sorted(SCHEMA_PREDICATES))
    types = " ".join(_sparql(t) for t in sorted(SCHEMA_TYPES))
    query = (
        f"SELECT ?s ?p ?o WHERE {{ {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }} "
        f"UNION {{ VALUES ?o {{ {types} }} ?s a ?o BIND(rdf:type AS ?p) }} }}"
    )
    for row in cast(ox.QuerySolutions, store.query(query, prefixes={"rdf": _RDF})):
        found.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))
    return found


def _input_predicates(store: ox.Store) -> list[ox.NamedNode]:
    """The data's predicates that reasoning_input() keeps (schema predicates excepted)."""
    annotations = {str(a) for a in _ANNOTATIONS}
    schema = {str(p) for p in SCHEMA_PREDICATES}
    kept = []
    for row in cast(ox.QuerySolutions, store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")):
        p = row["p"].value
        if p in annotations or p in schema:
            continue
        if p.startswith(str(SCO)) or p.startswith(_SCHEMA_NAMESPACES):
            kept.append(row["p"])
    return kept


def _copy_input(store: ox.Store, vocabulary: Vocabulary) -> None:
    """The triples owlrl would see, literals as IRIs, into ALL (schema triples left out)."""
    predicates = " ".join(str(p) for p in _input_predicates(store))
    types = " ".join(_sparql(t) for t in sorted(SCHEMA_TYPES))
    operations = [
        f"INSERT {{ GRAPH {ALL} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?p {{ {predicates} }} ?s ?p ?o "
        f"FILTER(!isLITERAL(?o)) }}",
        f"INSERT {{ GRAPH {ALL} {{ ?s ?p ?object }} }} WHERE {{ VALUES ?p {{ {predicates} }} ?s ?p ?o "
        f"FILTER(isLITERAL(?o)) BIND({_literal_iri_expression('?o')} AS ?object) }}",
        f"DELETE {{ GRAPH {ALL} {{ ?s a ?o }} }} WHERE {{ VALUES ?o {{ {types} }} GRAPH {ALL} {{ ?s a ?o }} }}",
    ]
    individuals = " ".join(f"{_sparql(s)} {_sparql(p)} {_sparql(o)} ." for s, p, o in vocabulary.individuals())
    if individuals:
        operations.append(f"INSERT DATA {{ GRAPH {ALL} {{ {individuals} }} }}")
    for op in operations:
        _update(store, [op])


def _rdflib_datatype(literal_iri: str) -> URIRef | None:
    """The datatype owlrl sees for a literal: rdflib gives plain and language strings none."""
    kind = urllib.parse.unquote(literal_iri[len(LITERAL):].partition(":")[2])
    if kind.startswith("@") or kind == _XSD_STRING:
        return None
    return URIRef(kind)


def _datatype_rules(store: ox.Store, vocabulary: Vocabulary) -> tuple[list[str], list[tuple[URIRef, URIRef]]]:
    """owlrl's one-time datatype rules: each literal typed by its datatype and the datatypes it
    implies, lexical forms checked, and the disjointness of the datatypes in use. Returns the
    errors and the disjoint pairs of datatypes."""
    errors: list[str] = []
    rl_datatypes = set(OWL_RL_Datatypes)
    used: set[URIRef] = set()
    typing: list[str] = []
    query = (
        f"SELECT DISTINCT ?o WHERE {{ GRAPH {ALL} {{ ?s ?p ?o }} "
        f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{LITERAL}")) }}'
    )
    for row in cast(ox.QuerySolutions, store.query(query)):
        iri = row["o"].value
        datatype = _rdflib_datatype(iri)
        if datatype not in rl_datatypes:
            continue
        literal = decode_literal(iri)
        try:
            AltXSDToPYTHON.get(datatype, lambda value: value)(str(literal))
        except ValueError:
            errors.append(f"Lexical value of the literal '{literal}' does not match its datatype ({datatype})")
        for implied in (datatype, *OWL_Datatype_Subsumptions.get(datatype, ())):
            typing.append(f"<{iri}> a {_sparql(implied)} .")
            used.add(implied)
    # The vocabulary's own literals count as used.
    for _s, _p, o in vocabulary.closure:
        if isinstance(o, Literal) and o.datatype in rl_datatypes:
            used.add(cast(URIRef, o.datatype))
    # Resources typed with a datatype get the datatypes it implies (owlrl's "explicit" datatypes).
    values = " ".join(_sparql(d) for d in OWL_RL_Datatypes)
    used |= {URIRef(row["d"].value) for row in cast(ox.QuerySolutions, store.query(
        f"SELECT DISTINCT ?d WHERE {{ VALUES ?d {{ {values} }} GRAPH {ALL} {{ ?s a ?d }} }}"
    ))}
    implied = [(d, i) for d, supers in OWL_Datatype_Subsumptions.items() if d in used for i in supers]
    used |= {i for _d, i in implied}
    operations = []
    if typing:
        body = " ".join(typing)
        operations.append(f"INSERT DATA {{ GRAPH {ALL} {{ {body} }} GRAPH {ROUND(0)} {{ {body} }} }}")
    if implied:
        operations.append(
            f"INSERT {{ GRAPH {ALL} {{ ?s a ?i }} GRAPH {ROUND(0)} {{ ?s a ?i }} }} WHERE {{ "
            f"{_values('?d ?i', implied)} GRAPH {ALL} {{ ?s a ?d }} "
            f'FILTER(isBLANK(?s) || !STRSTARTS(STR(?s), "{LITERAL}")) '
            f"FILTER NOT EXISTS {{ GRAPH {ALL} {{ ?s a ?i }} }} }}"
        )
    _update(store, operations)
    pairs = [(left, right) for left, _p, right in OWLRL_Datatypes_Disjointness if left in used and right in used]
    return errors, pairs


def _rules(vocabulary: Vocabulary, delta: ox.NamedNode, new: ox.NamedNode, same_as: bool) -> list[str]:
    """One round: every rule's SPARQL UPDATE, from `delta` joined with ALL into `new`."""
    D, A, N = delta, ALL, new
    first = delta == ALL
    v = vocabulary
    ops: list[str] = []

    def absent(s: str, p: str, o: str) -> str:
        return f"FILTER NOT EXISTS {{ GRAPH {A} {{ {s} {p} {o} }} }}"

    if v.subclass:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x a ?c2 }} }} WHERE {{ {_values('?c1 ?c2', sorted(v.subclass))} "
            f"GRAPH {D} {{ ?x a ?c1 }} {absent('?x', 'a', '?c2')} }}"
        )
    # prp-dom types the subject (?x), prp-rng the object (?y): each (node, property) once,
    # however many values it has.
    for table, node in ((v.domain, "?x"), (v.range, "?y")):
        if table:
            properties = " ".join(_sparql(p) for p in sorted({p for p, _c in table}))
            ops.append(
                f"INSERT {{ GRAPH {N} {{ {node} a ?c }} }} WHERE {{ "
                f"{{ SELECT DISTINCT {node} ?p WHERE {{ VALUES ?p {{ {properties} }} GRAPH {D} {{ ?x ?p ?y }} }} }} "
                f"{_values('?p ?c', sorted(table))} {absent(node, 'a', '?c')} }}"
            )
    if v.subproperty:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x ?q ?y }} }} WHERE {{ {_values('?p ?q', sorted(v.subproperty))} "
            f"GRAPH {D} {{ ?x ?p ?y }} {absent('?x', '?q', '?y')} }}"
        )
    if v.inverse:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y ?q ?x }} }} WHERE {{ {_values('?p ?q', sorted(v.inverse))} "
            f"GRAPH {D} {{ ?x ?p ?y }} {absent('?y', '?q', '?x')} }}"
        )
    if v.symmetric:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y ?p ?x }} }} WHERE {{ {_values('?p', [(p,) for p in sorted(v.symmetric)])} "
            f"GRAPH {D} {{ ?x ?p ?y }} {absent('?y', '?p', '?x')} }}"
        )
    if v.transitive:
        values = _values("?p", [(p,) for p in sorted(v.transitive)])
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x ?p ?z }} }} WHERE {{ {values} "
            f"GRAPH {D} {{ ?x ?p ?y }} GRAPH {A} {{ ?y ?p ?z }} {absent('?x', '?p', '?z')} }}"
        )
        if not first:
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?x ?p ?z }} }} WHERE {{ {values} "
                f"GRAPH {A} {{ ?x ?p ?y }} GRAPH {D} {{ ?y ?p ?z }} {absent('?x', '?p', '?z')} }}"
            )
    if v.functional:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y1 owl:sameAs ?y2 . ?y2 owl:sameAs ?y1 }} }} WHERE {{ "
            f"{_values('?p', [(p,) for p in sorted(v.functional)])} "
            f"GRAPH {D} {{ ?x ?p ?y1 }} GRAPH {A} {{ ?x ?p ?y2 }} FILTER(!sameTerm(?y1, ?y2)) }}"
        )
    if v.inverse_functional:
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?x1 owl:sameAs ?x2 . ?x2 owl:sameAs ?x1 }} }} WHERE {{ "
            f"{_values('?p', [(p,) for p in sorted(v.inverse_functional)])} "
            f"GRAPH {D} {{ ?x1 ?p ?y }} GRAPH {A} {{ ?x2 ?p ?y }} FILTER(!sameTerm(?x1, ?x2)) }}"
        )
    if same_as:
        # eq-sym, eq-trans and eq-rep-s/p/o, from the new sameAs or from the new triples.
        ops.append(
            f"INSERT {{ GRAPH {N} {{ ?y owl:sameAs ?x }} }} WHERE {{ GRAPH {D} {{ ?x owl:sameAs ?y }} "
            f"FILTER(!sameTerm(?x, ?y)) }}"
        )
        pairs = [(D, A)] if first else [(D, A), (A, D)]
        for left, right in pairs:
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?x owl:sameAs ?z }} }} WHERE {{ GRAPH {left} {{ ?x owl:sameAs ?y }} "
                f"GRAPH {right} {{ ?y owl:sameAs ?z }} FILTER(!sameTerm(?x, ?z) && !sameTerm(?x, ?y)) }}"
            )
        for same, triple in ([(D, A)] if first else [(D, A), (A, D)]):
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?t ?p ?o }} }} WHERE {{ GRAPH {same} {{ ?s owl:sameAs ?t }} "
                f"GRAPH {triple} {{ ?s ?p ?o }} FILTER(!sameTerm(?s, ?t)) }}"
            )
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?s ?p ?t }} }} WHERE {{ GRAPH {same} {{ ?o owl:sameAs ?t }} "
                f"GRAPH {triple} {{ ?s ?p ?o }} FILTER(!sameTerm(?o, ?t)) }}"
            )
            ops.append(
                f"INSERT {{ GRAPH {N} {{ ?s ?t ?o }} }} WHERE {{ GRAPH {same} {{ ?p owl:sameAs ?t }} "
                f"GRAPH {triple} {{ ?s ?p ?o }} FILTER(!sameTerm(?p, ?t)) }}"
            )
    return ops


def _has_same_as(store: ox.Store) -> bool:
    return bool(store.query(f"ASK {{ GRAPH {ALL} {{ ?x <{OWL.sameAs}> ?y }} }}"))


def _fixpoint(store: ox.Store, vocabulary: Vocabulary) -> int:
    """Apply the rules round after round until one adds nothing; the number of rounds."""
    delta, n = ALL, 0
    while True:
        n += 1
        new = ROUND(n)
        ops = _rules(vocabulary, delta, new, _has_same_as(store))
        # What ALL already had, and owl:sameAs x x, are not new.
        ops.append(
            f"DELETE {{ GRAPH {new} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {new} {{ ?s ?p ?o }} GRAPH {ALL} {{ ?s ?p ?o }} }}"
        )
        ops.append(f"DELETE {{ GRAPH {new} {{ ?s owl:sameAs ?s }} }} WHERE {{ GRAPH {new} {{ ?s owl:sameAs ?s }} }}")
        # One update each: pyoxigraph reads its own pending writes slowly within one transaction.
        for op in ops:
            _update(store, [op])
        if _count(store, new) == 0:
            return n
        store.update(f"ADD {new} TO {ALL}")
        delta = new


# --- Consistency ---------------------------------------------------------------------------------


def _instance_test(var: str) -> str:
    """SPARQL: `var` is one of the data's instances (reason()'s definition), in the default graph."""
    return (
        f'((isBLANK({var}) && EXISTS {{ {var} ?ip ?io }}) || (isIRI({var}) && STRSTARTS(STR({var}), "{ID}") '
        f"&& (EXISTS {{ {var} ?ip ?io }} || EXISTS {{ ?is ?ip {var} }})))"
    )


def _consistency(store: ox.Store, vocabulary: Vocabulary, datatype_pairs: list[tuple[URIRef, URIRef]]) -> list[str]:
    errors: list[str] = []
    v = vocabulary

    def select(query: str) -> Iterator[ox.QuerySolution]:
        return iter(cast(ox.QuerySolutions, store.query(query, prefixes={"owl": _OWL, "rdf": _RDF})))

    disjoint = list(v.disjoint) + datatype_pairs
    if disjoint:
        for row in select(
            f"SELECT ?c1 ?c2 ?x WHERE {{ {_values('?c1 ?c2', disjoint)} GRAPH {ALL} {{ ?x a ?c1 . ?x a ?c2 }} }}"
        ):
            errors.append(
                f"Disjoint classes {_shown(row['c1'])} and {_shown(row['c2'])} "
                f"have a common individual {_shown(row['x'])}"
            )
    for members in v.all_disjoint:
        if len(members) < 2:
            continue
        values = " ".join(_sparql(c) for c in members)
        typed: dict[object, set[str]] = defaultdict(set)
        for row in select(
            f"SELECT ?x ?c WHERE {{ {{ SELECT ?x WHERE {{ VALUES ?c {{ {values} }} GRAPH {ALL} {{ ?x a ?c }} }} "
            f"GROUP BY ?x HAVING (COUNT(?c) > 1) }} VALUES ?c {{ {values} }} GRAPH {ALL} {{ ?x a ?c }} }}"
        ):
            typed[row["x"]].add(str(row["c"]))
        for x, classes in typed.items():
            # As owlrl: for each member but the last, each later member.
            for i in range(len(members) - 1):
                for later in members[i + 1:]:
                    if _sparql(members[i]) in classes and _sparql(later) in classes:
                        errors.append(f"Disjoint classes {members[i]} and {later} have a common individual {_shown(x)}")
    if v.irreflexive:
        for row in select(
            f"SELECT ?p ?x WHERE {{ {_values('?p', [(p,) for p in sorted(v.irreflexive)])} "
            f"GRAPH {ALL} {{ ?x ?p ?x }} }}"
        ):
            errors.append(f"Irreflexive property used on {_shown(row['x'])} with {_shown(row['p'])}")
    if v.asymmetric:
        for row in select(
            f"SELECT ?p ?x ?y WHERE {{ {_values('?p', [(p,) for p in sorted(v.asymmetric)])} "
            f"GRAPH {ALL} {{ ?x ?p ?y . ?y ?p ?x }} }}"
        ):
            errors.append(
                f"Erroneous usage of asymmetric property {_shown(row['p'])} "
                f"on {_shown(row['x'])} and {_shown(row['y'])}"
            )
    for row in select(f"SELECT ?x WHERE {{ GRAPH {ALL} {{ ?x a owl:Nothing }} }}"):
        errors.append(f"{_shown(row['x'])} is defined of type 'Nothing'")
        errors.append(f"{_shown(row['x'])} is a member of owl:Nothing")
    # owl:sameAs: reason()'s own message for two instances, owlrl's eq-diff1, and the guard.
    unsupported: set[str] = set()
    query = (
        f"SELECT ?x ?y ?different (({_instance_test('?x')}) AS ?xi) (({_instance_test('?y')}) AS ?yi) "
        f"WHERE {{ GRAPH {ALL} {{ ?x owl:sameAs ?y }} "
        f"BIND(EXISTS {{ GRAPH {ALL} {{ {{ ?x owl:differentFrom ?y }} UNION {{ ?y owl:differentFrom ?x }} }} }} "
        f"AS ?different) }}"
    )
    for row in select(query):
        x, y = to_rdflib(row["x"]), to_rdflib(row["y"])
        if x == y:
            continue
        for node in (x, y):
            if node in v.schema_terms:
                unsupported.add(f"owl:sameAs of the vocabulary term {node} (with {y if node == x else x})")
        if row["different"].value == "true":
            errors.append(f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({x}, {y})")
        both = row["xi"].value == "true" and row["yi"].value == "true"
        if both and isinstance(x, URIRef) and str(x) < str(y):
            errors.append(f"{x} and {y} would be the same individual (a functional property has two values)")
    # eq-ref makes every node owl:sameAs itself, so x owl:differentFrom x is an eq-diff1 error too.
    for row in select(f"SELECT ?x WHERE {{ GRAPH {ALL} {{ ?x owl:differentFrom ?x }} }}"):
        x = to_rdflib(row["x"])
        errors.append(f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({x}, {x})")
    if unsupported:
        raise UnsupportedVocabulary(sorted(unsupported))
    return errors


# --- What is published -----------------------------------------------------------------------


def _published(store: ox.Store, vocabulary: Vocabulary, ontology: Graph, rounds: int) -> list[ox.Triple]:
    """The inferred triples about the data's instances, without owlrl's noise (as reason())."""
    noise = ", ".join(_sparql(t) for t in _NOISE_TYPES)
    query = f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
            VALUES ?g {{ {" ".join(str(ROUND(n)) for n in range(rounds + 1))} }}
            GRAPH ?g {{ ?s ?p ?o }}
            FILTER(?p != owl:sameAs && (isBLANK(?s) || !STRSTARTS(STR(?s), "{SCRATCH}")))
            FILTER(?p != rdf:type || (!isBLANK(?o) && !STRSTARTS(STR(?o), "{SKOLEM}") && ?o NOT IN ({noise})))
            FILTER((isIRI(?s) && STRSTARTS(STR(?s), "{ID}")) || (isBLANK(?s) && EXISTS {{ ?s ?ip ?io }}))
            FILTER NOT EXISTS {{ ?s ?p ?o }}
        }}"""
    ontology_subjects = {str(s) for s in ontology.subjects()}
    found: list[ox.Triple] = []
    for triple in cast(ox.QueryTriples, store.query(query, prefixes={"owl": _OWL, "rdf": _RDF})):
        s, p, o = triple.subject, triple.predicate, triple.object
        if isinstance(o, ox.NamedNode) and o.value.startswith((LITERAL, SKOLEM)):
            o = to_oxigraph(to_rdflib(o))
            if isinstance(o, ox.BlankNode):  # a vocabulary blank node: not the store's
                continue
            if next(store.quads_for_pattern(s, p, o, ox.DefaultGraph()), None) is not None:
                continue
            triple = ox.Triple(s, p, o)
        if s.value in ontology_subjects and (to_rdflib(s), to_rdflib(p), to_rdflib(o)) in ontology:
            continue
        found.append(triple)
    # Triples of the vocabulary closure about instances (when the data states schema triples).
    for s, p, o in vocabulary.closure:
        if isinstance(s, URIRef) and str(s).startswith(str(ID)) and p != OWL.sameAs and (s, p, o) not in ontology:
            if p == RDF.type and (o in _NOISE_TYPES or isinstance(o, BNode)):
                continue
            if p == OWLRL_ERROR.error:
                continue
            # vocabulary blank nodes kept
            triple = ox.Triple(
                cast(ox.NamedNode, to_oxigraph(s)), cast(ox.NamedNode, to_oxigraph(p)), to_oxigraph(o)
            )
            if next(
                store.quads_for_pattern(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()), None
            ) is None:
                found.append(triple)
    return list(dict.fromkeys(found))  # the store's order, each triple once


# --- Entry point -----------------------------------------------------------------------------


def drop_scratch(store: ox.Store) -> None:
    """Remove every scratch graph of this module from the store."""
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(SCRATCH):
            store.remove_graph(graph)


def materialize(store: ox.Store, ontology: Graph) -> Materialized:
    """OWL 2 RL over the store's default graph (the asserted data) and the vocabulary.

    Returns what `reasoning.reason(ontology, asserted)` returns (the inferred triples as
    pyoxigraph triples; `Materialized.reasoned()` gives a `reasoning.Reasoned`). The default
    graph is left as it was; the scratch graphs `urn:spacecoop:scratch:rules:*` are removed.
    Raises UnsupportedVocabulary for OWL the rules do not implement.
    """
    drop_scratch(store)
    try:
        schema = _schema_in_data(store)
        vocabulary = Vocabulary.of(ontology, schema if len(schema) else None)
        _copy_input(store, vocabulary)
        errors, datatype_pairs = _datatype_rules(store, vocabulary)
        rounds = _fixpoint(store, vocabulary)
        errors += vocabulary.errors
        errors += _consistency(store, vocabulary, datatype_pairs)
        inferred = _published(store, vocabulary, ontology, rounds)
    finally:
        drop_scratch(store)
    return Materialized(inferred, sorted(set(errors)))
