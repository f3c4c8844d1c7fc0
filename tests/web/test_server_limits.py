"""The limits: a query is stopped at the time limit, a result over the row cap is refused.

The session's server runs with a 2 s time limit, a 100-row cap and three
query workers (test_server_support).
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import httpx
import pytest
from support.server import (
    MAX_ROWS,
    MEMORY_HOG_QUERY,
    QUERY_MEMORY,
    RUNAWAY_QUERY,
    TIME_LIMIT,
    WORKERS,
    cpu_seconds,
    session_server_args,
    start_server,
)

LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/spacecoop/id/agency/esa> ?p ?o }"


def values(n: int) -> str:
    return " ".join(str(i) for i in range(n))


def run_in_background(server_process, query: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        started = time.monotonic()
        with server_process.client() as client:
            outcome["response"] = client.get("/sparql", params={"query": query})
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.slow
def test_a_runaway_query_is_stopped_at_the_time_limit_with_503(server_client):
    started = time.monotonic()
    response = server_client.get("/sparql", params={"query": RUNAWAY_QUERY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    problem = response.json()
    assert problem["title"] == "Query time limit reached"
    assert f"time limit of {TIME_LIMIT:g} s" in problem["detail"] and "no partial result" in problem["detail"]
    assert TIME_LIMIT <= elapsed < TIME_LIMIT + 1.5


def workers(server_process) -> set[int]:
    """The server's query workers, once it has all of them (a replacement may be starting)."""
    for _ in range(100):
        pids = set(server_process.children())
        if len(pids) == WORKERS:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"the server has {len(pids)} workers, not {WORKERS}")


@pytest.mark.slow
def test_the_stopped_query_no_longer_runs(server_process, server_client):
    workers_before = workers(server_process)
    response = server_client.get("/sparql", params={"query": RUNAWAY_QUERY})
    assert response.status_code == 503
    time.sleep(0.2)
    workers_after = workers(server_process)
    stopped = workers_before - workers_after
    assert len(stopped) == 1, "the worker that ran the query was killed and replaced"
    assert len(workers_after) == len(workers_before)
    busy = {pid: cpu_seconds(pid) for pid in workers_after}
    time.sleep(1.0)
    assert all(cpu_seconds(pid) - used < 0.2 for pid, used in busy.items()), "no worker is still computing"


@pytest.mark.slow
def test_other_clients_get_fast_answers_while_a_query_runs_into_the_limit(server_process, server_client):
    thread, outcome = run_in_background(server_process, RUNAWAY_QUERY)
    time.sleep(0.3)
    durations = []
    for _ in range(20):
        started = time.monotonic()
        response = server_client.get("/sparql", params={"query": LOOKUP})
        durations.append(time.monotonic() - started)
        assert response.status_code == 200
    assert "response" not in outcome, "the runaway query was still running during the lookups"
    thread.join()
    assert outcome["response"].status_code == 503
    assert max(durations) < 0.5


def test_a_query_that_grows_past_the_memory_limit_is_stopped_with_503(server_process, server_client):
    workers_before = workers(server_process)
    started = time.monotonic()
    response = server_client.get("/sparql", params={"query": MEMORY_HOG_QUERY})
    assert response.status_code == 503
    assert time.monotonic() - started < TIME_LIMIT, "stopped for its memory, before the time limit"
    problem = response.json()
    assert problem["title"] == "Query memory limit reached"
    assert f"more than {QUERY_MEMORY} MB" in problem["detail"]
    time.sleep(0.2)
    assert len(workers_before - workers(server_process)) == 1


def test_a_query_whose_client_goes_away_is_stopped(server_process):
    workers_before = workers(server_process)
    with socket.create_connection(("127.0.0.1", int(server_process.url.rsplit(":", 1)[1]))) as connection:
        target = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY_QUERY})
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        time.sleep(0.3)
    started = time.monotonic()
    while workers_before <= set(server_process.children()):
        assert time.monotonic() - started < TIME_LIMIT / 2, "the query was stopped well before its time limit"
        time.sleep(0.05)
    with server_process.client() as client:
        assert client.get("/health").json()["query_engines"]["abandoned"] >= 1


def test_a_result_over_the_row_cap_is_refused_not_truncated(server_client):
    query = f"SELECT ?n WHERE {{ VALUES ?n {{ {values(MAX_ROWS + 1)} }} }}"
    response = server_client.get("/sparql", params={"query": query})
    assert response.status_code == 422
    assert response.headers["spacecoop-row-limit"] == str(MAX_ROWS)
    problem = response.json()
    assert f"more than {MAX_ROWS} rows" in problem["detail"] and "LIMIT" in problem["detail"]


def test_a_result_at_the_row_cap_is_answered_whole(server_client):
    query = f"SELECT ?n WHERE {{ VALUES ?n {{ {values(MAX_ROWS)} }} }}"
    response = server_client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS
    assert response.headers["spacecoop-result-rows"] == str(MAX_ROWS)
    assert response.headers["spacecoop-row-limit"] == str(MAX_ROWS)


def test_the_row_cap_counts_triples_of_a_construct(server_client):
    query = (
        "CONSTRUCT { ?s <http://example.org/p> ?n } WHERE { "
        f"VALUES ?n {{ {values(MAX_ROWS + 1)} }} BIND(IRI(CONCAT('http://example.org/', STR(?n))) AS ?s) }}"
    )
    response = server_client.get("/sparql", params={"query": query})
    assert response.status_code == 422


@pytest.mark.slow
def test_sigterm_lets_the_running_query_finish_then_stops_every_process(server_release, tmp_path):
    server = start_server(server_release, tmp_path / "server.log", *session_server_args())
    workers = server.children()
    assert len(workers) == 3
    thread, outcome = run_in_background(server, RUNAWAY_QUERY)
    time.sleep(0.5)
    assert server.stop() == 0
    thread.join()
    assert outcome["response"].status_code == 503, "the query in flight was answered, not cut off"
    time.sleep(0.2)
    assert all(not pid_alive(pid) for pid in workers)
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/health", timeout=1)


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
