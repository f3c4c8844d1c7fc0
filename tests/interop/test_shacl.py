"""pyshacl and Jena SHACL give the same verdict on the release and on every violating fixture.

Both engines get the same inputs: the release's shapes, and as data graph the
release's whole dataset (documents, sources, inferred) merged with its
ontology, so that `sh:class` sees the `rdfs:subClassOf` axioms; neither engine
infers anything. A violating fixture is added to that data graph. Beyond the
verdict, the two reports must list the same results (focus node, path,
constraint component, severity, value).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_tools as tools

pytestmark = pytest.mark.interop

SH = "http://www.w3.org/ns/shacl#"


def project_fixtures() -> list[Path]:
    """The project's violating fixtures (checked against the real release's shapes)."""
    if not tools.real_release_expected():
        return []
    return sorted((tools.REPO_ROOT / "tests" / "fixtures" / "shapes").rglob("*.ttl"))


STAND_IN_FIXTURES = sorted((tools.FIXTURES / "violations").glob("*.ttl"))


def _data_graph(data: Path, ontology: Path, extra: Path | None, out: Path) -> Path:
    """The data graph as one N-Triples file (both engines read the same bytes)."""
    import pyoxigraph as ox

    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in tools.oxigraph_quads(data)}
    triples |= {ox.Triple(q.subject, q.predicate, q.object) for q in tools.oxigraph_quads(ontology)}
    if extra is not None:
        triples |= {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(extra))}
    ox.serialize(sorted(triples, key=str), output=str(out), format=ox.RdfFormat.N_TRIPLES)
    return out


def _results(report) -> tuple[bool, list[tuple]]:
    """sh:conforms and the comparable part of every sh:result of a report graph."""
    from rdflib import BNode, Namespace, URIRef

    sh = Namespace(SH)
    reports = list(report.subjects(URIRef(str(sh.conforms)), None))
    assert len(reports) == 1, report.serialize(format="turtle")
    conforms = report.value(reports[0], sh.conforms).toPython()

    def show(term):
        return "_:b" if isinstance(term, BNode) else (term.n3() if term is not None else None)

    rows = []
    for result in report.objects(reports[0], sh.result):
        rows.append(tuple(show(report.value(result, p)) for p in (
            sh.focusNode, sh.resultPath, sh.sourceConstraintComponent, sh.resultSeverity, sh.value)))
    return bool(conforms), sorted(rows, key=repr)


def pyshacl_verdict(data: Path, shapes: Path):
    import pyshacl
    import rdflib

    conforms, report, _ = pyshacl.validate(
        rdflib.Graph().parse(data, format="nt"), shacl_graph=rdflib.Graph().parse(shapes, format="turtle"),
        inference="none", abort_on_first=False, allow_warnings=True)
    return _results(report)


def jena_verdict(data: Path, shapes: Path):
    import rdflib

    proc = tools.jena("shacl.shacl", "validate", f"--shapes={shapes}", f"--data={data}")
    return _results(rdflib.Graph().parse(data=proc.stdout, format="turtle"))


def _compare_on_violation(data: Path, shapes: Path, name: str) -> None:
    py = pyshacl_verdict(data, shapes)
    jena = jena_verdict(data, shapes)
    assert py[0] is False, f"pyshacl accepts {name}"
    assert jena[0] is False, f"Jena SHACL accepts {name}"
    assert py[1] == jena[1], f"{name}: the engines report different results:\npyshacl {py[1]}\nJena    {jena[1]}"


def test_release_conforms_in_both_engines(release, tmp_path):
    tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
    data = _data_graph(release.data_nq, release.file("ontology.ttl"), None, tmp_path / "data.nt")
    shapes = release.file("shapes.ttl")
    py = pyshacl_verdict(data, shapes)
    jena = jena_verdict(data, shapes)
    assert py == jena, f"pyshacl {py} != Jena {jena}"
    assert py[0] is True, f"the release does not conform: {py[1][:10]}"


if project_fixtures():
    @pytest.mark.parametrize("fixture", project_fixtures(), ids=lambda p: p.stem)
    def test_project_violating_fixture_fails_in_both_engines(release, fixture, tmp_path):
        """Each of tests/fixtures/shapes/ added to the release's data, against the release's shapes."""
        tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
        data = _data_graph(release.data_nq, release.file("ontology.ttl"), fixture, tmp_path / "data.nt")
        _compare_on_violation(data, release.file("shapes.ttl"), fixture.name)


@pytest.mark.parametrize("fixture", STAND_IN_FIXTURES, ids=lambda p: p.stem)
def test_engines_agree_on_stand_in_violations(fixture, tmp_path):
    """The small stand-in data, shapes and violations of tests/fixtures/interop/ (all constraint kinds)."""
    tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
    data = _data_graph(tools.FIXTURES / "mini.trig", tools.FIXTURES / "mini-ontology.ttl", fixture,
                       tmp_path / "data.nt")
    _compare_on_violation(data, tools.FIXTURES / "mini-shapes.ttl", fixture.name)
