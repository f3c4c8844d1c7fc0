"""`spacecoop serve --backend URL` and `spacecoop load --into URL` against a real Virtuoso.

- `load --into` fills an empty Virtuoso through SPARQL Update (its digest-
  authenticated endpoint, then /sparql with updates granted); a front end then
  accepts it, and before that refuses to serve a store without the release.
- Queries are checked before they leave: updates, LOAD and SERVICE never reach
  the backend (a listener counts what does).
- The time limit holds whatever the backend does: a query it has not answered
  in time is abandoned and the client gets 503 at the limit.
- The competency questions through the remote store answer as the embedded store.
- The endpoint and Linked Data test suites (tests/web/test_server_*.py,
  tests/web/test_linkeddata_*.py) pass with every `spacecoop serve` they start
  served from its own Virtuoso, except the tests listed in BACKEND_SPECIFIC.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time

import httpx
import interop_tools as tools
import pytest
from known_differences import EMBEDDED_UNION_IS_A_BAG, VIRTUOSO_7_2

pytestmark = pytest.mark.interop

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(8)) + " }"


@pytest.fixture(scope="module")
def empty_virtuoso(tmp_path_factory):
    tools.need(tools.have_virtuoso(), "Virtuoso (Debian virtuoso-opensource)")
    server = tools.Virtuoso(tmp_path_factory.mktemp("virtuoso-empty")).start()
    yield server
    server.stop()


def test_load_into_fills_a_store_the_front_end_then_serves(release, empty_virtuoso, virtuoso, tmp_path):
    # Before: the front end refuses a backend that does not hold the release.
    refused = subprocess.run(
        [sys.executable, "-m", "spacecoop.cli", "serve", "--dist", str(release.root), "--build", "never",
         "--port", str(tools.free_port()), "--backend", empty_virtuoso.endpoint],
        capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "does not hold release" in refused.stderr, refused.stderr[-2000:]

    # Through Virtuoso's authenticated endpoint (HTTP digest), as its dba.
    started = time.monotonic()
    loaded = subprocess.run(
        [sys.executable, "-m", "spacecoop.cli", "load", "--into", empty_virtuoso.endpoint + "-auth",
         "--user", "dba", "--auth", "digest", "--query-endpoint", empty_virtuoso.endpoint,
         "--dist", str(release.root), "--build", "never"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "SPACECOOP_BACKEND_PASSWORD": "dba"})
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    print(f"spacecoop load --into: {time.monotonic() - started:.1f} s")
    # The same graphs, triple for triple, as Virtuoso's own bulk loader put in the other store.
    assert empty_virtuoso.graph_counts() == virtuoso.graph_counts()

    served = tools.start_spacecoop(release.root, tmp_path / "serve.log", "--backend", empty_virtuoso.endpoint)
    try:
        health = httpx.get(served.url + "/health").json()
        assert health["release"] == release.manifest["release"]
        assert health["triples"] == sum(tools.graph_sizes(release.load_plan()).values())
    finally:
        served.stop()

    # Loading again, through /sparql once updates are granted there, replaces each graph.
    empty_virtuoso.grant_sparql_update()
    again = subprocess.run(
        [sys.executable, "-m", "spacecoop.cli", "load", "--into", empty_virtuoso.endpoint,
         "--dist", str(release.root), "--build", "never"],
        capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert empty_virtuoso.graph_counts() == virtuoso.graph_counts()


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_POST(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("refused", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "LOAD <http://example.org/data.ttl>",
    "DROP ALL",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "PREFIX x: <urn:x:>\nSELECT * WHERE { ?s ?p ?o . { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } } }",
], ids=["insert", "load", "drop", "service", "nested-service"])
def test_refused_queries_never_reach_the_backend(refused):
    from spacecoop.store.protocol import QueryRefused, QueryRequest
    from spacecoop.store.remote import RemoteStore

    _Counting.hits = []
    listener = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    store = RemoteStore(f"http://127.0.0.1:{listener.server_port}/sparql", "test", {})
    try:
        with pytest.raises(QueryRefused):
            store.execute(QueryRequest(refused), "application/sparql-results+json", timeout=5, max_rows=10)
    finally:
        store.close()
        listener.shutdown()
        listener.server_close()
    assert _Counting.hits == []


def test_remote_store_abandons_a_query_at_the_time_limit(release, virtuoso):
    from spacecoop.store.protocol import QueryRequest, QueryTimeout
    from spacecoop.store.remote import RemoteStore

    store = RemoteStore.open(release.root, virtuoso.endpoint)
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.execute(QueryRequest(RUNAWAY), "application/sparql-results+json", timeout=1.5, max_rows=10)
        elapsed = time.monotonic() - started
        assert 1.5 <= elapsed < 2.5, elapsed
        # The backend still answers other queries.
        result = store.execute(QueryRequest("ASK { ?s ?p ?o }"), "application/sparql-results+json",
                               timeout=5, max_rows=10)
        assert b"true" in result.body
    finally:
        store.close()


def test_front_end_over_virtuoso_answers_503_at_the_time_limit(virtuoso_server):
    started = time.monotonic()
    response = httpx.get(virtuoso_server.endpoint, params={"query": RUNAWAY}, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert "time limit" in response.json()["detail"]
    assert tools.SERVE_TIME_LIMIT <= elapsed < tools.SERVE_TIME_LIMIT + 1.5


def test_competency_questions_through_the_remote_store(release, virtuoso, reference, query):
    from spacecoop.store.protocol import QueryRequest
    from spacecoop.store.remote import RemoteStore

    store = RemoteStore.open(release.root, virtuoso.endpoint)
    try:
        graph = tools.query_kind(query.text) == "graph"
        media = "application/n-triples" if graph else "application/sparql-results+json"
        body = store.execute(QueryRequest(query.text), media, timeout=30, max_rows=None).body
    finally:
        store.close()
    got = (tools.answer_from_graph(body, "N_TRIPLES") if graph
           else tools.answer_from_sparql_json(body, tools.order_variables(query.text)))
    expected = reference.answer(query.text)
    if query.name in EMBEDDED_UNION_IS_A_BAG:
        expected = tools.OxigraphReference(release.load_plan()).answer(query.text)
    if query.name in VIRTUOSO_7_2:
        assert expected.rows and not got.rows, f"{query.name} is listed as a Virtuoso bug: {got!r}"
        return
    assert got == expected, f"{query.name}: remote {got!r} != embedded {expected!r}"


# Tests of the suites below that check what only one backend has, with the reason. A test
# marked `embedded_store` (the embedded store's engine processes, its files) is left out too.
BACKEND_SPECIFIC = {
    "tests/web/test_server_sparql_protocol.py::test_health_names_the_release":
        "asserts the embedded store's sandboxed query engines in /health",
    "tests/web/test_server_release.py::test_serve_builds_a_missing_release_then_rebuilds_it_when_an_input_changes":
        "asserts the embedded store's on-disk database under dist/store/",
    **{f"tests/web/test_server_release.py::test_the_server_answers_each_competency_question[{name}]": reason
       for name, reason in VIRTUOSO_7_2.items()},
    **{f"tests/web/test_linkeddata_examples.py::test_competency_question_answers_through_sparql[{name}]": reason
       for name, reason in VIRTUOSO_7_2.items()},
}
# Suites of the front end; test_server_limits.py is run for its time-limit test only (the
# others measure the embedded store's worker processes: killing, memory, replacement).
SUITES = [
    "tests/web/test_server_sparql_protocol.py",
    "tests/web/test_server_refusals.py",
    "tests/web/test_server_describe.py",
    "tests/web/test_server_release.py",
    "tests/web/test_server_limits.py::test_a_runaway_query_is_stopped_at_the_time_limit_with_503",
    "tests/web/test_linkeddata_resources.py",
    "tests/web/test_linkeddata_release.py",
    "tests/web/test_linkeddata_examples.py",
]


def test_endpoint_and_linked_data_suites_pass_over_virtuoso(tmp_path):
    """Every `spacecoop serve` those suites start serves from its own bulk-loaded Virtuoso."""
    tools.need(tools.have_virtuoso(), "Virtuoso (Debian virtuoso-opensource)")
    suites = [s for s in SUITES if (tools.REPO_ROOT / s.split("::")[0]).is_file()]
    env = {
        **os.environ,
        "SPACECOOP_BACKEND_LAUNCHER": "interop_tools:virtuoso_backend",
        "PYTHONPATH": os.pathsep.join([str(tools.REPO_ROOT / "tests" / "interop"), os.environ.get("PYTHONPATH", "")]),
    }
    deselect = [arg for node in BACKEND_SPECIFIC for arg in ("--deselect", node)]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
         f"--basetemp={tmp_path / 'suite'}", "-m", "not embedded_store", *deselect, *suites],
        cwd=tools.REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    print(f"suites over Virtuoso: {summary}")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary, summary
