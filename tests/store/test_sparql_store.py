"""The one store over an external endpoint: what a backend may answer, and what the client gets.

A scripted HTTP server in this process plays the backend (no Virtuoso needed):
each case makes it answer as a store may (a partial answer flagged in headers, a
body cut short, its own timeout in its own words, a syntax error, too many rows,
terms written its own way, no answer in time) and checks the store's verdict,
which is the embedded store's for the same situation.
"""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from spacecoop.store.engine_store import EngineStore
from spacecoop.store.protocol import BackendUnavailable, QueryRequest, QuerySyntaxError, QueryTimeout, RowLimitExceeded
from spacecoop.store.remote import BackendError, RemoteStore
from spacecoop.store.sparql_store import SparqlStore

JSON = "application/sparql-results+json"
SELECT = "SELECT ?s WHERE { ?s ?p ?o }"


def results(rows: list[dict]) -> bytes:
    return json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": rows}}).encode()


class Scripted(http.server.BaseHTTPRequestHandler):
    answer: tuple[int, dict, bytes, float] = (200, {}, b"", 0.0)
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        Scripted.seen.append({"body": self.rfile.read(length).decode(), "accept": self.headers.get("Accept")})
        status, headers, body, delay = Scripted.answer
        time.sleep(delay)
        try:
            self.send_response(status)
            for name, value in {"Content-Type": JSON, **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the store gave up waiting (the timeout case)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def backend():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Scripted.seen = []
    store = RemoteStore(f"http://127.0.0.1:{server.server_port}/sparql", "test", {"urn:g": 1})

    def answer(status: int = 200, body: bytes = b"", headers: dict | None = None, delay: float = 0.0) -> None:
        Scripted.answer = (status, headers or {}, body, delay)

    yield store, answer
    store.close()
    server.shutdown()
    server.server_close()


def run(store: RemoteStore, query: str = SELECT, media_type: str = JSON, timeout: float = 5, max_rows: int = 100):
    return store.execute(QueryRequest(query), media_type, timeout=timeout, max_rows=max_rows)


def test_both_stores_are_the_one_implementation():
    assert issubclass(EngineStore, SparqlStore) and issubclass(RemoteStore, SparqlStore)
    for method in ("execute", "execute_async", "_execute", "_triples", "select", "construct", "query_kind"):
        assert method not in vars(EngineStore) and method not in vars(RemoteStore), method


def test_a_partial_answer_flagged_by_the_backend_is_a_timeout_never_the_answer(backend):
    store, answer = backend
    answer(body=results([{"s": {"type": "uri", "value": "urn:a"}}]), headers={"X-SQL-State": "S1TAT"})
    with pytest.raises(QueryTimeout, match="partial answer"):
        run(store)


def test_an_answer_cut_short_is_a_backend_failure(backend):
    store, answer = backend
    answer(body=results([{"s": {"type": "uri", "value": "urn:a"}}])[:-10])
    with pytest.raises(BackendUnavailable) as raised:
        run(store)
    assert not isinstance(raised.value, QueryTimeout)


def test_an_answer_cut_short_by_the_backends_own_limit_is_a_timeout(backend):
    store, answer = backend
    answer(body=results([{"s": {"type": "uri", "value": "urn:a"}}])[:-10] + b"The operation has been cancelled")
    with pytest.raises(QueryTimeout):
        run(store)


@pytest.mark.parametrize("message", ["Virtuoso S1T00 Error SR171: Transaction timed out",
                                     "Virtuoso 42000 The estimated execution time 40 (sec) exceeds the limit of 5"])
def test_a_backends_own_timeout_in_its_own_words_is_a_timeout(backend, message):
    store, answer = backend
    answer(status=500, body=message.encode(), headers={"Content-Type": "text/plain"})
    with pytest.raises(QueryTimeout):
        run(store)


def test_a_query_the_backend_rejects_is_a_syntax_error(backend):
    store, answer = backend
    answer(status=400, body=b"syntax error at line 1", headers={"Content-Type": "text/plain"})
    with pytest.raises(QuerySyntaxError, match="syntax error at line 1"):
        run(store)


def test_more_rows_than_the_cap_are_refused_not_cut(backend):
    store, answer = backend
    answer(body=results([{"s": {"type": "uri", "value": f"urn:{n}"}} for n in range(11)]))
    with pytest.raises(RowLimitExceeded):
        run(store, max_rows=10)
    assert run(store, max_rows=11).rows == 11


def test_terms_written_the_backends_way_reach_the_client_as_the_embedded_store_writes_them(backend):
    store, answer = backend
    answer(body=results([
        {"s": {"type": "typed-literal", "value": "5", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
        {"s": {"type": "bnode", "value": "nodeID://b10005"}},
        {"s": {"type": "literal", "value": "长征", "xml:lang": "zh"}},
    ]))
    rows = json.loads(run(store).body)["results"]["bindings"]
    assert rows[0]["s"] == {"type": "literal", "value": "5", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert rows[1]["s"]["type"] == "bnode" and "/" not in rows[1]["s"]["value"]
    assert rows[2]["s"] == {"type": "literal", "value": "长征", "xml:lang": "zh"}
    tsv = run(store, media_type="text/tab-separated-values").body.decode()
    assert tsv.splitlines()[1] == '"5"^^<http://www.w3.org/2001/XMLSchema#integer>'


def test_the_release_dataset_is_named_unless_the_request_names_one(backend):
    store, answer = backend
    answer(body=results([]))
    run(store)
    run(store, query="SELECT ?s FROM <urn:x> WHERE { ?s ?p ?o }")
    assert ("default-graph-uri=urn%3Ag" in Scripted.seen[0]["body"]
            and "named-graph-uri=urn%3Ag" in Scripted.seen[0]["body"])
    assert "graph-uri" not in Scripted.seen[1]["body"]


@pytest.mark.slow
def test_a_backend_that_does_not_answer_in_time_is_abandoned_at_the_limit(backend):
    store, answer = backend
    answer(body=results([]), delay=3)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit of 1 s"):
        run(store, timeout=1)
    assert time.monotonic() - started < 2


def test_a_backend_that_cannot_be_reached_is_a_502():
    store = RemoteStore("http://127.0.0.1:9/sparql", "test", {})
    try:
        with pytest.raises(BackendError, match="cannot be reached"):
            run(store)
    finally:
        store.close()
