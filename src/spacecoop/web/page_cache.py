"""Whole responses of the Linked Data pages, kept for the release's life and sent before routing.

The release a server serves never changes, so a page's answer depends only on the
request: its path and query string, and the headers it varies on (the `Cookie` among them:
the language switch's cookie chooses a page's language as `Accept-Language` does). `PageCache` sits
in front of routing (after the forwarded headers of untrusted peers are dropped, so
`Host` and the proxy's headers in the key are the ones the page used) and keeps an
answer when the application marks it as one representation of the release:

* a GET of a Linked Data path (`/id/…`, `/graph/…`, `/class/…`, `/source/…`,
  `/ontology…`, `/void…`, `/`), without a body or conditional headers;
* status 200 with an `ETag`, `Cache-Control` neither `no-store` nor `private`,
  `Vary` naming only headers of the key, no `Set-Cookie`, and the whole body in
  one message of at most `max_entry` bytes.

A kept answer is sent again byte for byte (the application's headers, CORS
included) and logged to `spacecoop.access` as the application would log it. A
conditional request (If-None-Match …) and anything else go through the
application, whose own render cache answers them. Entries are bounded in bytes,
least recently used out first (`spacecoop.store.lru.ByteLRU`).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spacecoop.store.lru import ByteLRU, CacheStats
from spacecoop.web.http.access_log import access

PATHS = ("/id/", "/graph/", "/class/", "/source/", "/ontology", "/void")
KEY_HEADERS = (b"accept", b"accept-language", b"cookie", b"host", b"forwarded", b"x-forwarded-proto",
               b"x-forwarded-host", b"x-forwarded-prefix", b"x-forwarded-port")
VARY_OK = frozenset({"accept", "accept-language", "cookie"})
# A request with any of these is answered by the application.
BYPASS = frozenset({b"if-none-match", b"if-modified-since", b"if-match", b"if-unmodified-since", b"if-range",
                    b"range", b"content-length", b"transfer-encoding", b"cache-control", b"pragma"})
ENTRY_OVERHEAD = 512  # bytes counted per entry besides its body (key, headers, bookkeeping)
MAX_ENTRY = 1 << 20


PageCacheStats = CacheStats  # the counters of every byte-bounded cache: hits, misses, entries, bytes


class PageCache:
    def __init__(self, app: ASGIApp, max_bytes: int, max_entry: int = MAX_ENTRY,
                 stats: PageCacheStats | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._entries: ByteLRU[tuple[object, ...], tuple[Message, Message]] = ByteLRU(
            max_bytes, max_entry=max_entry, stats=stats if stats is not None else PageCacheStats())
        self.stats = self._entries.stats

    def _key(self, scope: Scope) -> tuple[object, ...] | None:
        if scope["type"] != "http" or scope["method"] != "GET" or self.max_bytes <= 0:
            return None
        path: str = scope["path"]
        if path != "/" and not path.startswith(PATHS):
            return None
        found: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in BYPASS:
                return None
            if name in KEY_HEADERS:
                if name in found:  # a repeated header: the application decides what it means
                    return None
                found[name] = value
        return (path, scope.get("query_string", b""), scope.get("scheme"), scope.get("root_path", ""),
                *(found.get(name) for name in KEY_HEADERS))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        hit = self._entries.get(key)
        if hit is not None:
            started = time.perf_counter()
            start, body = hit
            await send(start)
            await send(body)
            access("GET", scope["path"], start["status"], (time.perf_counter() - started) * 1000)
            return
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            if len(sent) < 3:
                sent.append(message)
            await send(message)

        await self.app(scope, receive, keep)
        self._store(key, sent)

    def _store(self, key: tuple[object, ...], sent: list[Message]) -> None:
        if len(sent) != 2 or sent[0]["type"] != "http.response.start" or sent[1]["type"] != "http.response.body":
            return
        start, body = sent
        if start["status"] != 200 or body.get("more_body", False):
            return
        headers = {name.lower(): value for name, value in start.get("headers", [])}
        control = headers.get(b"cache-control", b"").lower()
        vary = {v.strip() for v in headers.get(b"vary", b"").decode("latin-1").lower().split(",") if v.strip()}
        if b"etag" not in headers or b"no-store" in control or b"private" in control or not vary <= VARY_OK:
            return
        if b"set-cookie" in headers:  # a cookie is one client's: never sent to another
            return
        size = len(body.get("body", b"")) + ENTRY_OVERHEAD + sum(len(n) + len(v) for n, v in start["headers"])
        if not self._entries.fits(size):
            return
        kept = ({"type": "http.response.start", "status": 200, "headers": list(start["headers"])},
                {"type": "http.response.body", "body": bytes(body.get("body", b""))})
        self._entries.put(key, kept, size)
