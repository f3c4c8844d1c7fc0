"""pyshacl and Jena SHACL give the same verdict on the release and on every shapes fixture.

Both engines get the inputs of the build's validation (spacecoop.build.validate.reference):
the release's shapes, and as data graph the asserted data (or a fixture of
tests/fixtures/shapes/) merged with the vocabulary; neither engine infers
anything. The verdict is the build's: the data conforms when no result has
severity sh:Violation (warnings are allowed). Beyond the verdict, the two
reports must list the same results (focus node, path, constraint component,
severity, value, and the shape when it is named).

Jena runs once for all fixtures (scripts/interop/ShaclBatch.java, Jena's
ShaclValidator), and `shacl.shacl validate`, the command users run, once on
the release to show it reports the same.
"""

from __future__ import annotations

from pathlib import Path

import interop_tools as tools
import pytest

pytestmark = pytest.mark.interop

SH = "http://www.w3.org/ns/shacl#"
SHACL_BATCH = tools.REPO_ROOT / "scripts" / "interop" / "ShaclBatch.java"
STAND_IN_FIXTURES = sorted((tools.FIXTURES / "violations").glob("*.ttl"))


def project_fixtures() -> list[Path]:
    """The project's shapes fixtures (checked against the real release's shapes)."""
    if not tools.real_release_expected():
        return []
    return sorted((tools.REPO_ROOT / "tests" / "fixtures" / "shapes").glob("*.ttl"))


def results(report) -> tuple[bool, list[tuple]]:
    """(conforms: no Violation, sorted results) of a SHACL validation report graph."""
    from rdflib import XSD, BNode, Literal, Namespace, URIRef

    sh = Namespace(SH)
    reports = list(report.subjects(URIRef(str(sh.conforms)), None))
    assert len(reports) == 1, report.serialize(format="turtle")

    def show(term):
        if isinstance(term, BNode):
            return "_:b"
        if isinstance(term, Literal) and term.datatype == XSD.string:  # RDF 1.1: the same literal
            term = Literal(str(term))
        return term.n3() if term is not None else None

    rows = []
    for result in report.objects(reports[0], sh.result):
        rows.append(tuple(show(report.value(result, p)) for p in (
            sh.focusNode, sh.resultPath, sh.sourceConstraintComponent, sh.resultSeverity, sh.value,
            sh.sourceShape)))
    conforms = not any(r[3] == sh.Violation.n3() for r in rows)
    return conforms, sorted(rows, key=repr)


def pyshacl_verdict(data_files: list[Path], shapes: Path):
    """pyshacl as the build runs it (inference none, SHACL-AF on, warnings allowed)."""
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    for f in data_files:
        data.parse(f, format=tools.rdf_syntax(f).rdflib)
    _, report, _ = pyshacl.validate(
        data, shacl_graph=rdflib.Graph().parse(shapes, format="turtle"), inference="none",
        advanced=True, allow_warnings=True, meta_shacl=False)
    return results(report)


def jena_verdicts(shapes: Path, cases: dict[str, list[Path]], workdir: Path) -> dict[str, tuple]:
    """Jena SHACL on every case in one JVM."""
    import rdflib

    workdir.mkdir(parents=True, exist_ok=True)
    names = sorted(cases)
    args = []
    for i, name in enumerate(names):
        args += [",".join(str(f) for f in cases[name]), str(workdir / f"{i}.ttl")]
    tools.jena(str(SHACL_BATCH), str(shapes), *args, timeout=600)
    return {name: results(rdflib.Graph().parse(workdir / f"{i}.ttl", format="turtle"))
            for i, name in enumerate(names)}


def need_jena() -> None:
    tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
    tools.need(tools.have_java_compiler(), "a Java compiler (Debian default-jdk-headless)")


