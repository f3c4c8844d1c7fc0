"""The web application: `create_app(settings, store)`.

The routing table is below, in one screen. `/sparql` and `/health` are the
server's own; the Linked Data routes (`/`, `/id/…`, `/ontology`, `/dumps/`,
`/void`, `/query`, …) come from `spacecoop.web.pages.routes` when that
package is installed. Nothing is created at import time: the caller opens the
store, builds the app, runs it and closes the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from spacecoop.store.answer_cache import AnswerCache
from spacecoop.store.protocol import Store
from spacecoop.web.http import problems as errors
from spacecoop.web.http.access_log import AccessLogMiddleware
from spacecoop.web.http.cors import CORSMiddleware
from spacecoop.web.http.limits import BodyDeadlineMiddleware
from spacecoop.web.http.proxies import ForwardedHeadersMiddleware, TrustedPeers
from spacecoop.web.page_cache import PageCache, PageCacheStats
from spacecoop.web.settings import Settings
from spacecoop.web.sparql import endpoint as sparql
from spacecoop.web.sparql.service_description import ServiceDescription

log = logging.getLogger(__name__)


async def health(request: Request) -> JSONResponse:
    """Liveness, and which release this process serves."""
    store: Store = request.app.state.store
    counts = store.counts()
    body: dict[str, object] = {
        "status": "ok",
        "release": store.release_id,
        "process": os.getpid(),  # one of `processes`, each with its own engines, caches and counts
        "processes": request.app.state.settings.processes,
        "graphs": len(counts),
        "triples": sum(counts.values()),
    }
    engines = getattr(store, "engines", None)
    if engines is not None:
        running = len(engines.pids())
        if running == 0:
            body["status"] = "no query engine is running"
        body["query_engines"] = {
            "size": engines.size,
            "running": running,
            "sandboxed": engines.sandboxed,
            "queries": engines.stats.queries,
            "retried": engines.stats.retried,
            "timeouts": engines.stats.timeouts,
            "memory_stops": engines.stats.memory,
            "abandoned": engines.stats.abandoned,
            "crashes": engines.stats.crashes,
            "restarts": engines.stats.restarts,
            "lowered": engines.stats.lowered,
        }
    answers: AnswerCache = request.app.state.answers
    body["answer_cache"] = {
        "megabytes": answers.max_bytes // 2**20,
        "entries": answers.stats.entries,
        "bytes": answers.stats.bytes,
        "hits": answers.stats.hits,
        "misses": answers.stats.misses,
    }
    pages: PageCacheStats = request.app.state.page_cache
    body["page_cache"] = {
        "megabytes": request.app.state.settings.page_cache,
        "entries": pages.entries,
        "bytes": pages.bytes,
        "hits": pages.hits,
        "misses": pages.misses,
    }
    status = 200 if body["status"] == "ok" else 503  # a probe restarts a server that cannot answer queries
    return JSONResponse(body, status, headers={"Cache-Control": "no-store"})


def _linked_data(settings: Settings, store: Store) -> tuple[Any, list[BaseRoute]]:
    """The Linked Data site and its routes."""
    from spacecoop.web import pages as linkeddata

    return linkeddata.site_routes(settings, store)


def create_app(settings: Settings, store: Store) -> Starlette:
    site, pages = _linked_data(settings, store)
    routes: list[BaseRoute] = [
        Route("/sparql", sparql.sparql, methods=["GET", "HEAD", "POST", "OPTIONS"], name="sparql"),
        Route("/health", health, methods=["GET", "HEAD"], name="health"),
        *pages,
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A store that talks to its engines from an event loop moves onto the server's.
        serve_here, stop_serving = getattr(store, "serve_here", None), getattr(store, "stop_serving", None)
        if serve_here is not None:
            await serve_here()
        if site is not None:  # the first pages then render as fast as the next ones
            try:
                await asyncio.to_thread(site.prepare)
            except Exception as error:  # each page that needs what is missing says so itself
                log.warning("the Linked Data pages could not be prepared: %s", error)
        log.info("serving release %s (%d named graphs)", store.release_id, len(store.counts()))
        yield
        if stop_serving is not None:
            await stop_serving()
        log.info("stopped serving release %s", store.release_id)

    page_cache = PageCacheStats()
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(ForwardedHeadersMiddleware, trusted=TrustedPeers.parse(settings.forwarded_allow_ips)),
            # Whole Linked Data answers, sent again before routing (the release never changes).
            Middleware(PageCache, max_bytes=settings.page_cache * 2**20, stats=page_cache),
            Middleware(AccessLogMiddleware),
            Middleware(CORSMiddleware),
            Middleware(BodyDeadlineMiddleware, seconds=settings.body_timeout),
        ],
        exception_handlers=errors.HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.site = site
    app.state.page_cache = page_cache
    app.state.answers = AnswerCache(settings.answer_cache * 2**20)
    app.state.service_description = ServiceDescription(store, settings, settings.release_dir)
    return app
