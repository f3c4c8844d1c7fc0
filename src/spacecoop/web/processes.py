"""Several front-end processes on one listening socket (`spacecoop serve --processes N`).

One Python process serves at most one core's worth of requests (the GIL), and
the front end, not the engines, is what a request costs most. `serve` binds the
socket once, then forks `N` processes before any of them opens a store: each
has its own event loop, query engines (`--workers`), answer and page caches, and
the kernel hands each new connection to one of them.

The parent only supervises: SIGTERM or SIGINT is passed on to every process
(each drains its requests and stops its engines), a process that dies is
started again (unless processes keep dying at start, which ends the server with
the failure), and each process dies with the parent (`PR_SET_PDEATHSIG`), as its
engines die with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import time
import traceback
from collections.abc import Callable

log = logging.getLogger("spacecoop.serve")

_PR_SET_PDEATHSIG = 1
MAX_AUTO = 4  # processes chosen by `--processes 0`, at most
EARLY_EXIT = 5.0  # a process that ends within this many seconds of its start failed to start
MAX_EARLY_EXITS = 3  # in a row: the server stops


def default_count() -> int:
    """One process per core this process may run on, at most MAX_AUTO."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_AUTO))


class Supervisor:
    """Forks `count` processes that each call `serve()` (its return value is the process's exit status)."""

    def __init__(self, count: int, serve: Callable[[], int]) -> None:
        self.count = count
        self.serve = serve
        self.children: dict[int, tuple[int, float]] = {}  # pid -> (slot, started)
        self.stopping = False
        self.failed = False
        self._early_exits = 0
        self._parent = os.getpid()

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in range(self.count):
                self._spawn(slot)
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:  # pragma: no cover - PEP 475 retries os.wait
                    continue
                if pid not in self.children:
                    continue  # not one of the servers
                slot, started = self.children.pop(pid)
                self._ended(slot, started, pid, status)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if self.failed else 0

    def _ended(self, slot: int, started: float, pid: int, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        if self.stopping:
            if code not in (0, -signal.SIGTERM, -signal.SIGINT):
                self.failed = True
            return
        early = time.monotonic() - started < EARLY_EXIT
        self._early_exits = self._early_exits + 1 if early else 0
        how = f"signal {-code}" if code < 0 else f"status {code}"
        if self._early_exits >= MAX_EARLY_EXITS:
            log.error("server process %d ended with %s at its start, %d times in a row: stopping",
                      pid, how, self._early_exits)
            self.failed = True
            self._stop(signal.SIGTERM, None)
            return
        log.error("server process %d ended with %s: starting another", pid, how)
        self._spawn(slot)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _spawn(self, slot: int) -> None:
        pid = os.fork()
        if pid:
            self.children[pid] = (slot, time.monotonic())
            return
        code = 1
        try:  # the child: never returns into the parent's stack
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != self._parent:  # the parent died before the line above
                os._exit(1)
            code = self.serve()
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except KeyboardInterrupt:
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            logging.shutdown()
            os._exit(code)
