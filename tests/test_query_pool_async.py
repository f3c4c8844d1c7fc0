"""The pool as the server's event loop uses it: `run_async`, with its time limit,
its queue of callers waiting for a worker, and clients that go away."""

from __future__ import annotations

import asyncio
import time

import pytest
from test_server_support import RUNAWAY_QUERY, write_fixture_release

from spacecoop.namespaces import PREFIXES
from spacecoop.oxigraph_store import prepare
from spacecoop.layout import Release
from spacecoop.query_pool import QueryAbandoned, QueryPool
from spacecoop.query_worker import EXECUTE, Job
from spacecoop.store import QuerySyntaxError, QueryTimeout

JSON = "application/sparql-results+json"
QUICK = Job(EXECUTE, "SELECT * WHERE { BIND(1 AS ?x) }", media_type="text/csv")
RUNAWAY = Job(EXECUTE, RUNAWAY_QUERY, media_type="text/csv")


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    loaded = prepare(Release(write_fixture_release(tmp_path_factory.mktemp("pool") / "dist")))
    pool = QueryPool(loaded.path, 1, PREFIXES)
    yield pool
    pool.close()


def run(coroutine):
    return asyncio.run(coroutine)


def wait_for_workers(pool: QueryPool, count: int = 1) -> None:
    deadline = time.monotonic() + 30
    while len(pool.worker_pids()) < count or not pool._idle:
        assert time.monotonic() < deadline, "the replacement worker did not start"
        time.sleep(0.05)


def test_an_answer_comes_back_on_the_event_loop(pool):
    answer = run(pool.run_async(QUICK, 5))
    assert answer.body.split() == [b"x", b"1"]


def test_a_syntax_error_is_the_callers(pool):
    with pytest.raises(QuerySyntaxError):
        run(pool.run_async(Job(EXECUTE, "SELECT WHERE", media_type=JSON), 5))


def test_a_runaway_query_is_stopped_at_its_time_limit_and_its_worker_replaced(pool):
    restarts = pool.stats.restarts
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run(pool.run_async(RUNAWAY, 0.5))
    assert time.monotonic() - started < 3  # the limit, the kill and the reaping; not the query's 10 s
    assert pool.stats.restarts == restarts + 1
    wait_for_workers(pool)
    assert run(pool.run_async(QUICK, 10)).body.split() == [b"x", b"1"]


def test_a_caller_waits_in_line_for_the_busy_worker_within_its_own_limit(pool):
    async def both():
        slow = asyncio.ensure_future(pool.run_async(RUNAWAY, 1.0))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="busy"):
            await pool.run_async(QUICK, 0.3)
        waited = time.monotonic() - started
        with pytest.raises(QueryTimeout):
            await slow
        return waited

    waited = run(both())
    assert 0.25 < waited < 0.8
    wait_for_workers(pool)


def test_a_caller_whose_client_leaves_while_waiting_costs_no_worker(pool):
    restarts = pool.stats.restarts

    wait_for_workers(pool)
    pool._idle.pop()  # hold the only worker so the caller must wait ...
    worker = pool.worker_pids()
    try:
        async def held():
            loop = asyncio.get_running_loop()
            gone = loop.create_future()
            waiting = asyncio.ensure_future(pool.run_async(QUICK, 5, gone))
            await asyncio.sleep(0.05)
            gone.set_result(None)
            with pytest.raises(QueryAbandoned, match="before the query started"):
                await waiting

        run(held())
    finally:
        pool._release(next(w for w in pool._all))  # ... and give it back
    assert pool.stats.restarts == restarts
    assert pool.worker_pids() == worker


def test_a_quick_query_whose_client_leaves_is_left_to_end(pool):
    wait_for_workers(pool)
    restarts = pool.stats.restarts

    async def scenario():
        gone = asyncio.get_running_loop().create_future()
        gone.set_result(None)  # the client is already gone
        return await pool.run_async(QUICK, 5, gone)

    assert run(scenario()).body.split() == [b"x", b"1"]
    assert pool.stats.restarts == restarts


def test_a_long_query_whose_client_leaves_is_stopped(pool):
    wait_for_workers(pool)
    restarts = pool.stats.restarts

    async def scenario():
        loop = asyncio.get_running_loop()
        gone = loop.create_future()
        loop.call_later(0.5, gone.set_result, None)
        started = time.monotonic()
        with pytest.raises(QueryAbandoned):
            await pool.run_async(RUNAWAY, 10, gone)
        return time.monotonic() - started

    assert run(scenario()) < 3  # stopped soon after the client left, long before the 10 s limit
    assert pool.stats.restarts == restarts + 1
    wait_for_workers(pool)


LARGE = Job(  # an answer of several megabytes: more than a socket buffer holds
    EXECUTE,
    "SELECT ?n ?text WHERE { VALUES ?i { 0 1 2 3 4 5 6 7 8 9 } VALUES ?j { 0 1 2 3 4 5 6 7 8 9 } "
    "VALUES ?k { 0 1 2 3 4 5 6 7 8 9 } BIND(?i * 100 + ?j * 10 + ?k AS ?n) "
    'BIND(CONCAT(STR(?n), "' + "x" * 4000 + '") AS ?text) }',
    media_type="text/csv",
)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_large_answer_is_read_whole_on_either_event_loop(pool, loop):
    """uvloop, which uvicorn picks when it is installed, leaves the worker's socket non-blocking."""
    runner = asyncio.run
    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")  # a dependency except on Windows
        runner = uvloop.run
    for _ in range(2):  # the second query uses the socket the first one watched
        answer = runner(pool.run_async(LARGE, 10))
        assert answer.rows == 1000 and len(answer.body) > 4_000_000
