"""One query engine: an `oxigraph serve-read-only` process on the release's store.

`start_engine` runs Oxigraph's own Rust server (the `oxigraph` package's
command) on a loopback port of its own, under a seccomp filter (`sandbox`) that
denies outbound connections and tied to the server's life (PR_SET_PDEATHSIG),
and waits until it accepts connections. `Engine` is that process with its
kept-alive connections (`engine_client`) and the requests in flight on it
(`Ticket`); this module also reads what the kernel says of the process (resident
memory, the filter) and lowers its CPU priority. Supervising several engines is
`engine.Engines`'s.
"""

from __future__ import annotations

import asyncio
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
from dataclasses import dataclass, field
from pathlib import Path

from spacecoop.store.engine_client import EnginePool
from spacecoop.store.protocol import BackendUnavailable, StoreError
from spacecoop.store.sandbox import deny_outbound

log = logging.getLogger("spacecoop.store.engine")  # the engines' log, one name for the supervisor and its processes

READY_TIMEOUT = 20.0  # seconds for a new engine to answer (0.1 s is usual)
LONG_NICE = 10  # the nice value a long query's engine gets where SCHED_IDLE is refused (see lower_priority)
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


def filtered(pid: int) -> bool:
    """True if the process runs under a seccomp filter (the kernel says so in /proc)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return any(line.split() == ["Seccomp:", "2"] for line in status)
    except OSError:
        return False


def resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def lower_priority(pid: int) -> bool:
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

    def blame(self, why: str) -> None:
        """Mark the requests on this engine, about to be killed, with `why` ('memory', 'crash')."""
        for ticket in self.in_flight:
            ticket.blamed = why
            ticket.sole = len(self.in_flight) == 1

    async def exited(self) -> bool:
        """True if the process has ended (a reset connection comes a moment before the exit)."""
        for _ in range(10):
            if self.process.poll() is not None:
                return True
            await asyncio.sleep(0.005)
        return False


@dataclass(eq=False)
class Ticket:
    """One request to an engine; `blamed` says why the engine under it was killed, if it was."""

    engine: Engine
    blamed: str | None = None
    sole: bool = False  # the only request on its engine when it was killed: the certain culprit
    started: float = field(default_factory=time.monotonic)


async def start_engine(store: Path, timeout_s: float | None = None) -> Engine:
    """An engine on `store`, ready for queries; BackendUnavailable if it does not start.

    `timeout_s`: Oxigraph's own `--timeout-s`, for tests of what it does (see `engine`); never in serving."""
    command = engine_command()
    last = ""
    for _ in range(5):  # another process may take the port between probe and bind
        port = _free_port()
        process = subprocess.Popen(
            [command, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
             *(["--timeout-s", str(max(1, math.ceil(timeout_s)))] if timeout_s else [])],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=_child_setup, start_new_session=True,  # Ctrl-C in a terminal is the server's to handle
        )
        engine = Engine(process, port)
        if await _until_ready(engine, port):
            threading.Thread(target=_drain, args=(process,), daemon=True).start()
            engine.baseline = resident_bytes(process.pid)
            return engine
        engine.kill()
        last = process.stderr.read().decode("utf-8", "replace").strip() if process.stderr else ""
    raise BackendUnavailable(f"the Oxigraph server did not start on {store}: {last[-500:]}")


async def _until_ready(engine: Engine, port: int) -> bool:
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


def _drain(process: subprocess.Popen[bytes]) -> None:
    """Read an engine's log until it exits (a full pipe would stop it); debug lines here."""
    assert process.stderr is not None
    for line in process.stderr:
        log.debug("engine %d: %s", process.pid, line.decode("utf-8", "replace").rstrip())
