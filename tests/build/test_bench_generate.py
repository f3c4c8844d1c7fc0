"""scripts/bench/generate.py: a synthetic repository of a requested size, which the build accepts.

The benchmark builds repositories of 10 000 to millions of triples made by this
generator; these tests hold it to its promise on a small one: same arguments,
same bytes; the size asked for; and a repository that builds with no SHACL
violation and every evidence quote at its offsets. Everything is written under
pytest's temporary folders, never into the repository.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from spacecoop.build.pipeline import run_build
from spacecoop.paths import Repository

ROOT = Path(__file__).resolve().parents[2]
GENERATE = ROOT / "scripts" / "bench" / "generate.py"
TRIPLES = 10_000


def load_generator() -> ModuleType:
    """Import scripts/bench/generate.py by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def synthetic(generator: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A ~10 000-triple repository (seed 1) and the generator's summary of it."""
    root = tmp_path_factory.mktemp("synthetic") / "repo"
    summary = generator.generate(root, TRIPLES, seed=1)
    return root, summary


# --- Deterministic ------------------------------------------------------------------


def test_the_same_seed_and_size_give_byte_identical_repositories(
    generator: ModuleType, synthetic: tuple[Path, object], tmp_path: Path
) -> None:
    root, _summary = synthetic
    again = tmp_path / "again"
    generator.generate(again, TRIPLES, seed=1)
    assert tree(again) == tree(root)


def test_another_seed_gives_other_data(generator: ModuleType, synthetic: tuple[Path, object], tmp_path: Path) -> None:
    root, _summary = synthetic
    other = tmp_path / "other"
    generator.generate(other, TRIPLES, seed=2)
    assert tree(other)["sources/sources.ttl"] != tree(root)["sources/sources.ttl"]
    assert (sorted(p.name for p in (other / "instances").iterdir())
            != sorted(p.name for p in (root / "instances").iterdir()))


# --- The layout of a repository -------------------------------------------------------


def test_ontology_and_shapes_are_copies_of_the_projects(synthetic: tuple[Path, object]) -> None:
    root, _summary = synthetic
    for folder in ("ontology", "shapes"):
        assert tree(root / folder) == tree(ROOT / folder)


def test_every_document_has_its_article_and_its_instance_file(synthetic: tuple[Path, object]) -> None:
    root, summary = synthetic
    articles = sorted(p.stem for p in (root / "sources").glob("*.txt"))
    instances = sorted(p.stem for p in (root / "instances").glob("*.ttl"))
    assert articles == instances
    assert len(articles) == summary.documents > 1
    sources_ttl = (root / "sources" / "sources.ttl").read_text(encoding="utf-8")
    for source_id in articles:
        assert f"src:{source_id} a sco:NewsArticle" in sources_ttl
        assert f'sco:fileName "{source_id}.txt"' in sources_ttl
    assert not (root / "tests").exists()  # no competency questions: the build reads none


def test_shared_entities_recur_in_several_documents_with_identical_labels(synthetic: tuple[Path, object]) -> None:
    root, _summary = synthetic
    files = [p.read_text(encoding="utf-8") for p in sorted((root / "instances").glob("*.ttl"))]
    china = 'country:china a sco:Country ;\n    rdfs:label "China"@en , "中国"@zh ;\n'
    assert sum(china in text for text in files) > 1
    assert all('@zh' in text for text in files)


# --- The build accepts it ----------------------------------------------------------------


@pytest.mark.slow
def test_the_build_accepts_it_with_no_violation_and_the_size_asked_for(
    synthetic: tuple[Path, object], tmp_path: Path
) -> None:
    root, summary = synthetic
    report = run_build(Repository(root), dist=tmp_path / "dist")
    assert report.counts["shacl violations"] == 0
    assert report.counts["documents"] == summary.documents
    # The build checked every quote against its article at its offsets (it raises otherwise).
    assert report.counts["evidence quotes"] > 0
    asserted = report.counts["asserted triples"]
    assert abs(asserted - TRIPLES) <= TRIPLES * 0.10
    assert asserted == summary.triples  # the generator counts what the build counts
    assert (tmp_path / "dist" / "manifest.json").is_file()


# --- The command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--triples", "10", "--out", "{tmp}/x"], "must be between"),
        (["--triples", "many", "--out", "{tmp}/x"], "not a whole number"),
        (["--out", "{tmp}/x"], "required"),
        (["--triples", "10000", "--out", str(ROOT), "--force"], "is this project"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(
    generator: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        generator.main([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_an_existing_repository_is_replaced_only_with_force(
    generator: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "repo"
    assert generator.main(["--triples", "2000", "--out", str(out)]) == 0
    assert "documents" in capsys.readouterr().out
    stale = out / "instances" / "999999_stale.ttl"
    stale.write_text("# left from an earlier run\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        generator.main(["--triples", "2000", "--out", str(out)])
    assert "--force" in capsys.readouterr().err
    assert generator.main(["--triples", "2000", "--out", str(out), "--force"]) == 0
    assert not stale.exists()
