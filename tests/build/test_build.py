"""`spacecoop build` and `spacecoop validate`: the release, its stability, and every failure path."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from support.graphs import isomorphic

from spacecoop.build.pipeline import run_build, run_validate
from spacecoop.errors import EvidenceProblem, InconsistencyProblem, SyntaxProblem, ValidationProblem
from spacecoop.iris import (
    CROSS_DOCUMENT_GRAPH,
    IDENTIFIERS_GRAPH,
    INFERRED_GRAPH,
    SOURCES_GRAPH,
    curated_graph,
    source_graph,
)
from spacecoop.paths import Release, Repository

EXPECTED_FILES = [
    "ontology.ttl", "ontology.rdf", "ontology.jsonld", "ontology.nt", "shapes.ttl",
    "data.trig", "data.nq", "data.jsonld", "asserted.ttl", "examples.ttl",
    "void.ttl", "dcat.ttl", "manifest.json", "validation.ttl", "docs/ontology.html",
    "data.trig.gz", "data.nq.gz", "data.jsonld.gz", "asserted.ttl.gz",
]


def tree(root: Path) -> dict[str, bytes]:
    """The release's files; the embedded store's database (store/) is the server's, not a release file."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "store"
    }


def test_the_build_loads_the_embedded_store_so_a_server_starts_at_once(release_dir: Path) -> None:
    from spacecoop.paths import Release
    from spacecoop.rdf.database import MARKER, read_release_id

    marker = json.loads((release_dir / "store" / MARKER).read_text())
    assert marker["release"] == read_release_id(Release(release_dir))


def spacecoop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spacecoop.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_build_writes_every_release_file(release_dir: Path, name: str) -> None:
    assert (release_dir / name).is_file()
    assert (release_dir / name).stat().st_size > 0


def test_every_source_document_is_in_the_release(release_dir: Path, repo: Repository) -> None:
    for source in repo.sources_dir.glob("*.txt"):
        assert (release_dir / "sources" / source.name).read_bytes() == source.read_bytes()


def test_manifest_lists_every_file_with_its_checksum(release_dir: Path) -> None:
    manifest = json.loads((release_dir / "manifest.json").read_text())
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = set(tree(release_dir)) - {"manifest.json", "validation.ttl"}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        data = (release_dir / path).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["media_type"]


def test_manifest_triple_counts_match_the_files(release_dir: Path) -> None:
    manifest = json.loads((release_dir / "manifest.json").read_text())
    counts = {e["path"]: e["triples"] for e in manifest["files"] if "triples" in e}
    dataset = Dataset()
    dataset.parse(release_dir / "data.nq", format="nquads")
    assert counts["data.nq"] == len(list(dataset.quads())) == counts["data.trig"] == counts["data.nq.gz"]


