"""External identifiers: every ISO 3166-1 code is the one pycountry's table gives, or the build stops.

The codes live in `curation/identifiers.ttl` (graph `graph/identifiers`): no document states them.
"""

from __future__ import annotations

import pycountry
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from spacecoop.build.identifiers import ISO_NAMES, check_identifiers, iso_record
from spacecoop.build.load import LoadedRepository, load_repository
from spacecoop.build.pipeline import run_validate
from spacecoop.errors import IdentifierProblem, SyntaxProblem
from spacecoop.iris import CROSS_DOCUMENT_GRAPH, IDENTIFIERS_GRAPH, SCO
from spacecoop.paths import Repository

CHINA = URIRef("https://w3id.org/spacecoop/id/country/china")


def test_every_country_has_its_verified_codes(loaded: LoadedRepository) -> None:
    report = check_identifiers(loaded.graphs(), loaded.files())
    assert report.errors == []
    assert report.warnings == []  # every sco:Country of the documents has its codes
    countries = {c for g in loaded.documents.values() for c in g.subjects(RDF.type, SCO.Country)}
    assert report.checked == 3 * len(countries)


def test_codes_are_in_the_identifiers_graph_only(loaded: LoadedRepository) -> None:
    """The documents never state a code: the codes are the curators' graph's, with no evidence."""
    graphs = loaded.graphs()
    codes = {p for p in (SCO.isoAlpha2Code, SCO.isoAlpha3Code, SCO.isoNumericCode)}
    for name, graph in graphs.items():
        used = {p for p in graph.predicates() if p in codes}
        assert used == (codes if name == str(IDENTIFIERS_GRAPH) else set()), name
    assert (CHINA, SCO.isoAlpha3Code, Literal("CHN")) in graphs[str(IDENTIFIERS_GRAPH)]


def test_cross_document_relations_are_symmetric_and_in_their_own_graph(loaded: LoadedRepository) -> None:
    graphs = loaded.graphs()
    related = graphs[str(CROSS_DOCUMENT_GRAPH)]
    pairs = set(related.subject_objects(SCO.relatedAgreement))
    assert pairs and {(b, a) for a, b in pairs} == pairs
    for name, graph in graphs.items():
        if name != str(CROSS_DOCUMENT_GRAPH):
            assert not any(graph.triples((None, SCO.relatedAgreement, None))), name
    # each pair joins agreements that two different documents state
    for a, b in pairs:
        stated_a = {sid for sid, g in loaded.documents.items() if (a, RDF.type, SCO.Agreement) in g}
        stated_b = {sid for sid, g in loaded.documents.items() if (b, RDF.type, SCO.Agreement) in g}
        assert stated_a and stated_b and stated_a != stated_b, (a, b)


def test_every_iso_name_of_the_mapping_is_pycountrys() -> None:
    for label, name in ISO_NAMES.items():
        assert pycountry.countries.get(name=name) is not None, (label, name)
        assert pycountry.countries.get(name=label) is None, f"{label!r} needs no mapping"


def _graphs(code: str, prop: URIRef = SCO.isoAlpha3Code, label: str = "China") -> dict[str, Graph]:
    document, identifiers = Graph(), Graph()
    document.add((CHINA, RDF.type, SCO.Country))
    document.add((CHINA, RDFS.label, Literal(label, lang="en")))
    identifiers.add((CHINA, prop, Literal(code)))
    return {"graph/doc": document, "graph/identifiers": identifiers}


def test_a_code_that_is_not_pycountrys_is_an_error_naming_file_and_country() -> None:
    report = check_identifiers(_graphs("CHE"), {"graph/identifiers": "curation/identifiers.ttl"})
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error.startswith("curation/identifiers.ttl: ")
    assert str(CHINA) in error and "(China)" in error and "'CHN'" in error and '"CHE"' in error


def test_a_country_that_pycountry_does_not_know_by_its_label_cannot_be_verified() -> None:
    report = check_identifiers(_graphs("CHN", label="Cathay"), {})
    assert len(report.errors) == 1 and "cannot be verified" in report.errors[0]


def test_a_code_on_something_that_is_no_country_is_an_error() -> None:
    graphs = _graphs("CN", SCO.isoAlpha2Code)
    graphs["graph/doc"].remove((CHINA, RDF.type, SCO.Country))
    assert "no sco:Country" in check_identifiers(graphs, {}).errors[0]


def test_a_country_without_codes_is_a_warning() -> None:
    graphs = _graphs("CHN")
    del graphs["graph/identifiers"]
    report = check_identifiers(graphs, {})
    assert report.errors == [] and len(report.warnings) == 1 and str(CHINA) in report.warnings[0]


def test_the_mapped_label_is_looked_up_by_its_iso_name() -> None:
    record = iso_record("Russia")
    assert record is not None and record.alpha_3 == "RUS"


@pytest.mark.slow
def test_a_wrong_code_fails_the_build(repo_copy: Repository) -> None:
    path = repo_copy.root / "curation" / "identifiers.ttl"
    text = path.read_text(encoding="utf-8")
    assert text.count('"CHN"') == 1
    path.write_text(text.replace('"CHN"', '"CHE"'), encoding="utf-8")  # Switzerland's: well-formed, wrong
    with pytest.raises(IdentifierProblem) as failure:
        run_validate(repo_copy)
    message = str(failure.value)
    assert str(path) in message and "country/china" in message and "(China)" in message and "'CHN'" in message
    assert failure.value.exit_status == 1


def test_a_curated_file_may_not_take_a_reserved_graph_name(repo_copy: Repository) -> None:
    (repo_copy.root / "curation" / "sources.ttl").write_text("", encoding="utf-8")
    with pytest.raises(SyntaxProblem):
        load_repository(repo_copy)


@pytest.mark.parametrize("slug", ["esa", "unoosa"])
def test_esa_and_unoosa_are_agencies_and_international_organisations_in_every_file(
    loaded: LoadedRepository, slug: str
) -> None:
    """docs/curation.md, registry: both types, identical in every file that describes them."""
    agency = URIRef(f"https://w3id.org/spacecoop/id/agency/{slug}")
    files = [sid for sid, g in loaded.documents.items() if (agency, None, None) in g]
    assert len(files) >= 2
    for sid in files:
        types = set(loaded.documents[sid].objects(agency, RDF.type))
        assert types == {SCO.Agency, SCO.InternationalOrganization}, sid
