"""Resources (`/id/…`), the vocabulary (`/ontology`) and named graphs (`/graph/…`).

Each answers on the IRI itself (`Vary: Accept`, `Content-Location` naming the
variant), by extension (`/id/agency/cnsa.ttl`) and by `?format=`; every
representation lists the others in `Link: rel="alternate"` headers, and HTML
pages repeat them as `<link rel="alternate">` elements.
"""

from __future__ import annotations

import json
from typing import cast

import pyoxigraph as ox
from rdflib import XSD, Graph, Literal, URIRef
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from spacecoop.iris import GRAPH, ONTOLOGY_IRI, SCO
from spacecoop.rdf import formats
from spacecoop.store.protocol import StoreError
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http import problems as errors
from spacecoop.web.pages import search
from spacecoop.web.pages.baseiri import is_iri
from spacecoop.web.pages.describe import describe_query
from spacecoop.web.pages.rendering import (
    Rendered,
    construct_triples,
    serialize_quads,
    serialize_triples,
    to_graph,
)
from spacecoop.web.pages.representations import (
    BY_EXTENSION,
    DATASET_OR_HTML,
    GRAPH_OR_HTML,
    Choice,
    choose,
    serialize_graph,
)
from spacecoop.web.pages.resource_view import ViewBuilder, source_id_of
from spacecoop.web.pages.site import LANGUAGE_VARY, Page, Site, add_links, vary
from spacecoop.web.pages.vocabdoc import add_head_links, add_missing_terms, add_site_bar, anchor_terms

# The representations each lists in its links, in this order.
RDF_GRAPH_TYPES = (neg.HTML, neg.TURTLE, neg.JSON_LD, neg.N_TRIPLES, neg.RDF_XML)
DATASET_TYPES = (neg.HTML, neg.TRIG, neg.N_QUADS, neg.TURTLE, neg.JSON_LD, neg.N_TRIPLES, neg.RDF_XML)
JSONLD_CONTEXT = neg.JSON_LD


def split_extension(path: str) -> tuple[str, str | None]:
    """`id/agency/cnsa.ttl` -> (`id/agency/cnsa`, `ttl`); paths without a known extension are kept."""
    stem, dot, ext = path.rpartition(".")
    if dot and stem and "/" not in ext and ext.lower() in BY_EXTENSION:
        return stem, ext.lower()
    return path, None


def media_type_header(media_type: str) -> str:
    """The Content-Type value: textual formats say they are UTF-8."""
    binary = media_type in (formats.GZIP, "application/octet-stream")
    return media_type if binary else f"{media_type}; charset=utf-8"


def finish(page: Page, response: Response, choice: Choice, base_path: str, offered: tuple[str, ...],
           canonical: str | None) -> Response:
    """`Vary`, `Content-Location`, `Link` and the validators (304 when they match) shared by every negotiated view."""
    add_links(response, page.alternates(base_path, offered, exclude=choice.media_type), canonical=canonical)
    if choice.negotiated:
        vary(response, "Accept")
        response.headers["content-location"] = page.iris.path(f"{base_path}.{neg.EXTENSIONS[choice.media_type]}")
    if choice.media_type == neg.HTML:
        vary(response, *LANGUAGE_VARY)
    return page.conditional(response, choice.media_type)


def construct(site: Site, query: str) -> Graph:
    """A CONSTRUCT through the store, with `xsd:string` literals written plain (RDF 1.1 makes them equal)."""
    try:
        graph = cast(Graph, site.store.construct(query, timeout=site.config.query_timeout))
    except StoreError as error:
        raise errors.from_store(error) from error
    typed = [t for t in graph if isinstance(t[2], Literal) and t[2].datatype == XSD.string]
    for s, p, o in typed:
        graph.remove((s, p, o))
        graph.add((s, p, Literal(str(o))))
    return graph


def select(site: Site, query: str) -> list[dict[str, object]]:
    try:
        return site.store.select(query, timeout=site.config.query_timeout)
    except StoreError as error:
        raise errors.from_store(error) from error


# ---------------------------------------------------------------------------
# /id/…
# ---------------------------------------------------------------------------


