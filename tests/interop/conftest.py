"""Fixtures of the interoperability tests: a release, its queries, and the external stores.

The release is built once per session from the repository into a temporary
folder (`spacecoop.build.pipeline.run_build`). `SPACECOOP_INTEROP_RELEASE=/path/to/dist`
points the tests at an existing release instead. While the build is missing
(an early checkout), a small stand-in release is made from
`tests/fixtures/interop/`.

The external stores (Virtuoso, Jena TDB2) are started once per session on free
local ports with their own database folders, and stopped at the end.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import interop_tools as tools  # noqa: E402

REPO_ROOT = tools.REPO_ROOT
FIXTURES = tools.FIXTURES
GRAPH_BASE = "https://w3id.org/spacecoop/graph/"

@dataclass
class ReleaseUnderTest:
    root: Path
    built: bool  # True: the repository's real build; False: the stand-in fixture

    @property
    def manifest(self) -> dict:
        path = self.root / "manifest.json"
        return json.loads(path.read_text()) if path.is_file() else {"files": []}

    def file(self, name: str) -> Path:
        return self.root / name

    @property
    def data_nq(self) -> Path:
        return self.root / "data.nq"

    def load_plan(self) -> list[tuple[Path, str | None]]:
        """What a store holds, as spacecoop's endpoint serves it: (file, graph) pairs.

        data.nq carries the document, sources and inferred graphs; the vocabulary and
        the example queries go into their own named graphs.
        """
        plan: list[tuple[Path, str | None]] = [(self.data_nq, None)]
        for name, graph in (("ontology.ttl", "ontology"), ("examples.ttl", "examples")):
            path = self.root / name
            if path.is_file() and path.stat().st_size:
                plan.append((path, GRAPH_BASE + graph))
        return plan

    def graphs(self) -> list[str]:
        """The named graphs a store holds for the release."""
        return sorted(tools.graph_sizes(self.load_plan()))


def _build_real_release(out: Path) -> Path | None:
    try:
        from spacecoop.build.pipeline import run_build
    except ImportError:
        return None
    from spacecoop.paths import Repository

    run_build(Repository(REPO_ROOT), out)
    return out


def _make_stand_in_release(out: Path) -> Path:
    """A release-shaped folder from the hand-written fixture (same file names as `dist/`)."""
    import pyoxigraph as ox
    import rdflib

    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "mini.trig", out / "data.trig")
    dataset = ox.Dataset(ox.parse(path=str(FIXTURES / "mini.trig")))
    ox.serialize(dataset, output=str(out / "data.nq"), format=ox.RdfFormat.N_QUADS)
    ox.serialize(dataset, output=str(out / "data.jsonld"), format=ox.RdfFormat.JSON_LD)
    asserted = [ox.Triple(q.subject, q.predicate, q.object) for q in dataset
                if q.graph_name.value != GRAPH_BASE + "inferred"]
    ox.serialize(asserted, output=str(out / "asserted.ttl"), format=ox.RdfFormat.TURTLE,
                 prefixes={"sco": "https://w3id.org/spacecoop/ontology#"})
    onto = rdflib.Graph().parse(FIXTURES / "mini-ontology.ttl")
    shutil.copy(FIXTURES / "mini-ontology.ttl", out / "ontology.ttl")
    onto.serialize(out / "ontology.rdf", format="xml")
    onto.serialize(out / "ontology.nt", format="nt")
    onto.serialize(out / "ontology.jsonld", format="json-ld")
    shutil.copy(FIXTURES / "mini-shapes.ttl", out / "shapes.ttl")
    for name in ("data.nq", "data.trig"):
        with open(out / name, "rb") as src, gzip.open(out / (name + ".gz"), "wb") as dst:
            shutil.copyfileobj(src, dst)
    files = []
    for path in sorted(out.iterdir()):
        syntax = tools.rdf_syntax(path)
        files.append({
            "path": path.name,
            "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "triples": tools.oxigraph_count(path) if syntax else None,
        })
    (out / "manifest.json").write_text(
        json.dumps({"generator": "spacecoop", "release": "interop-fixture", "files": files}, indent=1))
    return out


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> ReleaseUnderTest:
    given = os.environ.get("SPACECOOP_INTEROP_RELEASE")
    if given:
        return ReleaseUnderTest(Path(given).resolve(), built=True)
    out = tmp_path_factory.mktemp("release") / "dist"
    root = _build_real_release(out)
    if root is not None:
        return ReleaseUnderTest(root, built=True)
    return ReleaseUnderTest(_make_stand_in_release(out), built=False)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str

    @property
    def kind(self) -> str:
        return tools.query_kind(self.text)


def query_files() -> list[Path]:
    """The competency queries and the generic `any-*` queries; the stand-in's own without a build."""
    competency = sorted((REPO_ROOT / "tests" / "competency").glob("*.rq"))
    if tools.real_release_expected() and competency:
        return competency + sorted((FIXTURES / "queries").glob("any-*.rq"))
    return sorted((FIXTURES / "queries").glob("*.rq"))


