"""What a client may hold of the server: the size and time of a request's head, the time of its body.

uvicorn bounds idle keep-alive connections (`timeout_keep_alive`) and answers
503 beyond a number of connections (`limit_concurrency`), but its httptools
protocol reads a request head of any size for any time: ten connections that
send an unterminated 100 MB header take a gigabyte. `LimitedHttpToolsProtocol`
(passed to uvicorn as `http=`) adds what nginx has as
`large_client_header_buffers` and `client_header_timeout`:

* a head (request line and header fields) over `max_header_bytes` gets 431
  and the connection is closed, as soon as that many bytes have arrived;
* a connection that has not sent a complete head within `header_timeout`
  seconds of connecting (or of starting the next request) is closed, with 408
  if it had started one.

It also stops gracefully: on shutdown uvicorn closes every connection that has
no response in progress, which resets a request the client has already sent
but the server has not read yet. Such a connection is kept until that request
is answered (with `Connection: close`).

`BodyDeadlineMiddleware` bounds the time to receive a request's body (a client
that sends `Content-Length` and then a byte at a time gets 408).
"""

from __future__ import annotations

import array
import asyncio
import fcntl
import functools
import logging
import termios
from collections.abc import Callable
from typing import Any

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from spacecoop.web.http import problems as errors
from spacecoop.web.http.middleware import HTTPMiddleware

log = logging.getLogger("spacecoop.http")


def head_too_large_detail(limit: int) -> str:
    return f"The request line and header fields are larger than this server's limit of {limit} bytes."


def protocol(max_header_bytes: int, header_timeout: float) -> Callable[..., HttpToolsProtocol]:
    """What uvicorn's `http=` takes: it makes one protocol per connection with `config`, `server_state`..."""
    return functools.partial(LimitedHttpToolsProtocol, max_header_bytes=max_header_bytes, header_timeout=header_timeout)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None, *, max_header_bytes: int,
                 header_timeout: float) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_header_bytes = max_header_bytes
        self.header_timeout = header_timeout
        self.head_received: int | None = 0  # bytes of the head being read; None while a body or answer is
        self.head_size = 0  # the current head's URL and fields as parsed
        self.head_timer: asyncio.TimerHandle | None = None
        self.stopping = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.head_received is not None:
            self.head_received += len(data)
        super().data_received(data)
        # The head is still incomplete: refuse it once it is known to be too large, before it is kept.
        if self.head_received is not None and self.head_received > self.max_header_bytes:
            self._refuse(431, head_too_large_detail(self.max_header_bytes))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_size = 0
        if self.head_timer is None:
            self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self.head_size += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self.head_size += len(name) + len(value) + 4  # ": " and CRLF

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        self.head_received = None
        if self.head_size > self.max_header_bytes:
            # The head ended within the last bytes read: answered the way uvicorn answers 503 beyond
            # limit_concurrency, by an app of its own, and the connection closes after it.
            self.app = PlainTextResponse(
                head_too_large_detail(self.max_header_bytes), 431, headers={"Connection": "close"}
            )
        super().on_headers_complete()
        if self.stopping:
            self.cycle.keep_alive = False

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.head_received = 0  # what comes next is the next request's head

    def shutdown(self) -> None:
        """Close the connection now only if no request has arrived on it that is yet to be answered."""
        self.stopping = True
        if self.cycle is not None and not self.cycle.response_complete:
            last = self.pipeline[0][0] if self.pipeline else self.cycle
            last.keep_alive = False
        elif not self.head_received and not self._unread_bytes():
            self.transport.close()

    def _unread_bytes(self) -> int:
        """Bytes the client has sent that the kernel holds and the event loop has not read yet."""
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return 0
        count = array.array("i", [0])
        try:
            fcntl.ioctl(sock.fileno(), termios.FIONREAD, count)
        except OSError:
            return 0
        return count[0]

    def _start_head_timer(self) -> None:
        self.head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.head_received and (self.cycle is None or self.cycle.response_complete):
            self._refuse(408, f"The request head did not arrive within {self.header_timeout:g} seconds.")
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        """Answer `status` before the request has a head to hand to the app, and close the connection."""
        if self.transport.is_closing():
            return
        self._stop_head_timer()
        client = f"{self.client[0]}:{self.client[1]:d}" if self.client else "?"
        log.warning("%d to %s: %s", status, client, detail)
        body = detail.encode("ascii")
        head = [STATUS_LINE[status]]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


class CoalescingTransport:
    """A transport whose writes within one turn of the event loop leave as one.

    uvicorn writes a response's head and its body separately: two system calls, each
    of which, on loopback, also does the receiving side's work. Held until the end of
    the turn (or a close), a small answer leaves in one write, for about a tenth of
    the server's CPU time per answered query. Everything else is the transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)

    def flush(self) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class BodyDeadlineMiddleware(HTTPMiddleware):
    """408 for a request whose body has not arrived within `seconds` of its head."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        super().__init__(app)
        self.seconds = seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        deadline = asyncio.get_running_loop().time() + self.seconds
        complete = False

        async def receive_by_deadline() -> Message:
            nonlocal complete
            if complete:  # later reads wait for a disconnect, which takes as long as the answer
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise errors.Problem(
                    408, f"The request body did not arrive within {self.seconds:g} seconds.",
                    headers={"Connection": "close"},
                ) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, receive_by_deadline, send)