def representation_key(site: Site, page: Page, kind: str, path: str, media_type: str) -> tuple[str, ...]:
    """What a rendered representation depends on: the release, the address links point at, the
    thing, the format and, for a page, the client's languages (`rendering.RenderCache`'s key)."""
    languages = tuple(page.languages) if media_type == neg.HTML else ()
    return (site.store.release_id, page.iris.server, kind, path, media_type, *languages)


def respond(page: Page, rendered: Rendered, choice: Choice, base_path: str, offered: tuple[str, ...],
            canonical: str | None) -> Response:
    """A rendered representation with its headers (`finish`); a 404 if there is none."""
    if rendered.status == 404:
        raise HTTPException(404, rendered.detail)
    return finish(page, Response(rendered.body, media_type=rendered.content_type), choice, base_path, offered,
                  canonical)


async def resource(site: Site, request: Request) -> Response:
    """A resource in any of its representations (see `describe` for what the description holds).

    Each representation is rendered once per release (`rendering`); a cached one is served from
    the event loop, a new one is rendered in a worker thread, a few at a time."""
    page = site.page(request)
    path, extension = split_extension("id/" + request.path_params["path"])
    choice = choose(request, GRAPH_OR_HTML, extension)
    iri = page.iris.dataset_iri(path)
    if iri is None:
        raise await missing_resource(site, page, path, "there is no resource with such an IRI in this dataset")
    key = representation_key(site, page, "id", path, choice.media_type)
    rendered = await site.renderer.get(key, lambda: render_resource(site, page, path, iri, choice.media_type))
    if rendered.status == 404:
        raise await missing_resource(site, page, path, rendered.detail or f"there is no resource <{iri}>")
    return respond(page, rendered, choice, path, RDF_GRAPH_TYPES, iri)


async def missing_resource(site: Site, page: Page, path: str, detail: str) -> errors.Problem:
    """The 404 of a resource the dataset does not have, suggesting the nearest ones it has (the search
    index is read, and built on first use, in a worker thread)."""
    return await run_in_threadpool(search.missing_resource, site, page, path, detail)


def render_resource(site: Site, page: Page, path: str, iri: str, media_type: str) -> Rendered:
    """One representation of a resource's description (one CONSTRUCT), or that there is none."""
    triples = construct_triples(site.store, describe_query(iri), site.config.query_timeout)
    node = ox.NamedNode(iri)
    if not any(t.subject == node for t in triples):
        return Rendered.missing(f"there is no resource <{iri}> in this dataset")
    if media_type == neg.HTML:
        graph = to_graph(triples)
        builder = ViewBuilder(site.vocabulary, page.iris, page.languages, sources=site.release.root / "sources",
                              gettext=page.messages.gettext)
        view = builder.build(iri, graph)
        template = view.template if site.template_exists(view.template) else "resource.html"
        alternates = page.alternates(path, RDF_GRAPH_TYPES, exclude=neg.HTML)
        html = page.render(template, {"view": view, "source_id": source_id_of(iri)}, alternates=alternates)
        return Rendered(cast(bytes, html.body), html.headers["content-type"])
    if media_type == neg.JSON_LD:
        body = serialize_graph(to_graph(triples), media_type, context=site.context, context_url=page.links.context)
    else:
        body = serialize_triples(triples, media_type)
    return Rendered(body, media_type_header(media_type))


# ---------------------------------------------------------------------------
# /ontology and /context.jsonld
# ---------------------------------------------------------------------------


