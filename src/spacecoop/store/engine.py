"""The query engines: Oxigraph's own server processes on the release's store, supervised.

`Engines` starts `oxigraph serve-read-only` (the `oxigraph` package's Rust
server) on the on-disk store, several times, each on a loopback port of its
own, and sends each query to the least busy one over kept-alive connections
(`engine_client`). The engines evaluate on native threads; this module owns what they
cannot be trusted with:

* **the deadline**: Oxigraph's own `--timeout-s` is not passed. It cancels some
  queries late, mid-answer (a 200 cut short), and others not at all; and it
  starts a thread per query that sleeps for the whole timeout, so that under
  load (2 800 queries a second with `--timeout-s 10`, measured here) the server
  runs out of memory for thread stacks and aborts, after spending 2.5 times the
  CPU per query. At the front end's deadline the request is abandoned and the
  engine killed; a new one takes its slot, ready in a tenth of a second;
* **memory**: each engine's resident memory is watched; one that grows past
  its size when ready plus the per-query budget is killed;
* **the other clients**: a read in flight on an engine that was killed, or
  that closed a kept-alive connection, is sent again to a sibling; a request
  that was in flight on every engine that died is the culprit and is not;
* **the network**: each engine runs under a seccomp filter (`sandbox`) that
  denies outbound connections, so `SERVICE` cannot reach anything even if a
  query slipped past the check; and it dies with the server (PR_SET_PDEATHSIG).

One engine process (starting it, what the kernel says of it) is
`engine_process`'s; the event loop the engines are driven from is
`engine_loop`'s (`EngineLoop`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacecoop.store.engine_process import (
    Engine,
    Ticket,
    filtered,
    lower_priority,
    resident_bytes,
    start_engine,
)
from spacecoop.store.protocol import BackendUnavailable, QueryMemoryExceeded, QueryTimeout, StoreError

log = logging.getLogger(__name__)

WATCH_INTERVAL = 0.05  # seconds between two looks at the engines' memory
RETRIES = 3  # times a read is sent again after its engine went away under it
ABANDON_GRACE = 0.5  # seconds a query whose client went away may take to end before its engine is killed
LONG_QUERY = 1.0  # seconds after which an engine's running query lowers the engine's CPU priority

__all__ = ["EngineStats", "Engines"]


@dataclass
class EngineStats:
    queries: int = 0
    retried: int = 0
    timeouts: int = 0
    memory: int = 0
    abandoned: int = 0
    crashes: int = 0
    restarts: int = 0
    lowered: int = 0  # engines whose priority a long query lowered


class Engines:
    """A fixed number of supervised engines on one store; lives on one event loop."""

    def __init__(self, store: Path, size: int, *, memory_limit: int | None, timeout_s: float | None = None) -> None:
        """`timeout_s`: Oxigraph's own `--timeout-s`, for tests of what it does (see above); never in serving."""
        self.store = store
        self.size = size
        self.timeout_s = timeout_s
        self.memory_limit = memory_limit
        self.stats = EngineStats()
        self.sandboxed = False  # set once an engine is seen running under the filter
        self._slots: list[Engine | None] = [None] * size
        self._watcher: asyncio.Task[None] | None = None
        self._restarts: set[asyncio.Task[None]] = set()
        self._closed = False

    # -- life ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every engine, then `attach` to this loop."""
        await self.spawn()
        await self.attach()

    async def spawn(self) -> None:
        """Start every engine. PR_SET_PDEATHSIG ties each to the thread that starts it: call this
        on a thread that lives as long as the engines (the main thread, or EngineLoop's own)."""
        started = await asyncio.gather(*(self._spawn() for _ in range(self.size)), return_exceptions=True)
        failure = next((e for e in started if isinstance(e, BaseException)), None)
        for slot, engine in enumerate(started):
            if isinstance(engine, Engine):
                self._slots[slot] = engine
        if failure is not None:
            self.kill()
            raise failure

    async def attach(self) -> None:
        """Talk to the engines from the running loop: its connections, its watcher."""
        self._watcher = asyncio.create_task(self._watch())

    async def detach(self) -> None:
        """Leave the running loop (the engines keep running): `attach` on another loop next."""
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        for engine in self._slots:
            if engine is not None:
                engine.connections.close()  # connections belong to the loop that made them

    async def close(self) -> None:
        self._closed = True
        for task in list(self._restarts):
            task.cancel()
        self.kill()
        await self.detach()

    def kill(self) -> None:
        """Stop every engine now (also from outside any loop)."""
        self._closed = True
        for engine in self._slots:
            if engine is not None and not engine.dead:
                engine.kill()

    def pids(self) -> list[int]:
        return [e.pid for e in self._slots if e is not None and not e.dead and e.process.poll() is None]

    async def _spawn(self) -> Engine:
        engine = await start_engine(self.store, self.timeout_s)
        self.sandboxed = filtered(engine.pid)
        return engine

    def _retire(self, engine: Engine, reason: str, level: int = logging.WARNING) -> None:
        """Kill an engine and start its successor in the background; its requests learn why."""
        if engine.dead:
            return
        log.log(level, "engine %d stopped: %s; another takes its place", engine.pid, reason)
        engine.kill()
        slot = self._slots.index(engine)
        task = asyncio.create_task(self._replace(slot))
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _replace(self, slot: int) -> None:
        while not self._closed:
            try:
                self._slots[slot] = await self._spawn()
                self.stats.restarts += 1
                return
            except StoreError as error:
                log.error("%s; trying again", error)
                await asyncio.sleep(1)

    async def _watch(self) -> None:
        """Every WATCH_INTERVAL: engines that died, hold more memory than allowed, or run a long query.

        An engine whose query has run for LONG_QUERY seconds gets the lowest CPU priority
        (SCHED_IDLE), so that one long query does not take a core from the server processes
        and the other engine; it is replaced by a fresh engine once nothing runs on it (a
        process may lower a child's priority, not raise it again)."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            now = time.monotonic()
            for engine in list(self._slots):
                if engine is None or engine.dead:
                    continue
                if engine.process.poll() is not None:
                    self._crashed(engine)
                    continue
                if engine.niced and not engine.in_flight:
                    self._retire(engine, "its long query has ended (a fresh engine runs at full priority)",
                                 level=logging.INFO)
                    continue
                if not engine.niced and any(now - t.started > LONG_QUERY for t in engine.in_flight):
                    engine.niced = lower_priority(engine.pid)
                    self.stats.lowered += engine.niced
                if self.memory_limit is not None and engine.in_flight:
                    grown = resident_bytes(engine.pid) - engine.baseline
                    if grown > self.memory_limit:
                        self.stats.memory += 1
                        engine.blame("memory")
                        self._retire(engine, f"it grew by {grown // 2**20} MB while evaluating")

    def _crashed(self, engine: Engine) -> None:
        self.stats.crashes += 1
        engine.blame("crash")
        self._retire(engine, f"it exited with status {engine.process.returncode}")

    # -- requests -----------------------------------------------------------------------

    def _after_grace(self, engine: Engine, ticket: Ticket, post: asyncio.Future[Any], grace: float) -> None:
        """A query whose client went away: let it end within `grace` seconds, else kill its engine."""
        async def watch() -> None:
            try:
                await asyncio.wait_for(post, grace)
            except TimeoutError:
                self._retire(engine, "the client of a running query went away")
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                engine.in_flight.discard(ticket)

        task = asyncio.ensure_future(watch())
        self._restarts.add(task)  # held (and cancelled on close) like a restart
        task.add_done_callback(self._restarts.discard)

    async def _pick(self, deadline: float, avoid: set[Engine]) -> Engine:
        while True:
            alive = [e for e in self._slots if e is not None and not e.dead]
            fresh = [e for e in alive if e not in avoid] or alive
            if fresh:
                return min(fresh, key=lambda e: len(e.in_flight))
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout("no query engine was ready within the time limit")
            await asyncio.sleep(min(0.01, left))

    async def request(
        self, path_query: str, body: bytes, content_type: str, accept: str, *, timeout: float
    ) -> tuple[int, str, bytes]:
        """POST `body` to an engine; (status, content type, whole body) within `timeout` seconds.

        At the deadline the engine is killed (its query may run on) and QueryTimeout
        raised; a read whose engine went away under it is sent to a sibling, unless it
        was in flight on every engine that died (QueryMemoryExceeded, or BackendUnavailable)."""
        self.stats.queries += 1
        deadline = time.monotonic() + timeout
        target, ctype, accepted = f"/query{path_query}".encode(), content_type.encode(), accept.encode()
        suspects: set[Engine] = set()
        blamed: list[str] = []
        ticket: Ticket | None
        for _attempt in range(RETRIES + 1):
            engine = await self._pick(deadline, suspects)
            ticket = Ticket(engine)
            engine.in_flight.add(ticket)
            post = asyncio.ensure_future(engine.connections.post(target, body, ctype, accepted))
            try:
                async with asyncio.timeout_at(asyncio.get_running_loop().time() + (deadline - time.monotonic())):
                    return await asyncio.shield(post)
            except TimeoutError:
                post.cancel()
                self.stats.timeouts += 1
                self._retire(engine, f"a query ran past the time limit of {timeout:g} s")
                raise QueryTimeout(f"the query was stopped at the time limit of {timeout:g} s") from None
            except asyncio.CancelledError:
                # The client went away: its query must not run on, but most are about to end.
                self.stats.abandoned += 1
                self._after_grace(engine, ticket, post, min(ABANDON_GRACE, max(deadline - time.monotonic(), 0)))
                ticket = None  # still in flight until the grace ends
                raise
            except ConnectionError:  # the engine closed the connection, or died
                assert ticket is not None
                if ticket.blamed is None and not engine.dead and await engine.exited():
                    self._crashed(engine)
                if ticket.blamed is not None:
                    blamed.append(ticket.blamed)
                    suspects.add(engine)
                if ticket.sole or len(blamed) >= min(2, self.size):
                    break  # the culprit: alone on its engine, or on every engine that died
                self.stats.retried += 1  # a sibling, or this engine again if it only closed a kept-alive connection
            finally:
                if ticket is not None:
                    engine.in_flight.discard(ticket)
        if blamed and blamed[-1] == "memory":
            raise QueryMemoryExceeded(
                f"the query was stopped when it needed more than {(self.memory_limit or 0) // 2**20} MB of memory")
        raise BackendUnavailable("the query engine stopped while evaluating this query; it was not sent again")
