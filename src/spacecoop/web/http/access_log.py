"""One log line per request: method, path, status, duration, and the query's hash on /sparql.

The line is written when the response has been sent (or the request failed),
to the `spacecoop.access` logger. A client that went away before its response
was complete is logged with status 499 ("client closed request", as nginx
does) and the words "client disconnected": whatever the handler answered
then (e.g. the 503 of a query stopped because nobody waits for it) was never
received. The path is logged without its query string:
a query's text can be long and personal, its hash is enough to find it again
(handlers put it in `request.state.query_hash`).

`BufferedStreamHandler` writes those lines as nginx's `access_log … buffer= flush=`
does: gathered in memory and written at most `interval` seconds later (or once
`size` bytes wait), so a busy server makes one write for many requests instead of
one per request (a line a request cost as much as the rest of serving a page).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from typing import TextIO

from starlette.types import Message, Receive, Scope, Send

from spacecoop.web.http.middleware import HTTPMiddleware

log = logging.getLogger("spacecoop.access")

CLIENT_CLOSED_REQUEST = 499


class BufferedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler whose lines wait up to `interval` seconds, or until `size` bytes wait."""

    def __init__(self, stream: TextIO, interval: float = 0.2, size: int = 64 * 1024) -> None:
        super().__init__(stream)
        self.interval = interval
        self.size = size
        self._lines: list[str] = []
        self._bytes = 0
        self._closed = False
        self._start_flusher()

    def _start_flusher(self) -> None:
        """The thread that writes what waits; a forked server process (`--processes`) starts its own."""
        self._pid = os.getpid()
        self._wake = threading.Event()
        threading.Thread(target=self._flush_periodically, name="spacecoop-access-log", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._queue(line)

    def _queue(self, line: str) -> None:
        if self._pid != os.getpid():
            self._start_flusher()
        self._lines.append(line)
        self._bytes += len(line)
        if self._bytes >= self.size:
            self._write()
        elif len(self._lines) == 1:
            self._wake.set()

    def _write(self) -> None:
        if not self._lines:
            return
        text, self._lines, self._bytes = "".join(self._lines), [], 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # as logging does: a log that cannot be written does not stop the server
            pass

    def add(self, line: str) -> None:
        """A line written as is (with its end of line), as `emit` would have written it."""
        with self.lock:  # type: ignore[union-attr]
            self._queue(line)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()

    def _flush_periodically(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            time.sleep(self.interval)
            self.flush()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self.flush()
        super().close()


SERVER_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # the server's (spacecoop serve) log lines
_direct: BufferedStreamHandler | None = None
_second: tuple[int, str] = (-1, "")


def buffer_access_log(stream: TextIO) -> None:
    """Send the access log's lines, in the server's format, through a `BufferedStreamHandler` on `stream`.

    Its lines are then written without a LogRecord each (see `access`): what a log line
    cost was as much as the rest of serving a page from the page cache."""
    global _direct
    handler = BufferedStreamHandler(stream)
    handler.setFormatter(logging.Formatter(SERVER_FORMAT))
    log.addHandler(handler)
    log.propagate = False
    _direct = handler


def _timestamp(now: float) -> str:
    """`now` as logging's default asctime writes it (local time, `YYYY-MM-DD HH:MM:SS,mmm`)."""
    global _second
    second = int(now)
    if _second[0] != second:
        _second = (second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second)))
    return f"{_second[1]},{int((now - second) * 1000):03d}"


def access(method: str, path: str, status: int, elapsed_ms: float, suffix: str = "") -> None:
    """One request's line: `METHOD PATH STATUS 1.2ms[ suffix]` at INFO on `spacecoop.access`."""
    if not log.isEnabledFor(logging.INFO):
        return
    handler = _direct
    if handler is None or len(log.handlers) != 1 or log.filters:  # configured otherwise: as logging does it
        log.info("%s %s %d %.1fms%s", method, path, status, elapsed_ms, suffix)
        return
    handler.add(f"{_timestamp(time.time())} INFO {log.name}: {method} {path} {status} {elapsed_ms:.1f}ms{suffix}\n")


def query_hash(query: str) -> str:
    """A short, stable identifier of a query text."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class AccessLogMiddleware(HTTPMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # unless a response starts
        complete = disconnected = False

        async def receive_watched() -> Message:
            nonlocal disconnected
            message = await receive()
            if message["type"] == "http.disconnect" and not complete:
                disconnected = True
            return message

        async def send_logged(message: Message) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive_watched, send_logged)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            digest = scope.get("state", {}).get("query_hash")
            suffix = f" query={digest}" if digest else ""
            if disconnected:
                status, suffix = CLIENT_CLOSED_REQUEST, suffix + " client disconnected"
            access(scope["method"], scope["path"], status, elapsed, suffix)
