"""One log line per request: method, path, status, duration, and the query's hash on /sparql.

The line is written when the response has been sent (or the request failed),
to the `spacecoop.access` logger. The path is logged without its query string:
a query's text can be long and personal, its hash is enough to find it again
(handlers put it in `request.state.query_hash`).
"""

from __future__ import annotations

import hashlib
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("spacecoop.access")


def query_hash(query: str) -> str:
    """A short, stable identifier of a query text."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            digest = scope.get("state", {}).get("query_hash")
            suffix = f" query={digest}" if digest else ""
            log.info("%s %s %d %.1fms%s", scope["method"], scope["path"], status, elapsed, suffix)
