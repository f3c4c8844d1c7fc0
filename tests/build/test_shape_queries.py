"""spacecoop.build.validate.shape_queries: SHACL on the store gives the findings of validation.validate() (pyshacl).

Both validators run on the same data (the store is built from the rdflib graph,
so blank nodes keep their labels) and their findings are compared as multisets,
messages included. One thing differs for a reason: the store writes literals in
canonical form ("110.0"^^xsd:decimal is "110", "5"^^xsd:positiveInteger is
"5"^^xsd:integer), so pyshacl's sh:value is compared after the same
canonicalisation (`canonical_values`).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH, XSD
from support.graphs import isomorphic
from test_rules import store_of
from test_shapes import INVALID, SOURCES_TTL, VALID, invalid_side_by_side, read_expectation, side_by_side

from spacecoop.build.validate.literals import range_matches as _range_matches
from spacecoop.build.validate.reference import Finding, ValidationResult, validate
from spacecoop.build.validate.shape_queries import validate_store
from spacecoop.build.validate.shapes import UnsupportedShapes
from spacecoop.build.validate.sparql_text import minus_rewrite as _minus_rewrite
from spacecoop.build.validate.supported import check_shapes
from spacecoop.rdf.terms import to_oxigraph, to_rdflib

EX = "http://example.org/"
PREFIXES = f"""
@prefix ex: <{EX}> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def canonical_values(data: Graph, findings: list[Finding]) -> list[Finding]:
    """pyshacl's findings with each literal sh:value spelled as the store spells it."""
    spelled: dict[str, str] = {}
    store = ox.Store()
    for literal in {o for o in data.objects() if isinstance(o, Literal)}:
        store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), to_oxigraph(literal)))
        stored = next(iter(store)).object
        store.clear()
        spelled[str(literal)] = str(to_rdflib(stored))
    return [Finding(f.severity, f.focus, f.path, spelled.get(f.value, f.value) if f.value else f.value,
                    f.message, f.shape, f.component) for f in findings]


def both(data: Graph, shapes: Graph, ontology: Graph,
         expected: ValidationResult | None = None) -> tuple[ValidationResult, ValidationResult]:
    """pyshacl's verdict (unless given) and the store's, on the same data."""
    expected = validate(data, shapes, ontology) if expected is None else expected
    store = store_of(data)
    before = set(store)
    found = validate_store(store, shapes, ontology)
    assert set(store) == before, "the default graph changed"
    assert list(store.named_graphs()) == [], "scratch graphs left behind"
    return expected, found


def unordered(findings: list[Finding]) -> list[Finding]:
    """Findings with every parenthesised list of a message sorted: pyshacl's generic messages
    list several sh:pattern, sh:class or sh:in values in set order, which changes from run to run."""

    def sort_list(match: re.Match[str]) -> str:
        return "(" + ", ".join(sorted(match.group(1).split(", "))) + ")"

    return [dataclasses.replace(f, message=re.sub(r"\(([^()]*)\)", sort_list, f.message)) for f in findings]


def assert_same(data: Graph, shapes: Graph, ontology: Graph,
                expected: ValidationResult | None = None) -> ValidationResult:
    expected, found = both(data, shapes, ontology, expected)
    want = Counter(unordered(canonical_values(data, expected.findings)))
    got = Counter(unordered(found.findings))
    missing, extra = want - got, got - want
    assert not missing and not extra, (
        "only pyshacl:\n" + "\n".join(map(repr, missing.elements()))
        + "\nonly the store:\n" + "\n".join(map(repr, extra.elements()))
    )
    assert found.conforms == expected.conforms
    return found


# ---------------------------------------------------------------------------
# The real data, the fixtures of tests/fixtures/shapes
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_real_data_gives_pyshacls_findings(asserted: Graph, loaded) -> None:
    found = assert_same(asserted, loaded.shapes, loaded.ontology)
    assert found.conforms and found.warnings == []  # every instance has its Chinese label


