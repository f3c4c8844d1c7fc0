"""The release's descriptions of itself: VoID (`/void`, `/.well-known/void`) and DCAT (`/dcat`, `/catalog`).

Both are built into `dist/` with canonical IRIs (`void:dataDump
<https://w3id.org/spacecoop/dumps/data.nq>`) and served as they are in any
RDF format, or as a page whose links point at this server.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from spacecoop.web.http import negotiation as neg
from spacecoop.web.i18n import N_
from spacecoop.web.pages.representations import GRAPH_OR_HTML, choose, serialize_graph
from spacecoop.web.pages.resource_view import ViewBuilder
from spacecoop.web.pages.resources import RDF_GRAPH_TYPES, finish, media_type_header
from spacecoop.web.pages.site import Site


@lru_cache(maxsize=8)
def _parse(path: Path, mtime: float) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def load(path: Path) -> Graph:
    if not path.exists():
        raise HTTPException(404, f"this release has no {path.name}")
    return _parse(path, path.stat().st_mtime)


def description(site: Site, request: Request, *, name: str, path: Path, title: str, canonical: str) -> Response:
    page = site.page(request)
    # The route's {ext} as written: an extension that names no format is a 404, not the default format.
    choice = choose(request, GRAPH_OR_HTML, request.path_params.get("ext"))
    graph = load(path)
    if choice.media_type == neg.HTML:
        builder = ViewBuilder(site.vocabulary, page.iris, page.languages, gettext=page.messages.gettext)
        subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)})
        entries = [(builder.value(graph, s), builder.properties(graph, s)) for s in subjects]
        response: Response = page.render(
            "graph.html",
            {"graph_iri": canonical, "entries": entries, "triples": len(graph), "source_page": None, "title": title},
            alternates=page.alternates(name, RDF_GRAPH_TYPES, exclude=neg.HTML),
        )
    else:
        body = serialize_graph(graph, choice.media_type, context=site.context, context_url=page.links.context)
        response = Response(body, media_type=media_type_header(choice.media_type))
    return finish(page, response, choice, name, RDF_GRAPH_TYPES, canonical)


def void(site: Site, request: Request) -> Response:
    return description(site, request, name="void", path=site.release.void_ttl,
                       title=N_("VoID description"), canonical=site.config.base_iri + "void")


def dcat(site: Site, request: Request) -> Response:
    return description(site, request, name="dcat", path=site.release.dcat_ttl,
                       title=N_("DCAT catalogue"), canonical=site.config.base_iri + "dcat")
