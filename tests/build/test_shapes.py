"""The SHACL shapes (shapes/spacecoop-shapes.ttl), specified by example.

`tests/fixtures/shapes/valid.ttl` is a small, complete dataset on which no shape
reports anything. Every other fixture breaks one thing and names, in its header,
the shape that must report it:

    # fires: scosh:AgreementPartiesShape
    # severity: Warning                         (optional; default Violation)
    # component: sh:MaxCountConstraintComponent (optional)
    # An agreement with a single party.

and the test proves that *this* shape fired (`sh:sourceShape`), with this
shape's message, and that no other shape did: `conforms == False` alone would
pass for the wrong reason. A shape that no fixture makes fail is a defect, and
`test_every_shape_that_can_fail_is_failed_by_a_fixture` finds it.

Validation is the build's: asserted data, `inference="none"`, the vocabulary as
the ontology graph (spacecoop.build.validate.reference.validate). pyshacl's cost per run is
dominated by fixed work (copying the vocabulary into the data, building the
shapes, parsing SPARQL), so the invalid fixtures are validated in one run, side
by side, each with its own resources (see `side_by_side`);
`test_side_by_side_verdicts_are_those_of_separate_runs` checks on a sample that
this changes nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from spacecoop.build.validate.reference import ValidationResult, validate

ROOT = Path(__file__).resolve().parents[2]
SHAPES_TTL = ROOT / "shapes" / "spacecoop-shapes.ttl"
ONTOLOGY_TTL = ROOT / "ontology" / "spacecoop.ttl"
SOURCES_TTL = ROOT / "sources" / "sources.ttl"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
VALID = FIXTURES / "valid.ttl"
INVALID = sorted(FIXTURES.glob("invalid-*.ttl"))

SCOSH = Namespace("https://w3id.org/spacecoop/shapes#")
SCO = Namespace("https://w3id.org/spacecoop/ontology#")
RESOURCE = re.compile(r"^(https://w3id\.org/spacecoop/id/[^/]+/)(.*)$")
CURIES = {"scosh": str(SCOSH), "sh": str(SH)}

# The parameters of SHACL Core and SHACL-SPARQL constraint components: a shape
# with one of these can fail. sh:property only links a shape to others.
CONSTRAINT_PARAMETERS = {
    SH[name]
    for name in (
        "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive "
        "maxInclusive minLength maxLength pattern languageIn uniqueLang equals disjoint "
        "lessThan lessThanOrEquals not and or xone node qualifiedValueShape closed hasValue "
        "in sparql"
    ).split()
}
# Anything beyond SHACL Core and SHACL-SPARQL constraints: other engines (Jena
# SHACL) must give the same verdicts.
NON_STANDARD = {SH.rule, SH.target, SH.condition, SH.SPARQLTarget, SH.SPARQLRule, SH.TripleRule,
                SH.js, SH.jsFunctionName, SH.expression, SH.SPARQLTargetType}


def expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return CURIES[prefix] + local


@dataclass(frozen=True)
class Expectation:
    """What a fixture's header says must happen."""

    fixture: Path
    fires: frozenset[str]
    severity: str
    component: str | None
    description: str


def read_expectation(path: Path) -> Expectation:
    fires: set[str] = set()
    severity, component, description = "Violation", None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if m := re.fullmatch(r"fires:\s*(\S+)", text):
            fires.add(expand(m.group(1)))
        elif m := re.fullmatch(r"severity:\s*(Violation|Warning|Info)", text):
            severity = m.group(1)
        elif m := re.fullmatch(r"component:\s*(\S+)", text):
            component = expand(m.group(1)).rsplit("#", 1)[-1]
        elif text:
            description.append(text)
    return Expectation(path, frozenset(fires), severity, component, " ".join(description))


def report(result: ValidationResult) -> str:
    return "\n".join(f.line() for f in result.findings) or "(nothing reported)"


def messages_of(shapes: Graph, shape: URIRef) -> set[str]:
    """The sh:message of a shape, or of its SPARQL constraints."""
    found = {str(m) for m in shapes.objects(shape, SH.message)}
    for constraint in shapes.objects(shape, SH.sparql):
        found |= {str(m) for m in shapes.objects(constraint, SH.message)}
    return found


