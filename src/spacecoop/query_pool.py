"""A pool of query worker processes with a time limit that really stops queries.

pyoxigraph cannot cancel a query and a thread cannot be killed, so queries
run in worker processes (`spacecoop.query_worker`), one query per worker at
a time. `QueryPool.run` hands a job to an idle worker and waits for the reply
until the deadline; past it, the worker is killed (SIGKILL, then reaped, so
the evaluation has stopped before the caller hears of it) and a replacement
is started in the background. The same happens to a worker whose memory grows
past the pool's memory limit while it evaluates a query (one query cannot
exhaust the machine's memory before its time is up), and to one whose client
has gone away (nobody would read its answer). The time limit counts
from the call, so time spent waiting for a free worker counts too: a caller
never waits longer than its limit.

`run` blocks; the server calls it from a thread pool, so while one worker is
stuck on a runaway query the others keep answering. A query still running
after `SLOW_QUERY` seconds continues at the lowest CPU priority (nice 19), so
on a machine with few cores a runaway query takes CPU time only that short
queries leave unused; its worker gets its priority back afterwards, or is
replaced where the server may not raise priorities.
"""

from __future__ import annotations

import logging
import os
import queue
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


class QueryPool:
    def __init__(
        self, store_path: Path, size: int, prefixes: dict[str, str], *, memory_limit: int | None = None
    ) -> None:
        """`memory_limit`: bytes a worker may hold while it evaluates a query (None: no limit)."""
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.memory_limit = memory_limit
        self._config = {"store": str(store_path), "prefixes": prefixes}
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        self.stats = PoolStats()
        self.sandboxed = True
        try:
            for _ in range(size):
                self._idle.put(self._start())
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
        return worker

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

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
                self._idle.put(replacement)

        threading.Thread(target=start, name="query-worker-start", daemon=True).start()

    def run(self, job: Job, timeout: float, abandoned: threading.Event | None = None) -> Any:
        """The worker's answer to `job`; QueryTimeout once `timeout` seconds have passed,
        QueryMemoryExceeded as soon as the worker holds more than the memory limit,
        QueryAbandoned soon after `abandoned` is set (the client went away)."""
        deadline = time.monotonic() + timeout
        self.stats.count("queries")
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            self.stats.count("timeouts")
            raise QueryTimeout(
                f"the server was busy: no query worker became free within the time limit of {timeout:g} s"
            ) from None
        try:
            worker.connection.send(job)
            outcome, lowered = self._watch(worker, deadline, abandoned)
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
            tag, payload = worker.connection.recv()
        except (EOFError, OSError) as error:
            code = worker.process.poll()
            self._replace(worker)
            raise WorkerError(f"a query worker stopped unexpectedly (exit code {code})") from error
        if lowered and not _set_priority(worker.process.pid, 0):
            self._replace(worker)  # without the right to raise it again, a fresh worker takes its place
        else:
            self._idle.put(worker)
        if tag == OK:
            return payload
        if tag == SYNTAX:
            raise QuerySyntaxError(payload)
        if tag == TOO_MANY_ROWS:
            raise RowLimitExceeded(payload)
        if tag == CRASH:
            raise WorkerError(f"query evaluation failed:\n{payload}")
        raise WorkerError(f"unknown reply from a query worker: {tag!r}")

    def _watch(self, worker: _Worker, deadline: float, abandoned: threading.Event | None) -> tuple[str, bool]:
        """Wait for the worker's reply: (_READY, _TIME, _MEMORY or _GONE, whether its priority was lowered)."""
        started = time.monotonic()
        lowered = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _TIME, lowered
            if worker.connection.poll(min(remaining, WATCH_INTERVAL)):
                return _READY, lowered
            if self.memory_limit and _resident_bytes(worker.process.pid) > self.memory_limit:
                return _MEMORY, lowered
            if abandoned is not None and abandoned.is_set():
                return _GONE, lowered
            if not lowered and time.monotonic() - started >= SLOW_QUERY:
                # A long query: let the short ones have the CPU first while it goes on.
                lowered = _set_priority(worker.process.pid, LOW_PRIORITY)
                self.stats.count("slow")

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
