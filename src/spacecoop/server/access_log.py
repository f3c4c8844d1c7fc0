"""One log line per request: method, path, status, duration, and the query's hash on /sparql.

The line is written when the response has been sent (or the request failed),
to the `spacecoop.access` logger. A client that went away before its response
was complete is logged with status 499 ("client closed request", as nginx
does) and the words "client disconnected": whatever the handler answered
then (e.g. the 503 of a query stopped because nobody waits for it) was never
received. The path is logged without its query string:
a query's text can be long and personal, its hash is enough to find it again
(handlers put it in `request.state.query_hash`).
"""

from __future__ import annotations

import hashlib
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("spacecoop.access")

CLIENT_CLOSED_REQUEST = 499


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
            log.info("%s %s %d %.1fms%s", scope["method"], scope["path"], status, elapsed, suffix)
