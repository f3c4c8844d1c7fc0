"""Linked Data: every IRI of the dataset answers in a browser and in an RDF client.

`routes(settings, store)` returns the Starlette routes the server mounts:

| path | what |
|---|---|
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
| `/static/…` | CSS and the query page's script |

Canonical IRIs map onto the server's address (see `baseiri`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from spacecoop.store.protocol import Store
from spacecoop.web.pages import descriptions, documents, dumps, home, query, resources
from spacecoop.web.pages.site import STATIC_DIR, Config, Site

__all__ = ["routes", "site_routes", "Config", "Site"]


def _bind(site: Site, view: Callable[..., Any]) -> Callable[[Request], Any]:
    """A Starlette endpoint calling `view(site, request)`; sync views run in the thread pool."""
    import inspect

    if inspect.iscoroutinefunction(view):
        async def endpoint(request: Request) -> Response:
            return cast(Response, await view(site, request))
    else:
        def endpoint(request: Request) -> Response:  # type: ignore[misc]
            return cast(Response, view(site, request))
    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def routes(settings: Any, store: Store) -> list[BaseRoute]:
    """The Linked Data routes for a server with these settings and this store."""
    return site_routes(settings, store)[1]


def site_routes(settings: Any, store: Store) -> tuple[Site, list[BaseRoute]]:
    """The site (`Site.prepare` readies it) and its routes."""
    site = Site(Config.from_settings(settings), store)
    get = ["GET", "HEAD"]
    return site, [
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
        Route("/query", _bind(site, query.query_page), methods=["GET", "HEAD", "POST"], name="query"),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
