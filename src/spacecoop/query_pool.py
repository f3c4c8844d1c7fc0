"""A pool of query worker processes with a time limit that really stops queries.

pyoxigraph cannot cancel a query and a thread cannot be killed, so queries
run in worker processes (`spacecoop.query_worker`), one query per worker at
a time. `QueryPool.run` hands a job to an idle worker and waits for the reply
until the deadline; past it, the worker is killed (SIGKILL, then reaped, so
the evaluation has stopped before the caller hears of it) and a replacement
is started in the background. The same happens to a worker whose memory grows
by more than the pool's memory limit (counted from what it held once ready,
its copy of the store included) while it evaluates a query (one query cannot
exhaust the machine's memory before its time is up), and to one whose client
has gone away (nobody would read its answer) once it has run `SLOW_QUERY`
seconds: a query about to end is left to end, a new worker costs more. The time limit counts
from the call, so time spent waiting for a free worker counts too: a caller
never waits longer than its limit.

The server's requests use `run_async` on its event loop: no thread is handed
the request, the worker's socket is watched by the loop and the time limit is
a timer, so a query costs the front end one message each way. Pages and tools
call the blocking `run` from threads. Both share the idle workers and the
queue of callers waiting for one, so while one worker is stuck on a runaway
query the others keep answering everyone. A query still running
after `SLOW_QUERY` seconds continues at the lowest CPU priority (nice 19), so
on a machine with few cores a runaway query takes CPU time only that short
queries leave unused; its worker gets its priority back afterwards, or is
replaced where the server may not raise priorities.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from spacecoop.query_worker import CRASH, OK, SYNTAX, TOO_MANY_ROWS, Job
from spacecoop.store import (
    QueryMemoryExceeded,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    StoreError,
)

log = logging.getLogger(__name__)

# Not `-m`: the worker's classes must pickle under their module's name, not `__main__`.
_WORKER_MAIN = "import sys; from spacecoop.query_worker import main; main(int(sys.argv[1]))"
START_TIMEOUT = 60.0  # seconds a new worker may take to open the store
SLOW_QUERY = 0.25  # seconds after which a query runs at the lowest CPU priority
LOW_PRIORITY = 19
WATCH_INTERVAL = 0.05  # seconds between checks of a running query's memory and client
_READY, _TIME, _MEMORY, _GONE = "ready", "time", "memory", "gone"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _set_priority(pid: int, niceness: int) -> bool:
    """Set the scheduling priority of every thread of a process; False if not allowed."""
    try:
        threads = [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        threads = [pid]
    try:
        for thread in threads:
            os.setpriority(os.PRIO_PROCESS, thread, niceness)
    except PermissionError:
        return False
    except ProcessLookupError:
        pass  # a thread that ended meanwhile
    return True


def _resident_bytes(pid: int) -> int:
    """The memory a process holds (its resident set); 0 where /proc cannot tell."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class QueryAbandoned(QueryTimeout):
    """The client went away, so the query was stopped before its end."""


