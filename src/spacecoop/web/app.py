"""The web application: `create_app(settings, store)`, and `routes(site)`, every route of the server.

| path | what |
|---|---|
| `/sparql` | the SPARQL 1.1 Protocol; without a query, the service description |
| `/health` | liveness, the release served, the engines' and caches' counters (JSON) |
| `/` | home: the dataset, class counts, sources, links (HTML; JSON twin) |
| `/id/{…}` (`.ttl` `.jsonld` `.nt` `.rdf` `.html`, `?format=`) | a resource's description |
| `/ontology` (`.ttl` …) | the vocabulary: RDF, or pyLODE's page anchored at every term |
| `/context.jsonld` | the JSON-LD context generated from the vocabulary |
| `/graph/{name}` (`.trig` `.nq` `.ttl` …) | one named graph (one per source document) |
| `/source/{source-id}` (`.txt`) | an article with its evidence quotes marked |
| `/class/{name}?page=` | the members of a class, paged by label |
| `/dumps/`, `/dumps/{file}` | the release files (checksums, ranges, conditional GET) |
| `/void`, `/.well-known/void`, `/dcat`, `/catalog` | VoID and DCAT descriptions |
| `/query` | a SPARQL page with the example queries |
| `/search?q=&type=&limit=` | resources by label (HTML; JSON twin) |
| `/opensearch.xml` | the OpenSearch description of `/search` |
| `/changes` | the diff to the previous release the release keeps (HTML; JSON twin) |
| `/lang?to=&next=` | the interface's language switch (a cookie; see `spacecoop.web.i18n`) |
| `/static/…` | CSS and the query page's script |

The Linked Data views (`spacecoop.web.pages`) take the `Site` and the request.
Nothing is created at import time: the caller opens the store, builds the app,
runs it and closes the store.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from spacecoop.store.answer_cache import AnswerCache
from spacecoop.store.lru import CacheStats
from spacecoop.store.protocol import Store
from spacecoop.web.http import problems as errors
from spacecoop.web.http.access_log import AccessLogMiddleware
from spacecoop.web.http.cors import CORSMiddleware
from spacecoop.web.http.limits import BodyDeadlineMiddleware
from spacecoop.web.http.proxies import ForwardedHeadersMiddleware, TrustedPeers
from spacecoop.web.page_cache import PageCache, PageCacheStats
from spacecoop.web.pages import changes, descriptions, documents, dumps, home, language, query, resources, search
from spacecoop.web.pages.site import STATIC_DIR, Config, Site
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
    body["answer_cache"] = _cache_counters(answers.max_bytes // 2**20, answers.stats)
    body["page_cache"] = _cache_counters(request.app.state.settings.page_cache, request.app.state.page_cache)
    status = 200 if body["status"] == "ok" else 503  # a probe restarts a server that cannot answer queries
    return JSONResponse(body, status, headers={"Cache-Control": "no-store"})


def _cache_counters(megabytes: int, stats: CacheStats) -> dict[str, int]:
    """A cache's size limit and counters, as /health reports them."""
    return {"megabytes": megabytes, "entries": stats.entries, "bytes": stats.bytes, "hits": stats.hits,
            "misses": stats.misses}


def _bind(site: Site, view: Callable[..., Any]) -> Callable[[Request], Any]:
    """A Starlette endpoint calling `view(site, request)`; sync views run in the thread pool."""
    if inspect.iscoroutinefunction(view):
        async def endpoint(request: Request) -> Response:
            return cast(Response, await view(site, request))
    else:
        def endpoint(request: Request) -> Response:  # type: ignore[misc]
            return cast(Response, view(site, request))
    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def routes(site: Site) -> list[BaseRoute]:
    """Every route of the server, in the order they are matched."""
    get = ["GET", "HEAD"]
    return [
        Route("/sparql", sparql.sparql, methods=["GET", "HEAD", "POST", "OPTIONS"], name="sparql"),
        Route("/health", health, methods=get, name="health"),
        Route("/", _bind(site, home.home), methods=get, name="home"),
        Route("/id/{path:path}", _bind(site, resources.resource), methods=get, name="resource"),
        Route("/ontology", _bind(site, resources.ontology), methods=get, name="ontology"),
        Route("/ontology.{ext}", _bind(site, resources.ontology), methods=get, name="ontology-file"),
        Route("/context.jsonld", _bind(site, resources.context), methods=get, name="context"),
        Route("/graph/{name:path}", _bind(site, resources.named_graph), methods=get, name="graph"),
        Route("/source/{source_id}", _bind(site, documents.source_page), methods=get, name="source"),
        Route("/class/{name}", _bind(site, home.class_listing), methods=get, name="class"),
        Route("/dumps/", _bind(site, dumps.listing), methods=get, name="dumps"),
        Route("/dumps", _bind(site, dumps.listing), methods=get, name="dumps-bare"),
        Route("/dumps/{path:path}", _bind(site, dumps.dump_file), methods=get, name="dump"),
        Route("/void", _bind(site, descriptions.void), methods=get, name="void"),
        Route("/void.{ext}", _bind(site, descriptions.void), methods=get, name="void-file"),
        Route("/.well-known/void", _bind(site, descriptions.void), methods=get, name="well-known-void"),
        Route("/dcat", _bind(site, descriptions.dcat), methods=get, name="dcat"),
        Route("/dcat.{ext}", _bind(site, descriptions.dcat), methods=get, name="dcat-file"),
        Route("/catalog", _bind(site, descriptions.dcat), methods=get, name="catalog"),
        Route("/lang", _bind(site, language.switch), methods=get, name="language"),
        Route("/query", _bind(site, query.query_page), methods=["GET", "HEAD", "POST"], name="query"),
        Route("/search", _bind(site, search.search), methods=get, name="search"),
        Route("/changes", _bind(site, changes.changes), methods=get, name="changes"),
        Route("/opensearch.xml", _bind(site, search.opensearch), methods=get, name="opensearch"),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]


def create_app(settings: Settings, store: Store) -> Starlette:
    site = Site(Config.from_settings(settings), store)  # `prepare`d when the server starts

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A store that talks to its engines from an event loop moves onto the server's.
        serve_here, stop_serving = getattr(store, "serve_here", None), getattr(store, "stop_serving", None)
        if serve_here is not None:
            await serve_here()
        try:  # the first pages then render as fast as the next ones
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
        routes=routes(site),
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