def named_shapes(shapes: Graph) -> set[URIRef]:
    """Shapes by type, by having a path or a target, or by being linked with sh:property."""
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property)) | set(shapes.subjects(SH.path, None))
    for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found |= set(shapes.subjects(target, None))
    return {s for s in found if isinstance(s, URIRef)}


def shapes_that_can_fail(shapes: Graph) -> set[URIRef]:
    return {s for s in named_shapes(shapes) if any((s, p, None) in shapes for p in CONSTRAINT_PARAMETERS)}


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return Graph().parse(SHAPES_TTL, format="turtle")


@pytest.fixture(scope="session")
def vocabulary() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


@pytest.fixture(scope="session")
def check(shapes: Graph, vocabulary: Graph) -> Callable[[Path], ValidationResult]:
    """Validate one fixture file on its own with the build's validator (cached per session)."""

    @functools.cache
    def run(path: Path) -> ValidationResult:
        return validate(Graph().parse(path, format="turtle"), shapes, vocabulary)

    return run


def side_by_side(paths: list[Path]) -> tuple[Graph, dict[str, Path]]:
    """The union of the fixtures, each resource of fixture n renamed into its own slug
    (`.../id/country/china` -> `.../id/country/f007-china`), and the owner of every node.

    No two fixtures then share a resource, so none can mask or cause another's finding;
    a valid slug stays valid and an invalid one invalid. Blank nodes stay apart anyway.
    """
    union: Graph = Graph()
    owner: dict[str, Path] = {}

    def own(node, n: int, path: Path):
        if isinstance(node, URIRef) and (m := RESOURCE.match(str(node))):
            node = URIRef(f"{m.group(1)}f{n:03d}-{m.group(2)}")
            owner[str(node)] = path
        elif isinstance(node, BNode):
            owner[str(node)] = path
        return node

    for n, path in enumerate(paths):
        for s, p, o in Graph().parse(path, format="turtle"):
            union.add((own(s, n, path), p, own(o, n, path)))
    return union, owner


@functools.cache
def invalid_side_by_side() -> tuple[Graph, dict[str, Path], ValidationResult]:
    """Every invalid fixture side by side, the owner of each node, and pyshacl's verdict on them
    (one run per session, shared with test_shape_queries)."""
    shapes = Graph().parse(SHAPES_TTL, format="turtle")
    vocabulary = Graph().parse(ONTOLOGY_TTL, format="turtle")
    union, owner = side_by_side(INVALID)
    return union, owner, validate(union, shapes, vocabulary)


@pytest.fixture(scope="session")
def verdicts() -> dict[Path, ValidationResult]:
    """Each invalid fixture's findings: those of one run over all of them, by focus node."""
    _union, owner, result = invalid_side_by_side()
    strays = [f.line() for f in result.findings if f.focus not in owner]
    assert not strays, "findings about no fixture's resources:\n" + "\n".join(strays)
    verdicts = {}
    for path in INVALID:
        mine = [f for f in result.findings if owner[f.focus] == path]
        verdicts[path] = ValidationResult(not any(f.severity == "Violation" for f in mine), result.report, mine)
    return verdicts


# ---------------------------------------------------------------------------
# Valid data passes
# ---------------------------------------------------------------------------


def test_valid_fixture_conforms(check: Callable[[Path], ValidationResult]) -> None:
    """An agreement, a mission with launch and landing, an agency, a payload project, a
    count, a role assignment, a statement, a plan, their evidence and their source
    document: nothing to report, not even a warning."""
    result = check(VALID)
    assert result.conforms, report(result)
    assert result.findings == [], report(result)


def test_valid_fixture_uses_every_constrained_property(shapes: Graph) -> None:
    """So that no shape rejects correct use of its property unnoticed."""
    used = set(Graph().parse(VALID, format="turtle").predicates())
    paths = {p for p in shapes.objects(None, SH.path) if isinstance(p, URIRef)}
    assert not paths - used, f"unused in valid.ttl: {sorted(str(p) for p in paths - used)}"


