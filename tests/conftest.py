"""Shared, session-scoped fixtures: the repository, its parsed graphs, a built release.

The release is built once per session into a temporary folder: tests read it
and never write into the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from support.repository import copy_repository

from spacecoop.build.load import LoadedRepository, load_repository
from spacecoop.paths import Release, Repository

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Repository:
    return Repository(ROOT)


@pytest.fixture(scope="session")
def loaded(repo: Repository) -> LoadedRepository:
    return load_repository(repo)


@pytest.fixture(scope="session")
def ontology(loaded: LoadedRepository) -> Graph:
    return loaded.ontology


@pytest.fixture(scope="session")
def asserted(loaded: LoadedRepository) -> Graph:
    return loaded.asserted()


@pytest.fixture(scope="session")
def owlrl_reasoned(ontology: Graph, asserted: Graph):
    """owlrl's closure of the real data (the reference the store's rules are held to), computed once."""
    from spacecoop.build.reason.reference import reason

    return reason(ontology, asserted)


@pytest.fixture(scope="session")
def release_dir(repo: Repository, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's release, built once into a temporary dist/."""
    from spacecoop.build.pipeline import run_build

    dist = tmp_path_factory.mktemp("release") / "dist"
    run_build(repo, dist)
    return dist


@pytest.fixture(scope="session")
def release(release_dir: Path) -> Release:
    return Release(release_dir)


@pytest.fixture
def repo_copy(tmp_path: Path) -> Repository:
    return copy_repository(tmp_path / "repo")


# --- The SPARQL endpoint's tests (tests/web/test_server_*.py): one server process per session. ---


@pytest.fixture(scope="session")
def server_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small release whose every answer the server tests know, built by the build's release writer
    (see support.server and support.releases)."""
    from support.server import write_fixture_release

    return write_fixture_release(tmp_path_factory.mktemp("server-release") / "dist")


@pytest.fixture(scope="session")
def server_process(server_release: Path):
    """`spacecoop serve` on the fixture release, with small limits, on a free localhost port."""
    from support.server import session_server_args, start_server

    server = start_server(server_release, server_release.parent / "server.log", *session_server_args())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_client(server_process):
    with server_process.client() as client:
        yield client
