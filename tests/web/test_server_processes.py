"""`spacecoop serve --processes N`: several server processes on one port, supervised, none left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from support.server import start_server

from spacecoop.web import processes

QUERY = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: set[int], seconds: float = 15) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return {p for p in pids if _alive(p)}


def _serving_pids(url: str, tries: int = 60) -> set[int]:
    """The processes that answer /health, each request on a new connection."""
    seen = set()
    for _ in range(tries):
        seen.add(httpx.get(url + "/health", timeout=10).json()["process"])
    return seen


@pytest.fixture
def two(server_release: Path, tmp_path: Path):
    server = start_server(server_release, tmp_path / "server.log", "--build", "never", "--processes", "2",
                          "--workers", "1")
    yield server
    server.stop()


@pytest.mark.slow
def test_two_processes_share_the_port_and_both_answer(two):
    pids = _serving_pids(two.url)
    assert len(pids) == 2 and two.process.pid not in pids
    for _ in range(10):
        answer = httpx.get(two.url + "/sparql", params=QUERY, headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200


@pytest.mark.slow
def test_a_process_that_dies_is_replaced_and_its_engines_die_with_it(two):
    victim = min(_serving_pids(two.url))
    engines = _descendants(victim)
    assert engines, "each process runs its own engines"
    os.kill(victim, signal.SIGKILL)
    assert _wait_gone(engines | {victim}) == set()
    deadline = time.monotonic() + 60
    pids: set[int] = set()
    while time.monotonic() < deadline and len(pids) < 2:
        with contextlib.suppress(httpx.TransportError):
            pids = _serving_pids(two.url, tries=20)
    assert len(pids) == 2 and victim not in pids
    assert "ended with signal 9: starting another" in two.log.read_text()


def test_sigterm_stops_every_process_and_engine(two):
    everything = _descendants(two.process.pid)
    assert len(everything) >= 4  # two processes, an engine each
    assert two.stop() == 0
    assert _wait_gone(everything) == set()


def test_a_killed_parent_takes_its_processes_and_their_engines_along(two):
    everything = _descendants(two.process.pid)
    two.process.kill()
    two.process.wait()
    assert _wait_gone(everything) == set()


def test_processes_that_keep_failing_at_start_stop_the_server(monkeypatch):
    monkeypatch.setattr(processes, "EARLY_EXIT", 30.0)
    supervisor = processes.Supervisor(2, lambda: 3)
    started = time.monotonic()
    assert supervisor.run() == 1
    assert time.monotonic() - started < 20


def test_the_default_is_one_process_per_core_at_most_four():
    assert 1 <= processes.default_count() <= min(processes.MAX_AUTO, os.cpu_count() or 1)