def test_publishers_and_authors_of_sources_need_no_evidence(shapes: Graph, vocabulary: Graph) -> None:
    """The real sources graph on its own: its news articles, news media and author describe
    the documents, are stated by none of them, and conform without evidence."""
    result = validate(Graph().parse(SOURCES_TTL, format="turtle"), shapes, vocabulary)
    assert result.violations == [], report(result)


def test_vocabulary_concepts_are_not_instances(check: Callable[[Path], ValidationResult]) -> None:
    """sco:over or sco:cooperationAgreement live in the vocabulary: the data uses them
    without labels, derivation or evidence of its own (valid.ttl uses both kinds)."""
    data = Graph().parse(VALID, format="turtle")
    assert (None, SCO.qualifier, SCO.over) in data
    assert (None, SCO.agreementType, None) in data
    assert check(VALID).findings == []


# ---------------------------------------------------------------------------
# Each invalid fixture makes its own shape, and only it, fail
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem.removeprefix("invalid-"))
def test_invalid_fixture_fires_its_shape(
    fixture: Path, shapes: Graph, verdicts: dict[Path, ValidationResult]
) -> None:
    expected = read_expectation(fixture)
    assert expected.fires, f"{fixture.name}: no '# fires: scosh:...' header"
    result = verdicts[fixture]
    fired = result.shapes_fired(expected.severity)

    assert fired == set(expected.fires), (
        f"{fixture.name} ({expected.description}) should fire {sorted(expected.fires)} "
        f"as {expected.severity}, fired {sorted(fired)}:\n{report(result)}"
    )
    if expected.severity != "Violation":
        assert result.conforms, f"{fixture.name} must only warn:\n{report(result)}"
    for shape in expected.fires:
        mine = [f for f in result.findings if f.shape == shape and f.severity == expected.severity]
        assert {f.message for f in mine} <= messages_of(shapes, URIRef(shape)), (
            f"{fixture.name}: the findings of {shape} must carry its sh:message:\n{report(result)}"
        )
        if expected.component:
            assert expected.component in {f.component for f in mine}, (
                f"{fixture.name}: expected {expected.component} of {shape}:\n{report(result)}"
            )


# A sample across the groups of shapes, with one fixture of each SPARQL constraint
# and one of the union of two documents: the checks that look across resources.
SAMPLE = [INVALID[n] for n in range(0, len(INVALID), 25)] + [
    FIXTURES / f"invalid-{name}.ttl"
    for name in (
        "EvidenceShape-second-document",
        "EvidenceDerivationShape",
        "AgreementPartiesShape",
        "MissionDatesShape-events",
        "OneLabelPerLanguageShape-two-documents",
    )
]


@pytest.mark.parametrize("fixture", SAMPLE, ids=lambda p: p.stem.removeprefix("invalid-"))
def test_side_by_side_verdicts_are_those_of_separate_runs(
    fixture: Path, check: Callable[[Path], ValidationResult], verdicts: dict[Path, ValidationResult]
) -> None:
    alone, together = check(fixture), verdicts[fixture]
    for severity in ("Violation", "Warning"):
        assert alone.shapes_fired(severity) == together.shapes_fired(severity), (
            f"{report(alone)}\n---\n{report(together)}")
    assert len(alone.findings) == len(together.findings), f"{report(alone)}\n---\n{report(together)}"


def test_missing_chinese_label_is_a_warning_not_a_violation(check: Callable[[Path], ValidationResult]) -> None:
    """docs/curation.md rule 4: every instance other than a person has a @zh label; its absence warns."""
    result = check(FIXTURES / "invalid-ChineseLabelShape.ttl")
    assert result.conforms
    assert result.shapes_fired("Warning") == {str(SCOSH.ChineseLabelShape)}
    assert result.violations == []


def test_persons_need_no_chinese_label(check: Callable[[Path], ValidationResult]) -> None:
    """docs/curation.md rule 4: a person's Chinese name is given only where it is attested, never
    reconstructed from its romanisation, so a person or astronaut without @zh is not reported."""
    result = check(FIXTURES / "valid-person-without-chinese-label.ttl")
    assert result.conforms, report(result)
    assert result.findings == [], report(result)


def _targets(shapes: Graph, shape: URIRef) -> set[tuple[URIRef, object]]:
    return {(p, o) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
            for o in shapes.objects(shape, p)}