class WorkerError(StoreError):
    """A worker failed: it crashed, or evaluation raised something unexpected (HTTP 500)."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    connection: Connection
    baseline: int = 0  # bytes it held once ready: what a query adds is measured from there
    _stopping: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stop(self) -> None:
        """Kill the process and wait until it is gone (once, whoever asks first)."""
        if not self._stopping.acquire(blocking=False):
            return
        self.process.kill()
        self.process.wait()
        self.connection.close()


@dataclass
class PoolStats:
    queries: int = 0
    slow: int = 0
    timeouts: int = 0
    memory: int = 0
    abandoned: int = 0
    restarts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class _Waiter:
    """A caller waiting for a free worker: a thread (event) or a coroutine (future on its loop)."""

    __slots__ = ("worker", "abandoned", "event", "loop", "future")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.worker: _Worker | None = None
        self.abandoned = False  # it gave up (time limit): hand the worker to the next one
        self.loop = loop
        self.event = threading.Event() if loop is None else None
        self.future: asyncio.Future[None] | None = loop.create_future() if loop is not None else None

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()
            return
        assert self.loop is not None and self.future is not None

        def settle(future: asyncio.Future[None] = self.future) -> None:
            if not future.done():
                future.set_result(None)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            settle()
        else:
            self.loop.call_soon_threadsafe(settle)


@dataclass
class _Run:
    """One query in a worker: what its watcher has seen so far."""

    worker: _Worker
    started: float
    lowered: bool = False


class QueryPool:
    def __init__(
        self,
        store_path: Path,
        size: int,
        prefixes: dict[str, str],
        *,
        memory_limit: int | None = None,
        in_memory: bool = False,
    ) -> None:
        """`memory_limit`: bytes a query may add to its worker's memory (None: no limit).
        `in_memory`: each worker evaluates on its own in-memory copy of the store."""
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.memory_limit = memory_limit
        self.in_memory = in_memory
        self._config = {"store": str(store_path), "prefixes": prefixes, "in_memory": in_memory}
        self._idle: list[_Worker] = []  # last in, first out: the warmest worker goes first
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        self.stats = PoolStats()
        self.sandboxed = True
        try:
            # Started side by side: each new interpreter takes a few hundred milliseconds.
            with concurrent.futures.ThreadPoolExecutor(size) as starting:
                self._idle.extend(starting.map(lambda _: self._start(), range(size)))
        except BaseException:
            self.close()
            raise

    def _start(self) -> _Worker:
        ours, theirs = socket.socketpair()
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_MAIN, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        worker = _Worker(process, Connection(ours.detach()))
        with self._lock:
            self._all.add(worker)
        try:
            worker.connection.send(self._config)
            if not worker.connection.poll(START_TIMEOUT):
                raise WorkerError(f"a query worker did not start within {START_TIMEOUT:.0f} s")
            tag, sandboxed = worker.connection.recv()
        except (EOFError, OSError) as error:
            self._discard(worker)
            raise WorkerError(f"a query worker failed to start (exit code {process.poll()})") from error
        except WorkerError:
            self._discard(worker)
            raise
        if not sandboxed and self.sandboxed:
            log.warning("query workers cannot be denied network access on this platform")
        self.sandboxed = self.sandboxed and sandboxed
        worker.baseline = _resident_bytes(process.pid)
        return worker

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    # Free workers: handed to the longest-waiting caller, else kept idle.

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.abandoned:
                    waiter.worker = worker
                    waiter.wake()
                    return
            self._idle.append(worker)

    def _take_idle(self) -> tuple[_Worker | None, _Waiter | None]:
        """An idle worker, or else a place in the queue (the waiter is given the loop to wake, if any)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), None
            try:
                loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            waiter = _Waiter(loop)
            self._waiters.append(waiter)
            return None, waiter

    def _give_up(self, waiter: _Waiter, timeout: float) -> _Worker:
        """The caller's time ran out while it waited: unless a worker arrived meanwhile, QueryTimeout."""
        with self._lock:
            if waiter.worker is not None:
                return waiter.worker
            waiter.abandoned = True
        self.stats.count("timeouts")
        raise QueryTimeout(
            f"the server was busy: no query worker became free within the time limit of {timeout:g} s"
        )

    def _replace(self, worker: _Worker) -> None:
        """Stop a worker now and start its replacement in the background."""
        self._discard(worker)
        self.stats.count("restarts")

        def start() -> None:
            if self._closed:
                return
            try:
                replacement = self._start()
            except WorkerError:
                log.exception("could not start a replacement query worker")
                return
            if self._closed:
                self._discard(replacement)
            else:
                self._release(replacement)

        threading.Thread(target=start, name="query-worker-start", daemon=True).start()

    # Running a job: acquire a worker, send, wait for an outcome, conclude.

    def _send(self, worker: _Worker, job: Job) -> None:
        try:
            worker.connection.send(job)
        except OSError as error:
            code = worker.process.poll()
            self._replace(worker)
            raise WorkerError(f"a query worker stopped unexpectedly (exit code {code})") from error

    def _check(self, run: _Run) -> str | None:
        """What the watcher sees of a running query: _MEMORY past the limit; lowers a slow one's priority."""
        pid = run.worker.process.pid
        if self.memory_limit and _resident_bytes(pid) - run.worker.baseline > self.memory_limit:
            return _MEMORY
        if not run.lowered and time.monotonic() - run.started >= SLOW_QUERY:
            # A long query: let the short ones have the CPU first while it goes on.
            run.lowered = _set_priority(pid, LOW_PRIORITY)
            self.stats.count("slow")
        return None

    def _conclude(self, run: _Run, outcome: str, timeout: float) -> Any:
        """The answer once the outcome is known; a worker that did not answer is replaced."""
        worker = run.worker
        if outcome == _GONE:
            self.stats.count("abandoned")
            self._replace(worker)
            raise QueryAbandoned("the client went away: the query was stopped")
        if outcome == _TIME:
            self.stats.count("timeouts")
            self._replace(worker)
            raise QueryTimeout(f"the query was stopped at the time limit of {timeout:g} s")
        if outcome == _MEMORY:
            self.stats.count("memory")
            self._replace(worker)
            raise QueryMemoryExceeded(
                f"the query was stopped when it needed more than {self.memory_limit // 2**20} MB of memory"
            )
        try:
            tag, payload = worker.connection.recv()
        except (EOFError, OSError) as error:
            code = worker.process.poll()
            self._replace(worker)
            raise WorkerError(f"a query worker stopped unexpectedly (exit code {code})") from error
        if run.lowered and not _set_priority(worker.process.pid, 0):
            self._replace(worker)  # without the right to raise it again, a fresh worker takes its place
        else:
            self._release(worker)
        if tag == OK:
            return payload
        if tag == SYNTAX:
            raise QuerySyntaxError(payload)
        if tag == TOO_MANY_ROWS:
            raise RowLimitExceeded(payload)
        if tag == CRASH:
            raise WorkerError(f"query evaluation failed:\n{payload}")
        raise WorkerError(f"unknown reply from a query worker: {tag!r}")

    def run(self, job: Job, timeout: float, abandoned: threading.Event | None = None) -> Any:
        """The worker's answer to `job`, waiting in this thread; QueryTimeout once `timeout`
        seconds have passed, QueryMemoryExceeded as soon as the worker holds more than the
        memory limit, QueryAbandoned soon after `abandoned` is set (the client went away)."""
        deadline = time.monotonic() + timeout
        self.stats.count("queries")
        worker, waiter = self._take_idle()
        if waiter is not None:
            assert waiter.event is not None
            if not waiter.event.wait(max(0.0, deadline - time.monotonic())):
                worker = self._give_up(waiter, timeout)
            else:
                worker = waiter.worker
        assert worker is not None
        if abandoned is not None and abandoned.is_set():
            self._release(worker)
            self.stats.count("abandoned")
            raise QueryAbandoned("the client went away before the query started")
        self._send(worker, job)
        run = _Run(worker, time.monotonic())
        return self._conclude(run, self._watch(run, deadline, abandoned), timeout)

    def _watch(self, run: _Run, deadline: float, abandoned: threading.Event | None) -> str:
        """Wait in this thread for the worker's reply: _READY, _TIME, _MEMORY or _GONE."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _TIME
            if run.worker.connection.poll(min(remaining, WATCH_INTERVAL)):
                return _READY
            if abandoned is not None and abandoned.is_set() and time.monotonic() - run.started >= SLOW_QUERY:
                return _GONE  # a query about to end is left to end: see run_async
            seen = self._check(run)
            if seen:
                return seen

    async def run_async(
        self, job: Job, timeout: float, disconnected: "asyncio.Future[Any] | None" = None
    ) -> Any:
        """`run` for a coroutine on the event loop: the same outcomes, without a thread.
        `disconnected` completes when the client goes away."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + timeout
        self.stats.count("queries")
        worker, waiter = self._take_idle()
        if waiter is not None:
            worker = await self._wait_async(waiter, deadline, timeout, disconnected)
        self._send(worker, job)
        run = _Run(worker, time.monotonic())
        outcome: asyncio.Future[str] = loop.create_future()

        def settle(value: str) -> None:
            if not outcome.done():
                outcome.set_result(value)

        def watch() -> None:
            nonlocal watcher
            seen = self._check(run)
            if seen:
                settle(seen)
            elif not outcome.done():
                watcher = loop.call_later(WATCH_INTERVAL, watch)

        fd = worker.connection.fileno()
        loop.add_reader(fd, settle, _READY)
        timer = loop.call_later(max(0.0, deadline - time.monotonic()), settle, _TIME)
        watcher = loop.call_later(WATCH_INTERVAL, watch)
        if disconnected is not None:

            def gone(_: object) -> None:
                # A query about to end is left to end (its answer is dropped): stopping it
                # would cost a new worker, more than what it has left to do.
                left = run.started + SLOW_QUERY - time.monotonic()
                if left > 0:
                    loop.call_later(left, settle, _GONE)
                else:
                    settle(_GONE)

            disconnected.add_done_callback(gone)
        try:
            result = await outcome
        except asyncio.CancelledError:
            # The request itself was cancelled: nobody will read the answer.
            self.stats.count("abandoned")
            self._replace(worker)
            raise
        finally:
            loop.remove_reader(fd)
            # uvloop (libuv) makes a watched descriptor non-blocking; the answer is read whole below.
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)
            timer.cancel()
            watcher.cancel()
        return self._conclude(run, result, timeout)

    async def _wait_async(
        self, waiter: _Waiter, deadline: float, timeout: float, disconnected: "asyncio.Future[Any] | None"
    ) -> _Worker:
        """Wait in the queue for a free worker until the deadline or until the client goes away."""
        assert waiter.future is not None
        waiting: set[asyncio.Future[Any]] = {waiter.future}
        if disconnected is not None:
            waiting.add(disconnected)
        try:
            await asyncio.wait(waiting, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._leave_queue(waiter)
            raise
        if waiter.future.done():
            assert waiter.worker is not None
            return waiter.worker
        if disconnected is not None and disconnected.done():
            self._leave_queue(waiter)
            self.stats.count("abandoned")
            raise QueryAbandoned("the client went away before the query started")
        return self._give_up(waiter, timeout)

    def _leave_queue(self, waiter: _Waiter) -> None:
        """A caller stops waiting; a worker handed to it meanwhile goes to the next one."""
        with self._lock:
            waiter.abandoned = True
            arrived, waiter.worker = waiter.worker, None
        if arrived is not None:
            self._release(arrived)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return sorted(worker.process.pid for worker in self._all)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()
