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

The engines are driven from one event loop (`EngineLoop`): a thread of their
own until the server starts, then the server's loop, so that a query costs no
hop between threads; page renderers in the thread pool reach them with `run`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from spacecoop.store.engine_client import EnginePool
from spacecoop.store.protocol import BackendUnavailable, QueryMemoryExceeded, QueryTimeout, StoreError
from spacecoop.store.sandbox import deny_outbound

log = logging.getLogger(__name__)

T = TypeVar("T")

READY_TIMEOUT = 20.0  # seconds for a new engine to answer (0.1 s is usual)
WATCH_INTERVAL = 0.05  # seconds between two looks at the engines' memory
RETRIES = 3  # times a read is sent again after its engine went away under it
ABANDON_GRACE = 0.5  # seconds a query whose client went away may take to end before its engine is killed
LONG_QUERY = 1.0  # seconds after which an engine's running query lowers the engine's CPU priority
LONG_NICE = 10  # the nice value it gets where SCHED_IDLE is refused (see _lower_priority)
_PR_SET_PDEATHSIG = 1


class EngineMissing(StoreError):
    """The `oxigraph` command is not installed."""


def engine_command() -> str:
    """The `oxigraph` server command installed beside this interpreter (or on PATH)."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise EngineMissing(
            "the Oxigraph server is not installed: `pip install oxigraph` (the same version as pyoxigraph)"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _child_setup() -> None:
    """In the engine process before it runs Oxigraph: die with the server, no outbound network."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the server died before the line above
        os._exit(1)
    deny_outbound()


def _filtered(pid: int) -> bool:
    """True if the process runs under a seccomp filter (the kernel says so in /proc)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return any(line.split() == ["Seccomp:", "2"] for line in status)
    except OSError:
        return False


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass(eq=False)
class Engine:
    """One `oxigraph serve-read-only` process."""

    process: subprocess.Popen[bytes]
    port: int
    baseline: int = 0  # resident bytes once ready
    connections: EnginePool = field(init=False)
    in_flight: set[Ticket] = field(default_factory=set)
    dead: bool = False
    niced: bool = False  # lowered for a long query; replaced once it has nothing in flight

    def __post_init__(self) -> None:
        self.connections = EnginePool("127.0.0.1", self.port)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, without waiting: a process that held gigabytes takes a while to go, and
        the loop must go on (a thread reaps it)."""
        self.dead = True
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        threading.Thread(target=self.process.wait, daemon=True).start()


@dataclass(eq=False)
class Ticket:
    """One request to an engine; `blamed` says why the engine under it was killed, if it was."""

    engine: Engine
    blamed: str | None = None
    sole: bool = False  # the only request on its engine when it was killed: the certain culprit
    started: float = field(default_factory=time.monotonic)


def _lower_priority(pid: int) -> bool:
    """Move every thread of `pid` to SCHED_IDLE, nice LONG_NICE where that is refused: it then runs
    only on a core nothing else wants (a policy is a thread's on Linux, and a new thread takes its
    creator's). False if the process is gone or refuses both."""
    try:
        threads = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    lowered = False
    for tid in threads:
        try:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            lowered = True
        except OSError:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, tid, LONG_NICE)
                lowered = True
    return lowered


def _blame(engine: Engine, why: str) -> None:
    """Mark the requests on an engine about to be killed for `why` ('memory', 'crash')."""
    for ticket in engine.in_flight:
        ticket.blamed = why
        ticket.sole = len(engine.in_flight) == 1


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
        command = engine_command()
        last = ""
        for _ in range(5):  # another process may take the port between probe and bind
            port = _free_port()
            process = subprocess.Popen(
                [command, "serve-read-only", "--location", str(self.store), "--bind", f"127.0.0.1:{port}",
                 *(["--timeout-s", str(max(1, math.ceil(self.timeout_s)))] if self.timeout_s else [])],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                preexec_fn=_child_setup, start_new_session=True,  # Ctrl-C in a terminal is the server's to handle
            )
            engine = Engine(process, port)
            if await self._until_ready(engine, port):
                threading.Thread(target=_drain, args=(process,), daemon=True).start()
                engine.baseline = _resident_bytes(process.pid)
                self.sandboxed = _filtered(process.pid)
                return engine
            engine.kill()
            last = process.stderr.read().decode("utf-8", "replace").strip() if process.stderr else ""
        raise BackendUnavailable(f"the Oxigraph server did not start on {self.store}: {last[-500:]}")

    async def _until_ready(self, engine: Engine, port: int) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if engine.process.poll() is not None:
                return False
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.005)
                continue
            writer.close()
            return True
        return False

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
                    engine.niced = _lower_priority(engine.pid)
                    self.stats.lowered += engine.niced
                if self.memory_limit is not None and engine.in_flight:
                    grown = _resident_bytes(engine.pid) - engine.baseline
                    if grown > self.memory_limit:
                        self.stats.memory += 1
                        _blame(engine, "memory")
                        self._retire(engine, f"it grew by {grown // 2**20} MB while evaluating")

    def _crashed(self, engine: Engine) -> None:
        self.stats.crashes += 1
        _blame(engine, "crash")
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
                if ticket.blamed is None and not engine.dead and await _exited(engine):
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


async def _exited(engine: Engine) -> bool:
    """True if the engine's process has ended (a reset connection comes a moment before the exit)."""
    for _ in range(10):
        if engine.process.poll() is not None:
            return True
        await asyncio.sleep(0.005)
    return False


def _drain(process: subprocess.Popen[bytes]) -> None:
    """Read an engine's log until it exits (a full pipe would stop it); debug lines here."""
    assert process.stderr is not None
    for line in process.stderr:
        log.debug("engine %d: %s", process.pid, line.decode("utf-8", "replace").rstrip())


class EngineLoop:
    """Where the engines' coroutines run: an event loop in a thread of its own (`owned`), or the
    server's own loop once `EngineStore.serve_here` has moved them there.

    `submit` awaits a coroutine from the server's handlers, `run` waits for one from a
    plain thread (pages, DESCRIBE, tools). On the server's loop, a query costs no hop
    between threads (two busy threads would pass the GIL back and forth)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.owned = loop is None
        self.loop = asyncio.new_event_loop() if loop is None else loop
        self._thread: threading.Thread | None = None
        if self.owned:
            self._thread = threading.Thread(target=self.loop.run_forever, name="spacecoop-engines", daemon=True)
            self._thread.start()

    def _here(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def run(self, coroutine: Awaitable[T]) -> T:
        if self._here():
            raise RuntimeError("EngineLoop.run called on the engines' own loop: await it")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()  # type: ignore[arg-type]

    async def submit(self, coroutine: Awaitable[T], cancelled: asyncio.Future[object] | None = None) -> T:
        """Await `coroutine` on the engines' loop; if `cancelled` completes first, cancel it there."""
        if self._here():
            task: asyncio.Future[T] = asyncio.ensure_future(coroutine)
            future: concurrent.futures.Future[T] | None = None
        else:
            future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)  # type: ignore[arg-type]
            task = asyncio.wrap_future(future)
        if cancelled is None:
            return await task
        done, _ = await asyncio.wait(
            {cast("asyncio.Future[object]", task), cancelled}, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            return task.result()
        (future or task).cancel()
        with contextlib.suppress(BaseException):
            await task
        raise QueryTimeout("the client went away; its query was stopped")

    def close(self, cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
        """Run `cleanup` there and stop the loop, if it is this object's own."""
        if not self.owned:
            return
        if cleanup is not None and self.loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(cleanup(), self.loop).result(timeout=10)  # type: ignore[arg-type]
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
