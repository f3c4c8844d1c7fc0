"""`/changes`: the diff to the previous release a release keeps, or a page saying there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repository import copy_repository
from support.server import start_server

from spacecoop.build.pipeline import run_build


@pytest.fixture(scope="module")
def changed_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release built over an older one whose vocabulary differs (one definition reworded)."""
    root = tmp_path_factory.mktemp("changes")
    repo = copy_repository(root / "repo")
    dist = root / "dist"
    run_build(repo, dist)
    ontology = repo.ontology_dir / "spacecoop.ttl"
    text = ontology.read_text(encoding="utf-8")
    wording = "such as a national space agency or a United Nations office for outer space affairs."
    assert wording in text
    ontology.write_text(text.replace(wording, "such as a national space agency."), encoding="utf-8")
    run_build(repo, dist)
    return dist


def test_changes_without_a_previous_release(release_dir: Path) -> None:
    server = start_server(release_dir, release_dir.parent / "changes-none.log", "--build", "never")
    try:
        with server.client() as client:
            page = client.get("/changes")
            assert page.status_code == 200 and 'id="no-previous"' in page.text
            twin = client.get("/changes?format=json").json()
            assert twin["previous"] is None and twin["diff"] is None
    finally:
        server.stop()


def test_changes_with_a_previous_release(changed_release: Path) -> None:
    server = start_server(changed_release, changed_release.parent / "changes.log", "--build", "never")
    try:
        with server.client() as client:
            twin = client.get("/changes", headers={"Accept": "application/json"}).json()
            assert twin["diff"]["terms"]["changed"] == ["https://w3id.org/spacecoop/ontology#Agency"]
            assert twin["previous"] == twin["diff"]["old"] != twin["release"]
            page = client.get("/changes", headers={"Accept-Language": "zh"})
            assert page.status_code == 200 and 'id="summary"' in page.text
            assert "https://w3id.org/spacecoop/ontology#Agency" in page.text
    finally:
        server.stop()
