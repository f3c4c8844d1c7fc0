"""What the shapes may use: the SHACL compiled here, and `check_shapes`, which refuses the rest.

Every SHACL term of the shapes graph is either compiled or refused (UnsupportedShapes): sh:closed,
sh:equals, SHACL-AF targets and rules... so a new shape is never silently skipped.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from spacecoop.build.validate.property_paths import path_problems
from spacecoop.build.validate.shapes import TARGETS, Shapes, UnsupportedShapes, items, name
from spacecoop.build.validate.sparql_text import sparql_problems

# Constraint parameters with an implementation here (the components pyshacl runs for them).
COMPONENTS: dict[URIRef, str] = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH.qualifiedValueShape: "QualifiedValueShapeConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
# Parameters that only qualify another one, and what describes a shape without constraining.
AUXILIARY = {SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
DESCRIPTIVE = {
    SH.path, SH.property, SH.message, SH.severity, SH.deactivated, SH.name, SH.description,
    SH.order, SH.group, SH.defaultValue, *TARGETS,
}
# Constraints that are only implemented on targeted shapes (not inside sh:or, sh:node...).
TOP_LEVEL_ONLY = {SH.lessThan, SH.sparql}
# pyshacl refuses these more than once on a shape, or on a node shape.
SINGLE_VALUED = (SH.datatype, SH.nodeKind, SH.minLength, SH.maxLength, SH.languageIn, SH.uniqueLang,
                 SH.minCount, SH.maxCount, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.flags)
PROPERTY_SHAPE_ONLY = (SH.minCount, SH.maxCount, SH.uniqueLang, SH.lessThan)
MAX_NESTED_COUNT = 3  # counts inside nested shapes are spelled out as that many distinct values


def check_shapes(shapes: Graph) -> Shapes:
    """The shapes model of `shapes`; UnsupportedShapes when they use anything not compiled here."""
    model = Shapes(shapes)
    g = shapes
    problems: set[str] = set()
    nested: set[Node] = set()
    stack = [n for s in model.all for n in model.nested(s)]
    while stack:
        node = stack.pop()
        if node not in nested:
            nested.add(node)
            stack.extend(model.nested(node))
            stack.extend(g.objects(node, SH.property))
    for shape in model.all:
        where = name(g, shape)
        for p, _o in g.predicate_objects(shape):
            if str(p).startswith(str(SH)) and p not in COMPONENTS and p not in AUXILIARY and p not in DESCRIPTIVE:
                problems.add(f"{name(g, p)} (on {where})")
            if shape in nested and p in TOP_LEVEL_ONLY:
                problems.add(f"{name(g, p)} inside another shape (on {where})")
        for p in SINGLE_VALUED:
            if len(set(g.objects(shape, p))) > 1:
                problems.add(f"more than one {name(g, p)} (on {where})")
        if model.path(shape) is None:
            for p in PROPERTY_SHAPE_ONLY:
                if (shape, p, None) in g:
                    problems.add(f"{name(g, p)} on a node shape ({where})")
        for p in (SH.targetClass, SH.targetNode, SH["class"], SH.hasValue, SH.lessThan, SH.targetSubjectsOf,
                  SH.targetObjectsOf):
            for value in g.objects(shape, p):
                if isinstance(value, BNode):
                    problems.add(f"a blank node as {name(g, p)} (on {where})")
        for head in g.objects(shape, SH["in"]):
            if any(isinstance(m, BNode) for m in items(g, head)):
                problems.add(f"a blank node in sh:in (on {where})")
        if (shape, SH.target, None) in g:
            problems.add(f"sh:target (SHACL-AF targets, on {where})")
        if set(g.objects(shape, RDF.type)) & {RDFS.Class, SH.NodeShape} == {RDFS.Class, SH.NodeShape} or (
            shape, RDF.type, RDFS.Class
        ) in g:
            problems.add(f"implicit class targets (the shape {where} is an rdfs:Class)")
        for value in g.objects(shape, SH.qualifiedValueShapesDisjoint):
            if isinstance(value, Literal) and value.value is True:
                problems.add(f"sh:qualifiedValueShapesDisjoint true (on {where})")
        path = model.path(shape)
        if path is not None:
            problems |= {f"{p} (in the path of {where})" for p in path_problems(g, path)}
        for constraint in g.objects(shape, SH.sparql):
            if (constraint, SH.ask, None) in g:
                problems.add(f"sh:ask in a SPARQL constraint (SPARQL-based constraint components; on {where})")
            elif (constraint, SH.select, None) not in g:
                problems.add(f"a SPARQL constraint without sh:select (on {where})")
            for query in g.objects(constraint, SH.select):
                for problem in sparql_problems(str(query)):
                    problems.add(f"{problem} in the SPARQL constraint of {where}")
        if shape in nested:
            for p in (SH.minCount, SH.qualifiedMinCount):
                for value in g.objects(shape, p):
                    if isinstance(value, Literal) and int(value) > MAX_NESTED_COUNT:
                        problems.add(f"{name(g, p)} above {MAX_NESTED_COUNT} inside another shape (on {where})")
            for p in (SH.maxCount, SH.qualifiedMaxCount):
                for value in g.objects(shape, p):
                    if isinstance(value, Literal) and int(value) >= MAX_NESTED_COUNT:
                        problems.add(f"{name(g, p)} of {MAX_NESTED_COUNT} or more inside another shape (on {where})")
    if problems:
        raise UnsupportedShapes(sorted(problems))
    return model