@pytest.mark.slow
def test_real_data_without_chinese_labels_gives_pyshacls_findings(asserted: Graph, loaded) -> None:
    """The real data stripped of its @zh labels: the engines agree on a report that is not empty
    (one scosh:ChineseLabelShape warning per instance other than a person)."""
    from rdflib.namespace import RDFS

    stripped = Graph()
    stripped += ((s, p, o) for s, p, o in asserted
                 if not (p == RDFS.label and isinstance(o, Literal) and o.language == "zh"))
    found = assert_same(stripped, loaded.shapes, loaded.ontology)
    assert found.conforms and len(found.warnings) > 100


@pytest.mark.slow
def test_real_data_findings_are_in_the_same_order(asserted: Graph, loaded) -> None:
    """Sorted as validation.validate sorts them (ties in any order there, here by every field)."""
    expected, found = both(asserted, loaded.shapes, loaded.ontology)
    key = lambda f: (f.severity, f.focus, f.shape, f.path or "", f.value or "")  # noqa: E731
    assert [key(f) for f in found.findings] == [key(f) for f in expected.findings]


@pytest.mark.slow
def test_real_data_gives_pyshacls_report_graph(asserted: Graph, loaded) -> None:
    """The report itself, not only the findings: messages keep their language, paths their shape."""
    expected, found = both(asserted, loaded.shapes, loaded.ontology)
    assert isomorphic(found.report, expected.report)


@pytest.mark.slow
def test_pyshacl_leaves_the_shapes_graph_as_it_was(asserted: Graph, loaded) -> None:
    before = set(loaded.shapes)
    validate(asserted, loaded.shapes, loaded.ontology)
    assert set(loaded.shapes) == before


@pytest.mark.slow
def test_every_invalid_fixture_gives_pyshacls_findings(loaded) -> None:
    """All of tests/fixtures/shapes/invalid-*.ttl side by side (as test_shapes runs them)."""
    union, _owner, expected = invalid_side_by_side()
    assert_same(union, loaded.shapes, loaded.ontology, expected)


@pytest.fixture(scope="module")
def fixture_verdicts(loaded) -> dict[Path, ValidationResult]:
    union, owner = side_by_side(INVALID)
    result = validate_store(store_of(union), loaded.shapes, loaded.ontology)
    verdicts = {}
    for path in INVALID:
        mine = [f for f in result.findings if owner[f.focus] == path]
        verdicts[path] = ValidationResult(not any(f.severity == "Violation" for f in mine), result.report, mine)
    return verdicts


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem.removeprefix("invalid-"))
def test_invalid_fixture_fires_its_shape(fixture: Path, fixture_verdicts: dict[Path, ValidationResult]) -> None:
    expected = read_expectation(fixture)
    result = fixture_verdicts[fixture]
    assert result.shapes_fired(expected.severity) == set(expected.fires), "\n".join(f.line() for f in result.findings)
    if expected.component:
        assert expected.component in {f.component for f in result.findings if f.shape in expected.fires}


@pytest.mark.slow
def test_valid_fixture_and_sources_give_pyshacls_findings(loaded) -> None:
    assert assert_same(Graph().parse(VALID), loaded.shapes, loaded.ontology).findings == []
    assert_same(Graph().parse(SOURCES_TTL), loaded.shapes, loaded.ontology)


def test_report_graph_is_a_shacl_report(loaded) -> None:
    union, _owner = side_by_side(INVALID[:10])
    result = validate_store(store_of(union), loaded.shapes, loaded.ontology)
    report = result.report
    assert (None, SH.conforms, Literal(False)) in report
    assert len(set(report.subjects(None, SH.ValidationResult))) == len(result.findings)


# ---------------------------------------------------------------------------
# SHACL the real shapes do not use yet, against pyshacl on crafted shapes and data
# ---------------------------------------------------------------------------

