"""The query engines' supervision: what Oxigraph's server cannot be trusted with, made to happen.

Each test runs real `oxigraph serve-read-only` processes on the fixture release:
a query its own `--timeout-s` does not stop (ORDER BY over a cartesian product),
one it stops mid-answer with a 200 cut short (COUNT over a cartesian product),
one that outgrows the memory limit, one that crashes its engine, a client that
goes away, a SERVICE that slipped past the check, and the other clients' reads
on an engine that is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.server import MEMORY_HOG_QUERY, RUNAWAY_QUERY, write_fixture_release

from spacecoop.paths import Release
from spacecoop.rdf.database import prepare
from spacecoop.store.engine import Engines
from spacecoop.store.engine_loop import EngineLoop
from spacecoop.store.engine_store import EngineStore
from spacecoop.store.protocol import BackendUnavailable, QueryMemoryExceeded, QueryRequest, QueryTimeout

JSON = "application/sparql-results+json"
SPARQL_QUERY = "application/sparql-query"
# Every triple of the fixture five times over: about 28 million rows, seconds of work.
CARTESIAN = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o"
CANCELLED_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}"
RUNAWAY_ORDER_BY = f"SELECT * WHERE {{ {CARTESIAN} }} ORDER BY ?a ?o"
MEDIUM = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20 if i < 5 else 3))} }}" for i in range(6)
) + " }"  # 9.6 million rows: about a second
TOO_DEEP = "SELECT * WHERE " + "{" * 3000 + "}" * 3000  # past the engine's stack: it aborts


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare(Release(write_fixture_release(tmp_path_factory.mktemp("engines") / "dist"))).path


class Running:
    """Engines on their loop, for one test."""

    def __init__(self, store_dir: Path, size: int, *, timeout_s: float | None = None, memory_limit: int | None = None):
        self.loop = EngineLoop()
        self.engines = Engines(store_dir, size, timeout_s=timeout_s, memory_limit=memory_limit)
        self.loop.run(self.engines.start())

    def ask(self, query: str, timeout: float = 30) -> tuple[int, str, bytes]:
        return self.loop.run(self.engines.request("", query.encode(), SPARQL_QUERY, JSON, timeout=timeout))

    def wait_for_restarts(self, count: int) -> None:
        deadline = time.monotonic() + 20
        while self.engines.stats.restarts < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.engines.stats.restarts >= count

    def close(self) -> None:
        self.loop.close(self.engines.close)


@pytest.fixture
def running(store_dir: Path):
    made: list[Running] = []

    def make(size: int, **options: object) -> Running:
        made.append(Running(store_dir, size, **options))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for engines in made:
        engines.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
def test_an_order_by_the_engine_does_not_stop_is_stopped_at_the_deadline_and_its_engine_replaced(running):
    engines = running(2, timeout_s=1)
    before = set(engines.engines.pids())
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        engines.ask(RUNAWAY_ORDER_BY, timeout=3)
    assert time.monotonic() - started < 4
    engines.wait_for_restarts(1)
    after = set(engines.engines.pids())
    assert len(before - after) == 1 and len(after) == 2
    deadline = time.monotonic() + 10  # SIGKILLed: gone once the kernel has taken back its memory
    while any(alive(pid) for pid in before - after) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in before - after), "the runaway's engine is gone, not left running"
    assert engines.ask("ASK {}")[0] == 200


@pytest.mark.slow
def test_a_count_the_engine_cancels_mid_answer_is_a_503_never_a_partial_200(store_dir: Path):
    loop = EngineLoop()
    engines = Engines(store_dir, 1, timeout_s=1, memory_limit=None)  # the engine's own limit comes first
    loop.run(engines.start())
    store = EngineStore(prepare(Release(store_dir.parent)), engines, loop)
    try:
        status, _, body = loop.run(engines.request("", CANCELLED_COUNT.encode(), SPARQL_QUERY, JSON, timeout=60))
        assert status == 200 and b"cancelled" in body  # what Oxigraph does: a 200 cut short
        with pytest.raises(QueryTimeout, match="mid-answer"):
            store.execute(QueryRequest(CANCELLED_COUNT), JSON, timeout=60, max_rows=None)
    finally:
        store.close()


@pytest.mark.slow
def test_the_other_reads_on_a_killed_engine_are_answered_by_another(running):
    engines = running(1)  # one engine: the others' reads are on the runaway's engine when it is killed
    results: list[object] = []

    async def together() -> None:
        runaway = asyncio.create_task(
            engines.engines.request("", RUNAWAY_QUERY.encode(), SPARQL_QUERY, JSON, timeout=1.0))
        await asyncio.sleep(0.3)
        others = [asyncio.create_task(engines.engines.request("", MEDIUM.encode(), SPARQL_QUERY, JSON, timeout=60))
                  for _ in range(2)]
        results.extend(await asyncio.gather(runaway, *others, return_exceptions=True))

    engines.loop.run(together())
    assert isinstance(results[0], QueryTimeout)
    for other in results[1:]:
        assert not isinstance(other, BaseException), other
        assert other[0] == 200 and b"9600000" in other[2]  # type: ignore[index]
    assert engines.engines.stats.retried >= 2


@pytest.mark.slow
def test_a_query_past_the_memory_limit_is_stopped_alone_and_the_others_are_answered(running):
    engines = running(2, memory_limit=128 * 2**20)
    outcomes: list[object] = []

    async def together() -> None:
        hog = asyncio.create_task(engines.engines.request("", MEMORY_HOG_QUERY.encode(), SPARQL_QUERY, JSON,
                                                          timeout=30))
        light = []
        for _ in range(20):
            light.append(await engines.engines.request("", b"ASK {}", SPARQL_QUERY, JSON, timeout=30))
            await asyncio.sleep(0.05)
        outcomes.append(await asyncio.gather(hog, return_exceptions=True))
        outcomes.append(light)

    started = time.monotonic()
    engines.loop.run(together())
    [hog], light = outcomes  # type: ignore[misc]
    assert isinstance(hog, QueryMemoryExceeded) and "128 MB" in str(hog)
    assert time.monotonic() - started < 20
    assert all(answer[0] == 200 for answer in light)  # type: ignore[index]
    assert engines.engines.stats.memory >= 1


def test_a_query_that_crashes_its_engine_is_not_sent_to_every_engine(running):
    engines = running(2)
    with pytest.raises(BackendUnavailable):
        engines.ask(TOO_DEEP)
    assert engines.engines.stats.crashes <= 2
    engines.wait_for_restarts(1)
    assert engines.ask("ASK {}")[0] == 200


def test_a_client_that_goes_away_stops_its_query(running):
    engines = running(2)
    before = set(engines.engines.pids())

    async def abandon() -> None:
        task = asyncio.create_task(engines.engines.request("", RUNAWAY_QUERY.encode(), SPARQL_QUERY, JSON,
                                                           timeout=60))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    engines.loop.run(abandon())
    assert engines.engines.stats.abandoned == 1
    engines.wait_for_restarts(1)
    assert len(before - set(engines.engines.pids())) == 1


@pytest.mark.slow
def test_a_client_that_goes_away_from_a_query_about_to_end_costs_no_engine(running):
    engines = running(2)
    before = set(engines.engines.pids())
    short = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(4)) + " }"  # 160 000 rows

    async def abandon() -> None:
        task = asyncio.create_task(engines.engines.request("", short.encode(), SPARQL_QUERY, JSON, timeout=60))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(1.0)  # past the grace

    engines.loop.run(abandon())
    assert engines.engines.stats.abandoned == 1
    assert engines.engines.stats.restarts == 0 and set(engines.engines.pids()) == before


@pytest.mark.slow
def test_an_engine_cannot_reach_the_network_even_when_a_query_bypasses_the_check(running):
    engines = running(1)
    assert engines.engines.sandboxed
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(1.0)
    accepted: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{server.getsockname()[1]}/sparql> {{ ?s ?p ?o }} }}"
    status, _, body = engines.ask(query)
    thread.join()
    server.close()
    assert accepted == []
    assert b"Permission denied" in body  # and the front end never passes such a body on (it does not parse)


def test_deny_outbound_lets_a_server_answer_but_never_connect():
    script = (
        "import socket, sys\n"
        "from spacecoop.store.sandbox import deny_outbound\n"
        "listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen(1)\n"
        "assert deny_outbound()\n"
        "print(listener.getsockname()[1], flush=True)\n"
        "connection, _ = listener.accept(); connection.sendall(b'served'); connection.close()\n"
        "for family, address in ((socket.AF_INET, ('127.0.0.1', 9)), (socket.AF_INET6, ('::1', 9))):\n"
        "    try:\n"
        "        socket.socket(family).connect(address)\n"
        "    except PermissionError:\n"
        "        continue\n"
        "    except OSError as error:\n"
        "        sys.exit(f'connect was attempted: {error}')\n"
        "udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n"
        "    udp.sendto(b'x', ('127.0.0.1', 9)); sys.exit('a datagram was sent')\n"
        "except PermissionError:\n"
        "    print('denied')\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    port = int(child.stdout.readline())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        assert client.recv(16) == b"served"
    assert child.stdout.read().strip() == "denied"
    assert child.wait(timeout=30) == 0


def test_engines_die_with_the_server_even_when_it_is_killed(store_dir: Path):
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from spacecoop.store.engine import Engines\n"
        "from spacecoop.store.engine_loop import EngineLoop\n"
        "loop = EngineLoop(); engines = Engines(Path(sys.argv[1]), 2, memory_limit=None)\n"
        "loop.run(engines.start()); print(*engines.pids(), flush=True); time.sleep(60)\n"
    )
    server = subprocess.Popen([sys.executable, "-c", script, str(store_dir)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    pids = [int(p) for p in server.stdout.readline().split()]
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    server.send_signal(signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)


def test_the_stores_check_uses_the_servers_nesting_limit(store_dir: Path):
    from spacecoop.store.policy import QueryTooComplex

    deep = "SELECT * WHERE " + "{" * 120 + "}" * 120  # deeper than the default limit, far from a crash
    strict = EngineStore.open(store_dir.parent, workers=1)
    lenient = EngineStore.open(store_dir.parent, workers=1, max_nesting=300)
    try:
        with pytest.raises(QueryTooComplex, match="at most 100 levels"):
            strict.execute(QueryRequest(deep), JSON, timeout=10, max_rows=None)
        assert lenient.execute(QueryRequest(deep), JSON, timeout=10, max_rows=None).rows == 1
    finally:
        strict.close()
        lenient.close()


def _policies(pid: int) -> list[int]:
    """The scheduling policy of every thread of `pid` (a policy is a thread's on Linux)."""
    policies = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            policies.append(os.sched_getscheduler(int(task.name)))
    return policies


@pytest.mark.slow
def test_a_long_query_lowers_its_engines_priority_and_a_fresh_engine_follows_it(running, monkeypatch):
    import spacecoop.store.engine as engine_module

    monkeypatch.setattr(engine_module, "LONG_QUERY", 0.2)
    engines = running(2)
    before = set(engines.engines.pids())
    seen: dict[int, list[int]] = {}

    def watch() -> None:  # every thread's policy, while the query runs
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not seen:
            for pid in before:
                if alive(pid) and os.SCHED_IDLE in _policies(pid):
                    seen[pid] = _policies(pid)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    status, _, body = engines.ask(MEDIUM)  # about a second: past LONG_QUERY, then it ends
    watcher.join()
    assert status == 200 and b'"n"' in body  # the query itself is answered in full
    assert len(seen) == 1  # one engine, the one running it: each of its threads (the query's too)
    assert set(next(iter(seen.values()))) == {os.SCHED_IDLE}
    assert engines.engines.stats.lowered == 1
    engines.wait_for_restarts(1)  # replaced once idle
    after = set(engines.engines.pids())
    assert len(after - before) == 1 and len(after) == 2
    assert all(set(_policies(pid)) == {os.SCHED_OTHER} for pid in after)
    assert engines.ask("ASK {}")[0] == 200