@pytest.mark.slow
def test_rebuild_with_no_change_is_byte_identical(repo: Repository, release_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "dist"
    run_build(repo, again)
    assert tree(again) == tree(release_dir)


@pytest.mark.slow
def test_the_reference_engines_give_the_same_release_byte_for_byte(
    repo: Repository, release_dir: Path, tmp_path: Path
) -> None:
    """owlrl and pyshacl (--engine reference) and the store's rules and shapes (the default)
    write the same inferred graph, the same validation report and so the same release."""
    reference = tmp_path / "dist"
    report = run_build(repo, reference, engine="reference")
    assert report.counts["shacl warnings"] == 0  # every instance has its Chinese label (test_labels.py)
    assert tree(reference) == tree(release_dir)


@pytest.mark.slow
def test_dataset_dumps_round_trip_to_the_same_graphs(release_dir: Path, loaded) -> None:
    trig = Dataset()
    trig.parse(release_dir / "data.trig", format="trig")
    nquads = Dataset()
    nquads.parse(release_dir / "data.nq", format="nquads")
    nquads_gz = Dataset()
    nquads_gz.parse(data=gzip.decompress((release_dir / "data.nq.gz").read_bytes()).decode(), format="nquads")
    for name, graph in loaded.graphs().items():
        for parsed in (trig, nquads, nquads_gz):
            assert isomorphic(parsed.graph(name), graph), name
    assert len(trig.graph(str(INFERRED_GRAPH))) > 0


@pytest.mark.slow
def test_jsonld_dump_round_trips(release_dir: Path, loaded) -> None:
    dataset = Dataset()
    dataset.parse(release_dir / "data.jsonld", format="json-ld")
    for name, graph in loaded.graphs().items():
        assert isomorphic(dataset.graph(name), graph), name


def test_one_named_graph_per_document(release_dir: Path, loaded) -> None:
    dataset = Dataset()
    dataset.parse(release_dir / "data.nq", format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    expected = {source_graph(sid) for sid in loaded.documents} | {str(SOURCES_GRAPH), str(INFERRED_GRAPH)}
    expected |= {curated_graph(name) for name in loaded.curated}  # curation/{name}.ttl: the curators' graphs
    assert names == expected
    assert {str(IDENTIFIERS_GRAPH), str(CROSS_DOCUMENT_GRAPH)} <= names


@pytest.mark.parametrize("ext,fmt", [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld"), ("nt", "nt")])
def test_ontology_dumps_round_trip(release_dir: Path, ontology: Graph, ext: str, fmt: str) -> None:
    assert isomorphic(Graph().parse(release_dir / f"ontology.{ext}", format=fmt), ontology)


@pytest.mark.slow
def test_asserted_turtle_is_the_union_of_the_asserted_graphs(release_dir: Path, asserted: Graph) -> None:
    assert isomorphic(Graph().parse(release_dir / "asserted.ttl"), asserted)


def test_void_describes_each_graph_and_points_at_real_dumps(release_dir: Path) -> None:
    void = Graph().parse(release_dir / "void.ttl")
    dumps = {str(o) for o in void.objects(None, __import__("rdflib").namespace.VOID.dataDump)}
    assert dumps
    for dump in dumps:
        assert (release_dir / dump.rsplit("/dumps/", 1)[1]).is_file()
    rows = void.query(
        "PREFIX void: <http://rdfs.org/ns/void#> PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
        "SELECT ?g ?n WHERE { ?s sd:name ?g ; void:triples ?n }"
    )
    counts = {str(r.g): int(r.n) for r in rows}
    assert counts[str(INFERRED_GRAPH)] > 0 and len(counts) >= 3


def test_dcat_checksums_match_the_files(release_dir: Path) -> None:
    dcat = Graph().parse(release_dir / "dcat.ttl")
    rows = list(dcat.query(
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#> "
        "SELECT ?url ?size ?sum WHERE { ?d dcat:downloadURL ?url ; dcat:byteSize ?size ; "
        "spdx:checksum/spdx:checksumValue ?sum }"
    ))
    assert len(rows) > 10
    for row in rows:
        data = (release_dir / str(row.url).rsplit("/dumps/", 1)[1]).read_bytes()
        assert int(row.size) == len(data)
        assert str(row.sum) == hashlib.sha256(data).hexdigest()


def test_vocabulary_documentation_lists_every_class_and_property(release_dir: Path, ontology: Graph) -> None:
    from rdflib.namespace import OWL, RDF

    html = (release_dir / "docs" / "ontology.html").read_text()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in ontology.subjects(RDF.type, kind):
            if str(term).startswith("https://w3id.org/spacecoop/ontology#"):
                local = str(term).split("#")[1]
                assert f'id="{local}"' in html, local


def test_vocabulary_documentation_writes_a_terms_labels_apart(release_dir: Path, ontology: Graph) -> None:
    """pyLODE runs a term's labels together ("achievement成就"); the page shows "achievement · 成就"."""
    from rdflib.namespace import OWL, RDF, RDFS

    html = (release_dir / "docs" / "ontology.html").read_text()
    term = next(t for t in sorted(ontology.subjects(RDF.type, OWL.Class))
                if {getattr(label, "language", None) for label in ontology.objects(t, RDFS.label)} >= {"en", "zh"})
    english = next(str(label) for label in ontology.objects(term, RDFS.label) if label.language == "en")
    chinese = next(str(label) for label in ontology.objects(term, RDFS.label) if label.language == "zh")
    assert f"{english} · {chinese}" in html
    assert f"{english}{chinese}" not in html


# --- failure paths ----------------------------------------------------------


def test_syntax_error_names_file_and_line(repo_copy: Repository) -> None:
    bad = repo_copy.instances_dir / "999_bad.ttl"
    bad.write_text('@prefix sco: <https://w3id.org/spacecoop/ontology#> .\n\n<x:a> sco:party "unterminated .\n')
    with pytest.raises(SyntaxProblem) as caught:
        run_build(repo_copy)
    assert caught.value.path == bad and caught.value.line == 3


@pytest.mark.slow
def test_syntax_error_leaves_dist_exactly_as_it_was(repo_copy: Repository) -> None:
    run_build(repo_copy)
    before = tree(repo_copy.dist)
    (repo_copy.ontology_dir / "spacecoop.ttl").write_text('@prefix : <x:> .\n:a :b :c .\n:d :e "oops .\n:f :g :h .\n')
    result = spacecoop("--root", str(repo_copy.root), "build", cwd=repo_copy.root)
    assert result.returncode == 2
    assert "spacecoop.ttl:3" in result.stderr and "Traceback" not in result.stderr
    assert tree(repo_copy.dist) == before


def _first_annotation(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    marker = 'oa:exact "'
    start = text.index(marker) + len(marker)
    end = text.index('"', start)
    return text, text[start:end]


def test_quote_not_in_source_stops_the_build(repo_copy: Repository) -> None:
    path = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    text, quote = _first_annotation(path)
    path.write_text(text.replace(f'oa:exact "{quote}"', 'oa:exact "words the article never says"', 1), encoding="utf-8")
    with pytest.raises(EvidenceProblem) as caught:
        run_build(repo_copy)
    assert path.name in str(caught.value) and "words the article never says" in str(caught.value)
    assert not repo_copy.dist.exists()


def test_quote_at_wrong_offsets_stops_the_build(repo_copy: Repository) -> None:
    path = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    text = path.read_text(encoding="utf-8")
    marker = "oa:start "
    start = text.index(marker) + len(marker)
    end = text.index(" ", start)
    shifted = int(text[start:end]) + 1
    path.write_text(text[:start] + str(shifted) + text[end:], encoding="utf-8")
    with pytest.raises(EvidenceProblem) as caught:
        run_build(repo_copy)
    assert path.name in str(caught.value)


@pytest.mark.slow
def test_shape_violation_stops_the_build_with_exit_status_1(repo_copy: Repository) -> None:
    run_build(repo_copy)
    before = tree(repo_copy.dist)
    extra = repo_copy.instances_dir / sorted(p.name for p in repo_copy.instances_dir.glob("*.ttl"))[0]
    with extra.open("a", encoding="utf-8") as f:
        # An agreement with one party and no label, evidence or source.
        f.write("\n<https://w3id.org/spacecoop/id/agreement/broken> "
                "a <https://w3id.org/spacecoop/ontology#Agreement> .\n")
    result = spacecoop("--root", str(repo_copy.root), "build", cwd=repo_copy.root)
    assert result.returncode == 1, result.stderr
    assert "agreement/broken" in result.stderr and "Traceback" not in result.stderr
    assert tree(repo_copy.dist) == before  # validation.ttl included: the report goes elsewhere
    report = Path(result.stderr.split("(report written to ")[1].split(")")[0])
    assert "agreement/broken" in report.read_text(encoding="utf-8")


@pytest.mark.slow
def test_inconsistent_data_stops_the_build(repo_copy: Repository) -> None:
    path = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    with path.open("a", encoding="utf-8") as f:
        f.write("\n<https://w3id.org/spacecoop/id/country/china> a <https://w3id.org/spacecoop/ontology#Person> .\n")
    with pytest.raises(InconsistencyProblem) as caught:
        run_build(repo_copy)
    assert "country/china" in str(caught.value)


@pytest.mark.slow
def test_interrupted_build_leaves_dist_intact(repo_copy: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    run_build(repo_copy)
    before = tree(repo_copy.dist)
    from spacecoop.build.release import vocabulary_docs

    class Interrupted:
        def __init__(self, *args: object) -> None:
            pass

        def result(self) -> str:
            raise KeyboardInterrupt

        def cancel(self) -> None:
            pass

    monkeypatch.setattr(vocabulary_docs, "DocsJob", Interrupted)
    (repo_copy.ontology_dir / "spacecoop.ttl").write_text(
        (repo_copy.ontology_dir / "spacecoop.ttl").read_text() + "\n# a change\n"
    )
    with pytest.raises(KeyboardInterrupt):
        run_build(repo_copy)
    assert tree(repo_copy.dist) == before
    leftovers = [p.name for p in repo_copy.root.iterdir() if p.name.startswith(".dist-")]
    assert leftovers == []


@pytest.mark.slow
def test_validate_writes_only_the_report(repo_copy: Repository, tmp_path: Path) -> None:
    report_path = tmp_path / "report.ttl"
    run_validate(repo_copy, report_path)
    assert report_path.is_file()
    assert not repo_copy.dist.exists()


@pytest.mark.slow
def test_validate_command_fails_on_a_violation(repo_copy: Repository, tmp_path: Path) -> None:
    path = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    with path.open("a", encoding="utf-8") as f:
        f.write("\n<https://w3id.org/spacecoop/id/agreement/broken> "
                "a <https://w3id.org/spacecoop/ontology#Agreement> .\n")
    result = spacecoop("--root", str(repo_copy.root), "validate", "--report", str(tmp_path / "r.ttl"),
                       cwd=repo_copy.root)
    assert result.returncode == 1
    with pytest.raises(ValidationProblem):
        run_validate(repo_copy)


@pytest.mark.parametrize("engine", ["store", "reference"])
@pytest.mark.slow
def test_validate_command_reports_the_same_violation_with_either_engine(
    repo_copy: Repository, tmp_path: Path, engine: str
) -> None:
    path = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    with path.open("a", encoding="utf-8") as f:
        f.write("\n<https://w3id.org/spacecoop/id/agreement/broken> "
                "a <https://w3id.org/spacecoop/ontology#Agreement> .\n")
    result = spacecoop("--root", str(repo_copy.root), "validate", "--engine", engine,
                       "--report", str(tmp_path / "r.ttl"), cwd=repo_copy.root)
    assert result.returncode == 1
    assert "id/agreement/broken" in result.stderr + result.stdout


def test_an_unknown_engine_is_a_usage_error(repo_copy: Repository) -> None:
    result = spacecoop("--root", str(repo_copy.root), "validate", "--engine", "fast", cwd=repo_copy.root)
    assert result.returncode == 2
    assert "invalid choice: 'fast'" in result.stderr


@pytest.mark.slow
def test_build_prints_counts_and_stage_times(repo_copy: Repository) -> None:
    result = spacecoop("--root", str(repo_copy.root), "build", cwd=repo_copy.root)
    assert result.returncode == 0, result.stderr
    for stage in ("load", "evidence", "quality", "reason", "validate", "write"):
        assert f"stage {stage}:" in result.stdout
    assert "asserted triples:" in result.stdout


def test_the_build_never_imports_the_web_layer() -> None:
    code = (
        "import sys, spacecoop.build.pipeline, spacecoop.build.release.writer;"
        "bad = [m for m in sys.modules"
        " if m.startswith(('spacecoop.server', 'spacecoop.web.pages', 'starlette', 'uvicorn'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_release_layout_names_match_the_build(release: Release) -> None:
    for path in (release.data_trig, release.data_nq, release.ontology_ttl, release.void_ttl, release.manifest):
        assert path.is_file()