def ontology(site: Site, request: Request) -> Response:
    """The vocabulary: its RDF files, or pyLODE's documentation anchored at every term."""
    page = site.page(request)
    extension = request.path_params.get("ext")
    choice = choose(request, GRAPH_OR_HTML, extension)
    if choice.media_type == neg.HTML:
        alternates = page.alternates("ontology", RDF_GRAPH_TYPES, exclude=neg.HTML)
        docs = site.release.docs_html
        if docs.exists():
            text = anchor_terms(docs.read_text(encoding="utf-8"), str(SCO))
            text = add_missing_terms(text, [
                (t.local_name, t.iri, site.vocabulary.label(t.iri, page.languages) or t.local_name,
                 str(t.definition) if t.definition else None)
                for t in sorted(site.vocabulary.terms.values(), key=lambda t: t.iri)
            ])
            text = add_head_links(text, [(a.media_type, a.href, a.label) for a in alternates])
            links = page.links
            gettext = page.messages.gettext
            text = add_site_bar(text, links.home, [
                (links.query, gettext("Query")), (links.search, gettext("Search")),
                (links.sparql, gettext("SPARQL endpoint")), (links.dumps, gettext("Dumps")),
            ])
            response: Response = HTMLResponse(text)
        else:
            response = page.render("vocabulary.html", {"vocabulary": site.vocabulary, "iri": ONTOLOGY_IRI},
                                   alternates=alternates)
    else:
        path = site.release.root / f"ontology.{neg.EXTENSIONS[choice.media_type]}"  # the release's file
        if path.exists():
            response = FileResponse(path, media_type=media_type_header(choice.media_type))
        else:
            body = serialize_graph(site.vocabulary.graph, choice.media_type)
            response = Response(body, media_type=media_type_header(choice.media_type))
    return finish(page, response, choice, "ontology", RDF_GRAPH_TYPES, ONTOLOGY_IRI)


def context(site: Site, request: Request) -> Response:
    """The JSON-LD context generated from the vocabulary."""
    body = json.dumps({"@context": site.context}, ensure_ascii=False, indent=2).encode("utf-8")
    response = Response(body, media_type=media_type_header(JSONLD_CONTEXT))
    add_links(response, [], canonical=site.config.base_iri + "context.jsonld")
    return response


# ---------------------------------------------------------------------------
# /graph/…
# ---------------------------------------------------------------------------


async def named_graph(site: Site, request: Request) -> Response:
    """One named graph (a document's, or sources/ontology/examples/inferred), rendered once per release."""
    page = site.page(request)
    name, extension = split_extension(request.path_params["name"])
    choice = choose(request, DATASET_OR_HTML, extension)
    graph_iri = f"{GRAPH}{name}"
    if not is_iri(graph_iri):
        raise HTTPException(404, "there is no named graph with such an IRI in this dataset")
    base_path = f"graph/{name}"
    key = representation_key(site, page, "graph", base_path, choice.media_type)
    rendered = await site.renderer.get(key, lambda: render_named_graph(site, page, name, graph_iri, choice.media_type))
    return respond(page, rendered, choice, base_path, DATASET_TYPES, graph_iri)


def render_named_graph(site: Site, page: Page, name: str, graph_iri: str, media_type: str) -> Rendered:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    triples = construct_triples(site.store, query, site.config.query_timeout)
    if not triples:
        return Rendered.missing(f"there is no named graph <{graph_iri}> in this dataset")
    base_path = f"graph/{name}"
    if media_type == neg.HTML:
        graph = to_graph(triples)
        builder = ViewBuilder(site.vocabulary, page.iris, page.languages, gettext=page.messages.gettext)
        subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)})
        entries = [(builder.value(graph, s), builder.properties(graph, s)) for s in subjects]
        entries.sort(key=lambda e: ((e[0].label or "").lower(), e[0].value))
        alternates = page.alternates(base_path, DATASET_TYPES, exclude=neg.HTML)
        source_id = (name if (graph_iri != str(GRAPH) and source_id_of(f"{site.config.base_iri}id/source/{name}"))
                     else None)
        has_source_page = source_id is not None and (site.release.root / "sources" / f"{name}.txt").exists()
        html = page.render(
            "graph.html",
            {"graph_iri": graph_iri, "entries": entries, "triples": len(graph),
             "source_page": page.iris.path(f"source/{name}") if has_source_page else None},
            alternates=alternates,
        )
        return Rendered(cast(bytes, html.body), html.headers["content-type"])
    if media_type in (neg.TRIG, neg.N_QUADS):
        body = serialize_quads(triples, graph_iri, media_type)
    elif media_type == neg.JSON_LD:
        body = serialize_graph(to_graph(triples), media_type, context=site.context, context_url=page.links.context)
    else:
        body = serialize_triples(triples, media_type)
    return Rendered(body, media_type_header(media_type))