def test_chinese_label_shape_looks_at_every_instance(shapes: Graph) -> None:
    """scosh:ChineseLabelShape is a node shape of its own (to exempt persons) with the targets of
    scosh:InstanceShape: a class added to one must be added to the other."""
    assert _targets(shapes, SCOSH.ChineseLabelShape) == _targets(shapes, SCOSH.InstanceShape)
    assert shapes.value(SCOSH.ChineseLabelShape, SH.severity) == SH.Warning


def test_chinese_label_exemption_lists_person_and_its_subclasses(shapes: Graph, vocabulary: Graph) -> None:
    """The exemption lists sco:Person and its subclasses with sh:in (like the concept lists, so that
    no engine depends on the subclass axioms it merges): exactly those of the vocabulary."""
    persons = {SCO.Person} | set(vocabulary.transitive_subjects(RDFS.subClassOf, SCO.Person))
    listed: set[object] = set()
    for member in Collection(shapes, shapes.value(SCOSH.ChineseLabelShape, SH["or"])):
        if shapes.value(member, SH.path) == RDF.type:
            listed |= set(Collection(shapes, shapes.value(shapes.value(member, SH.qualifiedValueShape), SH["in"])))
    assert listed == persons


# ---------------------------------------------------------------------------
# The shapes themselves
# ---------------------------------------------------------------------------


def test_every_shape_that_can_fail_is_failed_by_a_fixture(shapes: Graph) -> None:
    """A shape that cannot fail is a defect: each one with a constraint has a fixture."""
    covered = set().union(*(read_expectation(p).fires for p in INVALID))
    uncovered = {str(s) for s in shapes_that_can_fail(shapes)} - covered
    assert not uncovered, f"shapes without an invalid fixture: {sorted(uncovered)}"


def test_fixture_headers_name_existing_shapes(shapes: Graph) -> None:
    known = {str(s) for s in named_shapes(shapes)}
    for path in INVALID:
        unknown = read_expectation(path).fires - known
        assert not unknown, f"{path.name} names unknown shapes {sorted(unknown)}"


def test_every_shape_is_named_and_explained(shapes: Graph) -> None:
    """Every shape has an IRI, a label and a comment; every one that can fail has a message,
    so that a report reads without the shapes file at hand."""
    for shape in named_shapes(shapes):
        assert str(shape).startswith(str(SCOSH)), shape
        assert shapes.value(shape, RDFS.label) is not None, f"{shape}: no rdfs:label"
        assert shapes.value(shape, RDFS.comment) is not None, f"{shape}: no rdfs:comment"
    for shape in shapes_that_can_fail(shapes):
        assert messages_of(shapes, shape), f"{shape}: no sh:message"
        for constraint in shapes.objects(shape, SH.sparql):
            assert shapes.value(constraint, SH.message) is not None, f"{shape}: SPARQL constraint without sh:message"


def test_shapes_use_only_shacl_core_and_sparql_constraints(shapes: Graph) -> None:
    """No SHACL-AF (rules, SPARQL targets) and no engine extensions (DASH): Jena SHACL must agree."""
    for triple in shapes:
        for term in triple:
            assert term not in NON_STANDARD, triple
            assert not str(term).startswith("http://datashapes.org/"), triple


@pytest.mark.parametrize(
    ("shape", "concept_class"),
    [(SCOSH.AgreementTypeValueShape, SCO.AgreementType), (SCOSH.QualifierValueShape, SCO.Qualifier),
     (SCOSH.FunctionsAsValueShape, SCO.StationRole), (SCOSH.FollowsPrincipleValueShape, SCO.Principle),
     (SCOSH.PromotesConceptValueShape, SCO.PolicyConcept), (SCOSH.CertaintyValueShape, SCO.Certainty)],
)
def test_concept_lists_are_the_vocabularys(shapes: Graph, vocabulary: Graph, shape: URIRef,
                                           concept_class: URIRef) -> None:
    """sh:in lists the vocabulary's concepts (rather than sh:class, whose outcome depends on how
    much of the ontology graph an engine merges): it must list exactly those concepts."""
    listed = set(Collection(shapes, shapes.value(shape, SH["in"])))
    assert listed == set(vocabulary.subjects(RDF.type, concept_class))
