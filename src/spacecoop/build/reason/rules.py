"""OWL 2 RL materialisation on a pyoxigraph store, with the semantics of `reference.reason()`.

`reference.reason()` runs owlrl, a pure-Python rule engine, over an rdflib graph:
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
   `reference.reasoning_input` keeps: `rdf:type`, `sco:` predicates and OWL/RDF(S)
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

Each step is a module of this package: 1. `vocabulary`; 2. `working_copy`, with the scratch
graphs and the spelling of terms in `scratch`; 3. `datatypes` (owlrl's datatype rules, once),
then `rule_updates` (the rules as SPARQL) round after round in `fixpoint`; 4. `consistency`;
5. `publish`. This module runs them in that order.

Every construct of the vocabulary is either implemented by these rules or refused:
`Vocabulary` raises `UnsupportedVocabulary` for any OWL, RDFS or RDF term it
has no rule for (`owl:propertyChainAxiom`, `owl:hasKey`, restrictions...), so
that a new axiom cannot be silently ignored. tests/build/test_rules.py proves the
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

import pyoxigraph as ox
from rdflib import Graph

from spacecoop.build.reason.consistency import inconsistencies
from spacecoop.build.reason.datatypes import datatype_rules
from spacecoop.build.reason.fixpoint import fixpoint
from spacecoop.build.reason.publish import Materialized, published
from spacecoop.build.reason.scratch import drop_scratch
from spacecoop.build.reason.vocabulary import Vocabulary
from spacecoop.build.reason.working_copy import copy_input, schema_in_data


def materialize(store: ox.Store, ontology: Graph) -> Materialized:
    """OWL 2 RL over the store's default graph (the asserted data) and the vocabulary.

    Returns what `reference.reason(ontology, asserted)` returns (the inferred triples as
    pyoxigraph triples; `Materialized.reasoned()` gives a `reference.Reasoned`). The default
    graph is left as it was; the scratch graphs `urn:spacecoop:scratch:rules:*` are removed.
    Raises UnsupportedVocabulary for OWL the rules do not implement.
    """
    drop_scratch(store)
    try:
        schema = schema_in_data(store)
        vocabulary = Vocabulary.of(ontology, schema if len(schema) else None)
        copy_input(store, vocabulary)
        errors, datatype_pairs = datatype_rules(store, vocabulary)
        rounds = fixpoint(store, vocabulary)
        errors += vocabulary.errors
        errors += inconsistencies(store, vocabulary, datatype_pairs)
        inferred = published(store, vocabulary, ontology, rounds)
    finally:
        drop_scratch(store)
    return Materialized(inferred, sorted(set(errors)))
