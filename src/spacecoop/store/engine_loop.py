"""Where the query engines' coroutines run: one event loop, and the ways into it from elsewhere.

The engines are driven from one event loop (`EngineLoop`): a thread of their
own until the server starts, then the server's loop, so that a query costs no
hop between threads; page renderers in the thread pool reach them with `run`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from spacecoop.store.protocol import QueryTimeout

T = TypeVar("T")


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
