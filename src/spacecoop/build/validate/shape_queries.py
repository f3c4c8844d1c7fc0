"""SHACL validation on a pyoxigraph store, with the findings of `reference.validate()` (pyshacl).

pyshacl evaluates every constraint focus node by focus node in Python over an
rdflib graph: about 3 minutes for 100 000 triples, half an hour for a million.
`validate_store()` compiles the shapes instead: each constraint of each shape
becomes one SPARQL query over the store that returns only the violating
(focus node, value) pairs, for all focus nodes at once.

- **Data graph** (`data_graph`): the store's default graph (the asserted data) plus the
  vocabulary, copied for the duration into a scratch graph; queries see both
  as their default graph, as pyshacl sees the data graph with the vocabulary
  mixed in (`inference="none"`).
- **Targets** (`expressions`; sh:targetClass with the subclasses of the data graph,
  sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf) become a SELECT
  DISTINCT of focus nodes; **paths** (predicate, inverse, sequence,
  alternative, zero-or-more, one-or-more, zero-or-one; `property_paths`) become
  SPARQL property paths.
- **Structure** (sh:class, sh:nodeKind, sh:hasValue, sh:in, counts,
  sh:uniqueLang, qualified counts) is plain SPARQL; **literal checks**
  (sh:datatype, sh:pattern, sh:languageIn, sh:minLength/maxLength,
  sh:min/maxInclusive/Exclusive, sh:lessThan; `literals`) call back into Python for each
  value, with pyshacl's own rules (rdflib's ill-typed literals, Python `re`,
  pyshacl's literal comparison), so that a literal passes or fails exactly as
  it does in pyshacl.
- **Shapes inside shapes** (sh:or, sh:and, sh:not, sh:xone, sh:node,
  sh:qualifiedValueShape, sh:property of a nested shape) compile to one SPARQL
  boolean expression "this node conforms" (`expressions`); `sh:property` of a targeted shape
  validates the linked property shape on the same focus nodes, as pyshacl does
  (`compiler`).
- **SHACL-SPARQL** constraints (sh:sparql with sh:select) run as written, with
  `$this` joined to the shape's focus nodes at the start of the WHERE clause
  (pyshacl pre-binds it; for the queries SHACL allows, without MINUS, VALUES,
  SERVICE or subqueries, the two agree). A top-level `FILTER NOT EXISTS { P }`
  that is equivalent to `MINUS { P }` (P: triple patterns and FILTERs on its
  own variables, sharing $this) is run as MINUS: pyoxigraph evaluates NOT EXISTS
  over several patterns without using the outer bindings (oxigraph issue #885),
  80 s instead of 0.05 s for scosh:EvidenceShape on 100 000 triples (`sparql_text`).

Messages, severities, sh:value, sh:resultPath, sh:sourceShape and the
constraint component of each result are pyshacl's (`messages`, `report`), including its generic
messages when a shape has no sh:message and the nested results pyshacl lists
under a failed sh:node. Known differences: sh:value is the store's spelling of
a literal (`"110.0"^^xsd:decimal` is `110`, integer subtypes are xsd:integer);
SHACL-SPARQL runs on oxigraph's SPARQL engine, which follows the specification
where rdflib's does not (in rdflib `"3" > 3` is true, in SPARQL 1.1 an error);
pyshacl's generic message of sh:in lists the values in set order, which varies
from run to run, here in list order. Every SHACL term of the shapes graph (`shapes`)
is either implemented here or refused: `supported.check_shapes` raises UnsupportedShapes
for anything else (sh:closed, sh:equals, SHACL-AF targets and rules...), so a
new shape is never silently skipped. tests/build/test_shape_queries.py proves the
equivalence with pyshacl on the real data and every fixture of tests/fixtures/shapes.

This module is the entry point, `validate_store`: it sets up the data graph and runs the compiler
on every targeted shape.
"""

from __future__ import annotations

import logging

import pyoxigraph as ox
from rdflib import Graph

from spacecoop.build.validate.compiler import Compiler
from spacecoop.build.validate.data_graph import add_vocabulary, drop_scratch, subclasses
from spacecoop.build.validate.expressions import Context
from spacecoop.build.validate.literals import Checks
from spacecoop.build.validate.reference import ValidationResult
from spacecoop.build.validate.report import validation_result
from spacecoop.build.validate.supported import check_shapes


def validate_store(store: ox.Store, shapes: Graph, ontology: Graph) -> ValidationResult:
    """SHACL validation of the store's default graph (the asserted data) with the vocabulary
    mixed in: the findings of `validation.validate(asserted, shapes, ontology)`.

    Raises UnsupportedShapes when the shapes use SHACL that is not implemented here.
    The scratch graph `urn:spacecoop:scratch:shapes:vocabulary` is removed again.
    """
    model = check_shapes(shapes)
    # rdflib logs every ill-typed literal it converts; pyshacl's run logs them at parse time.
    quiet = logging.getLogger("rdflib.term")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    drop_scratch(store)
    try:
        add_vocabulary(store, ontology)
        ctx = Context(store, model, Checks(), subclasses(store))
        compiler = Compiler(ctx)
        for shape in sorted(model.targeted, key=str):
            compiler.validate(shape, compiler.targets(shape))
    finally:
        drop_scratch(store)
        quiet.setLevel(level)
    return validation_result(ctx.results, shapes)
