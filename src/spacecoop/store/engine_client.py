"""HTTP/1.1 to the query engines: kept-alive connections, responses parsed by httptools.

The engines are our own Oxigraph servers on loopback, so the client needs
little: POST a query, read a whole response (chunked or with a length), keep
the connection for the next one. aiohttp's client did that for 250 µs of CPU a
request on this machine; an asyncio protocol with httptools (the C parser
uvicorn uses, already a dependency) does it for about 35 µs, and on a 2-core
machine that CPU is the front end's throughput.

A connection whose response is abandoned (the deadline, a client gone) is
closed, never reused. A connection the engine closed between two requests
fails the next request with ConnectionError: the caller sends it again.
"""

from __future__ import annotations

import asyncio

import httptools


class EngineConnection(asyncio.Protocol):
    """One kept-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self._waiter: asyncio.Future[tuple[int, str, bytes]] | None = None
        self._body: list[bytes] = []
        self._content_type = ""

    # -- asyncio.Protocol -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"the engine's answer is not HTTP: {error}"))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionResetError("the engine closed the connection"))

    # -- httptools callbacks ----------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"content-type":
            self._content_type = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        answer = (self.parser.get_status_code(), self._content_type, b"".join(self._body))
        if not self.parser.should_keep_alive():
            self.abort()
        self._body, self._content_type = [], ""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    # -- use --------------------------------------------------------------------------

    def request(
        self, target: bytes, body: bytes, content_type: bytes, accept: bytes
    ) -> asyncio.Future[tuple[int, str, bytes]]:
        """Send a POST; the future gives (status, content type, body) once the whole answer is in."""
        assert self.transport is not None and self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(
            b"POST %s HTTP/1.1\r\nHost: engine\r\nContent-Type: %s\r\nAccept: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (target, content_type, accept, len(body), body)
        )
        return self._waiter

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


class EnginePool:
    """Idle kept-alive connections to one engine."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._idle: list[EngineConnection] = []

    async def post(self, target: bytes, body: bytes, content_type: bytes, accept: bytes) -> tuple[int, str, bytes]:
        """One request on an idle connection (or a new one); ConnectionError if the engine closed it."""
        connection = None
        while self._idle and connection is None:
            candidate = self._idle.pop()
            connection = None if candidate.closed else candidate
        if connection is None:
            _, connection = await asyncio.get_running_loop().create_connection(EngineConnection, self.host, self.port)
        try:
            answer = await connection.request(target, body, content_type, accept)
        except BaseException:
            connection.abort()  # abandoned mid-answer (or broken): never reused
            raise
        if not connection.closed:
            self._idle.append(connection)
        return answer

    def close(self) -> None:
        while self._idle:
            self._idle.pop().abort()
