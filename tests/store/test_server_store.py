"""The embedded store: loading the release, reusing it, and the Store interface the pages use.

The engines' supervision (deadline, memory, retries, sandbox) is tested in test_engine.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time

import pytest
from rdflib import Graph, Literal, URIRef
from support.server import (
    EXAMPLES_GRAPH,
    GRAPH_A,
    GRAPH_B,
    ID,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    RUNAWAY_QUERY,
    SOURCES_GRAPH,
    write_fixture_release,
)

from spacecoop.paths import Release
from spacecoop.rdf.database import MARKER, ReleaseError, prepare
from spacecoop.store.engine_store import EngineStore
from spacecoop.store.protocol import QueryRequest, QuerySyntaxError, QueryTimeout, RowLimitExceeded

ESA = f"{ID}agency/esa"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    dist = write_fixture_release(tmp_path_factory.mktemp("store") / "dist")
    store = EngineStore.open(dist, workers=2)
    yield store
    store.close()


@pytest.fixture
def release(tmp_path) -> Release:
    return Release(write_fixture_release(tmp_path / "dist"))


def test_each_graph_is_loaded_with_its_triple_count(store):
    assert store.counts() == {
        GRAPH_A: 8,
        GRAPH_B: 8,
        SOURCES_GRAPH: 4,
        INFERRED_GRAPH: 2,
        ONTOLOGY_GRAPH: 7,
        EXAMPLES_GRAPH: 6,
    }


def test_release_id_is_the_manifests(store, tmp_path):
    assert len(store.release_id) == 16


def test_the_store_is_reused_when_the_release_is_unchanged(release):
    first = prepare(release)
    marker = release.store_dir / MARKER
    written = marker.stat().st_mtime_ns
    second = prepare(release)
    assert second == first
    assert marker.stat().st_mtime_ns == written


def test_the_store_is_reloaded_for_a_new_release(release):
    prepare(release)
    manifest = json.loads(release.manifest.read_text())
    manifest["release"] = "another-release"
    release.manifest.write_text(json.dumps(manifest))
    assert prepare(release).release_id == "another-release"
    assert json.loads((release.store_dir / MARKER).read_text())["release"] == "another-release"
    assert sorted(p.name for p in release.root.iterdir() if p.name.startswith("store")) == ["store"]


def test_a_file_that_does_not_match_its_checksum_is_not_loaded(release):
    with open(release.data_nq, "a") as data:
        data.write('<http://example.org/a> <http://example.org/b> "tampered" .\n')
    with pytest.raises(ReleaseError, match="does not match its checksum"):
        prepare(release)


def test_a_folder_without_a_manifest_is_no_release(tmp_path):
    with pytest.raises(ReleaseError, match="no manifest.json.*spacecoop build"):
        prepare(Release(tmp_path))


def test_select_returns_rdflib_terms(store):
    rows = store.select(f"SELECT ?label WHERE {{ <{ESA}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
                        timeout=5)
    assert {row["label"] for row in rows} == {
        Literal("European Space Agency", lang="en"),
        Literal("欧洲航天局", lang="zh"),
    }


def test_select_leaves_out_unbound_variables(store):
    rows = store.select("SELECT ?a ?b WHERE { BIND(1 AS ?a) }", timeout=5)
    assert rows == [{"a": Literal(1)}]


def test_construct_and_describe_return_rdflib_graphs(store):
    graph = store.construct(f"CONSTRUCT WHERE {{ <{ESA}> a ?type }}", timeout=5)
    assert isinstance(graph, Graph)
    assert set(graph.objects(URIRef(ESA), None)) == {
        URIRef("https://w3id.org/spacecoop/ontology#Agency"),
        URIRef("https://w3id.org/spacecoop/ontology#Organization"),
    }
    described = store.describe(ESA, timeout=5)
    assert (URIRef(ESA), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("欧洲航天局", lang="zh")) in described


def test_select_refuses_other_forms(store):
    with pytest.raises(QuerySyntaxError):
        store.select("ASK {}", timeout=5)
    with pytest.raises(QuerySyntaxError):
        store.construct("SELECT * {}", timeout=5)


def test_a_query_past_its_time_limit_raises_and_the_store_recovers(store):
    restarts = store.engines.stats.restarts
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.execute(QueryRequest(RUNAWAY_QUERY), "application/sparql-results+json", timeout=0.5, max_rows=None)
    assert time.monotonic() - started < 1.5
    deadline = time.monotonic() + 10
    while store.engines.stats.restarts == restarts and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.engines.stats.restarts == restarts + 1
    for _ in range(4):  # every engine answers, the replacement included
        assert store.select("SELECT * WHERE { BIND(1 AS ?x) }", timeout=10) == [{"x": Literal(1)}]


def test_the_row_cap_raises(store):
    with pytest.raises(RowLimitExceeded) as raised:
        store.execute(QueryRequest("SELECT * { VALUES ?x { 1 2 3 } }"), "text/csv", timeout=5, max_rows=2)
    assert raised.value.limit == 2


def test_deny_network_leaves_local_sockets(tmp_path):
    script = (
        "import socket\n"
        "from spacecoop.store.sandbox import deny_network\n"
        "assert deny_network()\n"
        "a, b = socket.socketpair(); a.send(b'ok'); assert b.recv(2) == b'ok'\n"
        "for family in (socket.AF_INET, socket.AF_INET6):\n"
        "    try:\n"
        "        socket.socket(family)\n"
        "    except PermissionError:\n"
        "        continue\n"
        "    raise SystemExit('a network socket was opened')\n"
        "print('denied')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "denied", result.stderr


def test_two_stores_opening_one_release_at_once_load_it_once(release):
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(prepare(release))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(r) for r in results}) == 3 and len({r.release_id for r in results}) == 1
    leftovers = [p.name for p in release.root.iterdir() if p.name.startswith("store.")]
    assert leftovers == []


def test_a_copied_release_serves_from_its_own_store(release, tmp_path):
    prepare(release)
    copy = tmp_path / "copy"
    shutil.copytree(release.root, copy)
    assert prepare(Release(copy)).path == copy / "store"


ANSWER_CHECKS = [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o", "application/sparql-results+json"),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", "text/csv"),
    (f"CONSTRUCT WHERE {{ <{ESA}> ?p ?o }}", "application/n-triples"),
    (f"ASK {{ GRAPH <{GRAPH_A}> {{ <{ESA}> ?p ?o }} }}", "application/sparql-results+xml"),
]


def test_every_format_is_the_engines_answer_converted_whole(store):
    for query, media_type in ANSWER_CHECKS:
        result = store.execute(QueryRequest(query), media_type, timeout=10, max_rows=None)
        assert result.media_type == media_type and result.body
    csv = store.execute(QueryRequest(ANSWER_CHECKS[1][0]), "text/csv", timeout=10, max_rows=None)
    assert csv.body.startswith(b"g,n\r\n") and csv.rows == 6
    ask = store.execute(QueryRequest(ANSWER_CHECKS[3][0]), "application/sparql-results+xml", timeout=10, max_rows=None)
    assert b"<boolean>true</boolean>" in ask.body