CRAFTED_SHAPES = """
ex:Ranges a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:n ; sh:maxInclusive 10 ; sh:minExclusive 0 ; sh:maxExclusive 9.5 ] ,
        [ sh:path ex:name ; sh:maxLength 5 ; sh:minLength 2 ; sh:pattern "^[a-z]" ; sh:flags "i" ] ,
        [ sh:path ex:name ; sh:pattern "x" ; sh:pattern "y" ] ,
        [ sh:path ex:link ; sh:nodeKind sh:BlankNodeOrIRI ; sh:class ex:Thing , ex:Other ] ,
        [ sh:path ex:link ; sh:nodeKind sh:Literal ; sh:severity sh:Info ] ,
        [ sh:path [ sh:inversePath ex:link ] ; sh:maxCount 1 ] ,
        [ sh:path ( ex:link ex:n ) ; sh:minCount 2 ] ,
        [ sh:path [ sh:alternativePath ( ex:link ex:other ) ] ; sh:in ( ex:a ex:b "x" ) ; sh:message "in" ] ,
        [ sh:path [ sh:zeroOrMorePath ex:link ] ; sh:hasValue ex:a ] ,
        [ sh:path [ sh:oneOrMorePath ex:link ] ; sh:uniqueLang true ; sh:datatype xsd:string ] ,
        [ sh:path ex:n ; sh:lessThan ex:m ] .
ex:Logic a sh:NodeShape ; sh:targetNode ex:a , ex:b , ex:c , "lit" ;
    sh:and ( [ sh:nodeKind sh:IRI ] [ sh:pattern "e" ] ) ;
    sh:not [ sh:class ex:Other ] ;
    sh:xone ( [ sh:class ex:Thing ] [ sh:path ex:n ; sh:minCount 1 ] ) ;
    sh:node ex:Named ;
    sh:property ex:Deep .
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ;
    sh:qualifiedValueShape [ sh:languageIn ( "en" "zh" ) ] ; sh:qualifiedMaxCount 1 ] .
ex:Deep a sh:PropertyShape ; sh:path ex:link ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] ;
    sh:or ( [ sh:hasValue ex:a ] [ sh:property [ sh:path ex:n ; sh:maxCount 0 ] ] ) .
ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:class ex:Nothing .
ex:Sparql a sh:PropertyShape ; sh:targetSubjectsOf ex:n ; sh:path ex:n ;
    sh:message "shape message" ;
    sh:sparql [ sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER (isNumeric(?value) && ?value > 3) }" ] ,
        [ sh:message "{$this} has {?value}" ;
          sh:select "SELECT $this ?value WHERE { $this ex:name ?value . FILTER NOT EXISTS { $this ex:m ?m . ?m ex:name ?value . } }" ;
          sh:prefixes ex:Prefixes ] .
ex:Prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
"""  # noqa: E501 (SHACL shapes kept as written; the sh:select literals cannot span lines)
CRAFTED_DATA = """
ex:Sub rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:n 1 , 12 , 9.7 , "3" ; ex:m 2 ; ex:name "apple"@en , "Apfel"@EN , "x" ;
    ex:link ex:b , [ ex:n 1 ] , "lit" .
ex:b a ex:Sub , ex:Other ; ex:name "bee"@en ; ex:link ex:c ; ex:n -1 ; ex:other "x" .
ex:c a ex:Thing ; ex:name "yy" ; ex:n 5 ; ex:m 5 , ex:a ; ex:link ex:a , ex:a2 .
ex:a2 ex:link ex:a .
"""


def test_crafted_shapes_give_pyshacls_findings() -> None:
    found = assert_same(turtle(CRAFTED_DATA), turtle(CRAFTED_SHAPES), Graph())
    components = {f.component for f in found.findings}
    assert len(components) >= 15, components  # the case is not trivially passing


def test_a_value_that_cannot_be_compared_with_a_range_bound_does_not_conform() -> None:
    # A time against a date bound, and an ill-typed integer: rdflib cannot order them.
    shapes = turtle("ex:Dated a sh:NodeShape ; sh:targetClass ex:Thing ; "
                    'sh:property [ sh:path ex:when ; sh:minInclusive "2020-01-01"^^xsd:date ] ; '
                    "sh:property [ sh:path ex:n ; sh:maxInclusive 10 ] .")
    data = turtle('ex:a a ex:Thing ; ex:when "10:00:00"^^xsd:time , "2021-05-01"^^xsd:date ; '
                  'ex:n "abc"^^xsd:integer , 3 .')
    found = assert_same(data, shapes, Graph())
    assert sorted(str(f.value) for f in found.violations) == ["10:00:00", "abc"]
    # The check itself answers "does not conform" rather than raising: the store's engine
    # would otherwise see an error from a custom function, not pyshacl's verdict.
    time, date = Literal("10:00:00", datatype=XSD.time), Literal("2020-01-01", datatype=XSD.date)
    assert _range_matches(time, date, SH.minInclusive) is False


