"""The embedded store: loading the release, reusing it, and the Store interface the pages use."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from test_server_support import (
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

from spacecoop.layout import Release
from spacecoop.oxigraph_store import BYTES_PER_QUAD, MARKER, OxigraphStore, ReleaseError, memory_estimate, prepare
from spacecoop.query_pool import WorkerError
from spacecoop.query_worker import EXECUTE, Job
from spacecoop.store import QueryRequest, QuerySyntaxError, QueryTimeout, RowLimitExceeded

ESA = f"{ID}agency/esa"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    dist = write_fixture_release(tmp_path_factory.mktemp("store") / "dist")
    store = OxigraphStore.open(dist, workers=2)
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
        ONTOLOGY_GRAPH: 6,
        EXAMPLES_GRAPH: 3,
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
    rows = store.select(f"SELECT ?label WHERE {{ <{ESA}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}", timeout=5)
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
    assert (URIRef(ESA), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("欧洲航天局", lang="zh")) in described


def test_select_refuses_other_forms(store):
    with pytest.raises(QuerySyntaxError):
        store.select("ASK {}", timeout=5)
    with pytest.raises(QuerySyntaxError):
        store.construct("SELECT * {}", timeout=5)


def test_a_query_past_its_time_limit_raises_and_the_pool_recovers(store):
    restarts = store.pool.stats.restarts
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.execute(QueryRequest(RUNAWAY_QUERY), "application/sparql-results+json", timeout=0.5, max_rows=None)
    assert time.monotonic() - started < 1.5
    assert store.pool.stats.restarts == restarts + 1
    for _ in range(4):  # every worker answers, the replacement included
        assert store.select("SELECT * WHERE { BIND(1 AS ?x) }", timeout=10) == [{"x": Literal(1)}]


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_a_long_query_runs_at_the_lowest_priority_until_it_is_stopped(store):
    thread = threading.Thread(
        target=lambda: pytest.raises(QueryTimeout, store.execute, QueryRequest(RUNAWAY_QUERY),
                                     "text/csv", timeout=2.0, max_rows=None)
    )
    thread.start()
    time.sleep(1.0)
    assert sorted(niceness(pid) for pid in store.pool.worker_pids()) == [0, 19]
    thread.join()
    time.sleep(0.5)
    assert [niceness(pid) for pid in store.pool.worker_pids()] == [0, 0]


def test_a_long_query_that_ends_leaves_its_worker_at_normal_priority(store):
    slow = store.pool.stats.slow
    medium = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20 if i < 5 else 4))} }}" for i in range(6)
    ) + " }"
    result = store.execute(QueryRequest(medium), "text/csv", timeout=30, max_rows=None)
    assert result.body.split() == [b"n", b"12800000"]
    assert store.pool.stats.slow == slow + 1
    time.sleep(0.5)
    assert [niceness(pid) for pid in store.pool.worker_pids()] == [0, 0]


def test_the_row_cap_raises(store):
    with pytest.raises(RowLimitExceeded) as raised:
        store.execute(QueryRequest("SELECT * { VALUES ?x { 1 2 3 } }"), "text/csv", timeout=5, max_rows=2)
    assert raised.value.limit == 2


def test_a_worker_cannot_reach_the_network_even_when_a_query_bypasses_the_check(store):
    """The second guard: a SERVICE query handed straight to a worker finds no network."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.5)
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{server.getsockname()[1]}/sparql> {{ ?s ?p ?o }} }}"
    accepted: list[object] = []

    def accept() -> None:
        try:
            accepted.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    assert store.sandboxed
    with pytest.raises(WorkerError, match="Permission denied"):
        store.pool.run(Job(EXECUTE, query, media_type="application/sparql-results+json"), timeout=5)
    thread.join()
    server.close()
    assert accepted == []


def test_deny_network_leaves_local_sockets(tmp_path):
    script = (
        "import socket\n"
        "from spacecoop.sandbox import deny_network\n"
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


def _answers(store: OxigraphStore) -> list[bytes]:
    """Each answer's bytes; a graph's lines sorted (a store gives its triples in its own order)."""
    answers = []
    for query, media_type in ANSWER_CHECKS:
        body = store.execute(QueryRequest(query), media_type, timeout=10, max_rows=None).body
        answers.append(b"".join(sorted(body.splitlines(keepends=True))) if media_type.endswith("triples") else body)
    return answers


def test_a_small_release_is_copied_into_each_workers_memory_and_answers_the_same(release):
    budget = memory_estimate(prepare(release).counts)
    on_disk = OxigraphStore.open(release.root, workers=1, memory_store=0)
    in_memory = OxigraphStore.open(release.root, workers=1, memory_store=budget)
    try:
        assert not on_disk.pool.in_memory
        assert in_memory.pool.in_memory
        answers = _answers(on_disk)
        assert b"agency/esa" in answers[0] and b"true" in answers[3]
        assert _answers(in_memory) == answers
    finally:
        on_disk.close()
        in_memory.close()


def test_a_release_larger_than_the_memory_budget_is_read_from_disk(release):
    budget = memory_estimate(prepare(release).counts) - 1
    store = OxigraphStore.open(release.root, workers=1, memory_store=budget)
    try:
        assert not store.pool.in_memory
    finally:
        store.close()


def test_the_memory_estimate_counts_the_named_graphs_and_their_merge():
    assert memory_estimate({"a": 10, "b": 15}) == 2 * 25 * BYTES_PER_QUAD
