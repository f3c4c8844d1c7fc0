"""`spacecoop diff`: two releases built from copies of the repository, one changed by hand.

The change: one cross-document relation (both directions) removed, one resource added in
the cross-document graph, the definition of `sco:Agency` reworded. The second release is
built into the same folder as the first, so it keeps the first as `previous/`.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL
from support.repository import copy_repository

from spacecoop.build.pipeline import run_build
from spacecoop.build.release.describe import DATASET, PREVIOUS_VERSION, PROV, release_iri
from spacecoop.cli import main
from spacecoop.curate import diff
from spacecoop.paths import Repository

CROSS = "https://w3id.org/spacecoop/graph/cross-document"
ADDED = "https://w3id.org/spacecoop/id/agreement/diff-test-added"
FRANCE, AGENCY = "agreement:china-france-cooperation", "agreement:china-french-space-agency-cooperation"
RELATION = f"{FRANCE} sco:relatedAgreement {AGENCY} .\n{AGENCY} sco:relatedAgreement {FRANCE} .\n"
DEFINITION = "such as a national space agency or a United Nations office for outer space affairs."


def _change(repo: Repository) -> None:
    cross = repo.curation_dir / "cross-document.ttl"
    text = cross.read_text(encoding="utf-8")
    assert RELATION in text
    added = f'<{ADDED}> <http://www.w3.org/2000/01/rdf-schema#comment> "x"@en .\n'
    cross.write_text(text.replace(RELATION, "") + added, encoding="utf-8")
    ontology = repo.ontology_dir / "spacecoop.ttl"
    text = ontology.read_text(encoding="utf-8")
    assert DEFINITION in text
    ontology.write_text(text.replace(DEFINITION, "such as a national space agency."), encoding="utf-8")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the first release, kept as previous/ of the second; the second release's folder)."""
    root = tmp_path_factory.mktemp("diff")
    repo = copy_repository(root / "repo")
    dist = root / "dist"
    run_build(repo, dist)
    first = root / "first"  # the first release as built, to compare `previous/` with
    first.mkdir()
    for name in ("manifest.json", "void.ttl", "dcat.ttl", "data.nq"):
        (first / name).write_bytes((dist / name).read_bytes())
    _change(repo)
    run_build(repo, dist)
    return first, dist


def _quads(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_the_replaced_release_is_kept_and_linked(releases: tuple[Path, Path]) -> None:
    first, dist = releases
    kept = diff.kept_previous(dist)
    assert kept is not None
    assert (dist / "previous" / "manifest.json").read_bytes() == (first / "manifest.json").read_bytes()
    assert not (dist / "previous" / "store").exists()
    for name in ("void.ttl", "dcat.ttl"):
        description = Graph().parse(dist / name)
        assert description.value(DATASET, PROV.wasRevisionOf) == release_iri(kept.release_id)
        assert description.value(DATASET, PREVIOUS_VERSION) == release_iri(kept.release_id)
        assert description.value(DATASET, OWL.versionInfo) is not None
        assert (DATASET, PROV.wasRevisionOf, None) not in Graph().parse(first / name)


def test_diff_counts(releases: tuple[Path, Path]) -> None:
    _first, dist = releases
    old, new = diff.open_release(dist / "previous"), diff.open_release(dist)
    old = diff.open_release(old.release_id, [dist])  # a kept release is found by its id too
    result = diff.compare(old, new)
    old_quads, new_quads = _quads(old.data_nq), _quads(new.data_nq)
    plain = [q for q in new_quads ^ old_quads if not isinstance(q.subject, ox.BlankNode)
             and not isinstance(q.object, ox.BlankNode)]
    assert len(result.added) + len(result.removed) == len(plain)
    assert result.terms.changed == ["https://w3id.org/spacecoop/ontology#Agency"]
    assert result.terms.added == result.terms.removed == []
    assert result.resources_added == [ADDED]
    assert result.resources_removed == []
    assert result.per_graph()[CROSS].as_json() == {"added": 1, "removed": 2}
    assert result.per_resource()[ADDED].as_json() == {"added": 1, "removed": 0}
    backwards = diff.compare(new, old)
    assert backwards.resources_removed == [ADDED] and backwards.resources_added == []
    assert backwards.per_graph()[CROSS].as_json() == {"added": 2, "removed": 1}
    same = diff.compare(new, new)
    assert same.unchanged and same.totals().as_json() == {"added": 0, "removed": 0}


def test_the_sparql_changeset_turns_old_into_new(releases: tuple[Path, Path]) -> None:
    _first, dist = releases
    for old, new in ((dist / "previous", dist), (dist, dist / "previous")):
        result = diff.compare(diff.open_release(old), diff.open_release(new))
        store = ox.Store()
        store.bulk_load(path=str(old / "data.nq"), format=ox.RdfFormat.N_QUADS)
        store.update("\n".join(diff.changeset_sparql(result)))
        applied = ox.Dataset(store)
        reference = ox.Store()  # the store spells some literals its own way: compare store with store
        reference.bulk_load(path=str(new / "data.nq"), format=ox.RdfFormat.N_QUADS)
        expected = ox.Dataset(reference)
        assert len(expected) == len(_quads(new / "data.nq"))
        applied.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        expected.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        assert sorted(map(str, applied)) == sorted(map(str, expected))


def test_the_command(releases: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _first, dist = releases
    assert main(["diff", str(dist / "previous"), str(dist)]) == 0
    text = capsys.readouterr().out
    assert f"  + {ADDED}" in text and "  ~ https://w3id.org/spacecoop/ontology#Agency" in text
    assert f"  +1 -2 {CROSS}" in text
    out = tmp_path / "changes.ttl"
    assert main(["diff", str(dist / "previous"), str(dist), "--format", "turtle", "--output", str(out)]) == 0
    changes = Graph().parse(out)
    subjects = set(changes.objects(None, URIRef("http://purl.org/vocab/changeset/schema#subjectOfChange")))
    assert URIRef(ADDED) in subjects
    assert main(["diff", str(tmp_path), str(dist)]) == 2
    assert "is not a spacecoop release" in capsys.readouterr().err
    assert main(["diff", "0123456789abcdef", str(dist), "--dist", str(dist)]) == 2


def test_a_rebuild_of_unchanged_inputs_keeps_the_same_previous(tmp_path: Path) -> None:
    repo = copy_repository(tmp_path / "repo")
    dist = tmp_path / "dist"
    first = run_build(repo, dist).release
    assert not (dist / "previous").exists()
    assert run_build(repo, dist).release == first  # nothing changed: nothing kept, the same id
    assert not (dist / "previous").exists()
    _change(repo)
    second = run_build(repo, dist).release
    assert second != first and diff.kept_previous(dist) is not None
    assert run_build(repo, dist).release == second  # the rebuild keeps the same previous release
    kept = diff.kept_previous(dist)
    assert kept is not None and kept.release_id == first