def test_crafted_shapes_without_messages_get_pyshacls_generic_messages() -> None:
    shapes = turtle(CRAFTED_SHAPES)
    assert any("Value" in f.message or "values on" in f.message
               for f in validate_store(store_of(turtle(CRAFTED_DATA)), shapes, Graph()).findings)


# ---------------------------------------------------------------------------
# SPARQL constraints: NOT EXISTS as MINUS only where they agree
# ---------------------------------------------------------------------------


def test_not_exists_becomes_minus_where_equivalent() -> None:
    evidence = ("SELECT $this ?value WHERE { ?value <p> $this . "
                "FILTER NOT EXISTS { ?a <q> ?value ; <r> ?t . ?t <s> $this . } }")
    assert "MINUS { ?a <q> ?value" in _minus_rewrite(evidence) and "NOT EXISTS" not in _minus_rewrite(evidence)
    unchanged = [
        "SELECT $this WHERE { $this <p> ?x . FILTER NOT EXISTS { ?y <q> ?x . } }",  # shares no $this
        # outer ?x in FILTER
        "SELECT $this WHERE { $this <p> ?x . FILTER NOT EXISTS { $this <q> ?y . FILTER(?y > ?x) } }",
        "SELECT $this WHERE { $this <p> ?x . FILTER NOT EXISTS { $this <q> ?y . OPTIONAL { ?y <r> ?z } } }",
        "SELECT $this WHERE { $this <p> ?x . OPTIONAL { FILTER NOT EXISTS { $this <q> ?y } } }",  # not at the top
    ]
    for query in unchanged:
        assert _minus_rewrite(query) == query


def test_sparql_constraints_give_the_same_rows_with_and_without_the_rewrite(loaded) -> None:
    union, _owner = side_by_side(INVALID)
    store = store_of(union)
    shapes = loaded.shapes
    for select in shapes.objects(None, SH.select):
        prefixes = "PREFIX sco: <https://w3id.org/spacecoop/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> " \
                   "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        focus = "{ SELECT DISTINCT ?this WHERE { ?this ?anyp ?anyo } }"
        text = str(select)
        at = text.index("{", text.upper().index("WHERE")) + 1
        query = text[:at] + focus + text[at:]
        plain = {tuple(map(str, row)) for row in store.query(prefixes + query)}
        fast = {tuple(map(str, row)) for row in store.query(prefixes + _minus_rewrite(query))}
        assert plain == fast and plain, select


# ---------------------------------------------------------------------------
# Whatever is not implemented is refused
# ---------------------------------------------------------------------------


def test_the_shapes_use_only_implemented_shacl(loaded) -> None:
    check_shapes(loaded.shapes)


UNSUPPORTED = {
    "sh:closed": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true .",
    "sh:equals": "ex:S a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:n ; sh:equals ex:m .",
    "sh:disjoint": "ex:S a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:n ; sh:disjoint ex:m .",
    "sh:lessThanOrEquals": "ex:S a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:n ; "
                           "sh:lessThanOrEquals ex:m .",
    "sh:target": "ex:S a sh:NodeShape ; "
                 "sh:target [ a sh:SPARQLTarget ; sh:select \"SELECT ?this WHERE { ?this ?p ?o }\" ] .",
    "sh:rule": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:rule [ a sh:TripleRule ] .",
    "MINUS": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; "
             "sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o MINUS { $this ex:n ?o } }\" ] .",
    "sh:ask": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:ask \"ASK { $this ?p ?o }\" ] .",
    "sh:lessThan inside another shape": "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; "
                                        "sh:or ( [ sh:path ex:n ; sh:lessThan ex:m ] ) .",
    "implicit class targets": "ex:Thing a rdfs:Class , sh:NodeShape ; sh:class ex:Other .",
}


@pytest.mark.parametrize("construct", list(UNSUPPORTED))
def test_an_unimplemented_shacl_construct_is_refused(construct: str) -> None:
    store = store_of(turtle(CRAFTED_DATA))
    with pytest.raises(UnsupportedShapes) as refused:
        validate_store(store, turtle(UNSUPPORTED[construct]), Graph())
    assert construct in str(refused.value)
    assert list(store.named_graphs()) == []