def pytest_generate_tests(metafunc):
    if "query" in metafunc.fixturenames:
        files = query_files()
        metafunc.parametrize("query", [NamedQuery(p.stem, p.read_text()) for p in files],
                             ids=[p.stem for p in files])


@pytest.fixture(scope="session")
def reference(release):
    """spacecoop's embedded store on the release, in-process: the answers to compare with."""
    store = tools.EmbeddedReference(release.root)
    yield store
    store.close()


@pytest.fixture(scope="session")
def virtuoso(release, tmp_path_factory):
    """A private Virtuoso loaded with the release by its bulk loader (one graph per document)."""
    tools.need(tools.have_virtuoso(), "Virtuoso (Debian virtuoso-opensource)")
    workdir = tmp_path_factory.mktemp("virtuoso")
    # The documented way: `spacecoop load --files` writes N-Quads for the bulk loader.
    files = workdir / "files"
    subprocess.run([sys.executable, "-m", "spacecoop.cli", "load", "--files", str(files), "--dist",
                    str(release.root), "--build", "never"], check=True, capture_output=True, timeout=300)
    server = tools.Virtuoso(workdir)
    started = time.monotonic()
    server.start()
    try:
        server.bulk_load([(f, None) for f in sorted(files.glob("*.nq"))])
        server.load_seconds = time.monotonic() - started
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tdb2(release, tmp_path_factory):
    """A Jena TDB2 database loaded with the release by `tdb2.tdbloader`."""
    tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
    db = tools.Tdb2(tmp_path_factory.mktemp("tdb2") / "db")
    db.load(release.load_plan())
    return db


@pytest.fixture(scope="session")
def tdb2_answers(tdb2, tmp_path_factory) -> dict:
    """Every query's answer from TDB2, computed in one JVM."""
    tools.need(tools.have_java_compiler(), "a Java compiler (Debian default-jdk-headless)")
    return tdb2.answers({p.stem: p.read_text() for p in query_files()}, tmp_path_factory.mktemp("tdbq"))


SERVE_TIME_LIMIT = tools.SERVE_TIME_LIMIT


@pytest.fixture(scope="session")
def embedded_server(release, tmp_path_factory):
    """`spacecoop serve` with the embedded store."""
    served = tools.start_spacecoop(release.root, tmp_path_factory.mktemp("serve") / "embedded.log",
                                   "--workers", "2", "--time-limit", str(SERVE_TIME_LIMIT))
    yield served
    served.stop()


@pytest.fixture(scope="session")
def virtuoso_server(release, virtuoso, tmp_path_factory):
    """`spacecoop serve --backend` over the bulk-loaded Virtuoso."""
    served = tools.start_spacecoop(release.root, tmp_path_factory.mktemp("serve") / "virtuoso.log",
                                   "--backend", virtuoso.endpoint, "--time-limit", str(SERVE_TIME_LIMIT))
    yield served
    served.stop()


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def served(request):
    """Each backend in turn behind the same front end."""
    return request.getfixturevalue(f"{request.param}_server")