@pytest.fixture(scope="module")
def project_verdicts(release, tmp_path_factory):
    need_jena()
    ontology = release.file("ontology.ttl")
    cases = {f.stem: [f, ontology] for f in project_fixtures()}
    cases["(release)"] = [release.file("asserted.ttl"), ontology]
    return jena_verdicts(release.file("shapes.ttl"), cases, tmp_path_factory.mktemp("shacl"))


def test_release_conforms_in_both_engines(release, project_verdicts):
    data = [release.file("asserted.ttl"), release.file("ontology.ttl")]
    py = pyshacl_verdict(data, release.file("shapes.ttl"))
    jena = project_verdicts["(release)"]
    assert py == jena, f"pyshacl {py} != Jena {jena}"
    assert py[0] is True, f"the release does not conform: {py[1][:10]}"


def test_jena_shacl_command_reports_the_same(release, project_verdicts, tmp_path):
    """`shacl.shacl validate`, as a user runs it, gives the batch's report on the release."""
    import rdflib

    data = tmp_path / "data.nt"
    import pyoxigraph as ox

    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for f in (release.file("asserted.ttl"), release.file("ontology.ttl"))
               for q in tools.load_plan_quads([(f, None)])]
    ox.serialize(triples, output=str(data), format=ox.RdfFormat.N_TRIPLES)
    proc = tools.jena("shacl.shacl", "validate", f"--shapes={release.file('shapes.ttl')}", f"--data={data}")
    assert results(rdflib.Graph().parse(data=proc.stdout, format="turtle")) == project_verdicts["(release)"]


@pytest.mark.parametrize("fixture", project_fixtures(), ids=lambda p: p.stem)
def test_project_fixture_same_verdict(release, project_verdicts, fixture):
    """Each of tests/fixtures/shapes/ with the vocabulary, against the release's shapes."""
    py = pyshacl_verdict([fixture, release.file("ontology.ttl")], release.file("shapes.ttl"))
    jena = project_verdicts[fixture.stem]
    assert py[0] == jena[0], f"{fixture.name}: pyshacl conforms={py[0]}, Jena conforms={jena[0]}"
    header = fixture.read_text(encoding="utf-8").split("\n@prefix", 1)[0]
    violation = fixture.stem.startswith("invalid") and "severity: Warning" not in header
    assert py[0] is not violation, f"{fixture.name}: conforms={py[0]}"
    assert bool(py[1]) is fixture.stem.startswith("invalid"), f"{fixture.name}: {py[1]}"
    assert py[1] == jena[1], (f"{fixture.name}: the engines report different results:\n"
                              f"pyshacl {py[1]}\nJena    {jena[1]}")


@pytest.fixture(scope="module")
def stand_in_verdicts(tmp_path_factory):
    need_jena()
    workdir = tmp_path_factory.mktemp("shacl-stand-in")
    data = workdir / "mini.nt"
    import pyoxigraph as ox

    ox.serialize([ox.Triple(q.subject, q.predicate, q.object)
                  for q in tools.oxigraph_quads(tools.FIXTURES / "mini.trig")],
                 output=str(data), format=ox.RdfFormat.N_TRIPLES)
    cases = {f.stem: [data, tools.FIXTURES / "mini-ontology.ttl", f] for f in STAND_IN_FIXTURES}
    cases["(valid)"] = [data, tools.FIXTURES / "mini-ontology.ttl"]
    return cases, jena_verdicts(tools.FIXTURES / "mini-shapes.ttl", cases, workdir / "reports")


@pytest.mark.parametrize("fixture", ["(valid)"] + [f.stem for f in STAND_IN_FIXTURES])
def test_engines_agree_on_stand_in(stand_in_verdicts, fixture):
    """The small stand-in data, shapes and violations of tests/fixtures/interop/ (every release)."""
    cases, jena = stand_in_verdicts
    py = pyshacl_verdict(cases[fixture], tools.FIXTURES / "mini-shapes.ttl")
    assert py[0] is (fixture == "(valid)")
    assert py == jena[fixture], f"{fixture}: pyshacl {py} != Jena {jena[fixture]}"
