"""Search by label: `/search?q=` as a page or JSON, its OpenSearch description, and "did you mean".

`/search?q=shen&type=Mission&limit=20` answers with the resources whose labels
match (`spacecoop.web.pages.search_index` ranks them): a page in the site's
layout (`Accept: text/html`, `?format=html`) or JSON (`application/json`,
`?format=json`): `{"query", "type", "limit", "results": [{"iri", "href", "label",
"lang", "types": [{"iri", "label"}], "matched": {"label", "lang", "kind"}, "score"}]}`,
`label` and `lang` being the label shown for the client's languages and
`matched` the label the query matched. Without a query the page is the empty
search form; JSON needs one (400). `type` is a class of the vocabulary (its
local name, `sco:` name or IRI), members of its subclasses included; `limit` is
1 to 100. `/opensearch.xml` describes both at the address the client used, so
browsers offer the site's search.

`suggestions` gives the resources near a missing `/id/…` path for its 404.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rdflib import Literal
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from spacecoop.iris import SCO
from spacecoop.rdf import formats
from spacecoop.store.protocol import StoreError
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http import problems as errors
from spacecoop.web.pages.representations import choose
from spacecoop.web.pages.search_index import Entry, Hit, index_for
from spacecoop.web.pages.site import LANGUAGE_VARY, Alternate, Page, Site, add_links, vary

log = logging.getLogger("spacecoop.web.pages")

PAGE_OR_JSON = neg.FormatTable.of(*formats.named("html", "json"))
JSON = formats.JSON
OPENSEARCH = "application/opensearchdescription+xml"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY = 200  # characters
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Parameters:
    """A search request's parameters, checked."""

    query: str
    type: str | None  # a class IRI
    limit: int


def read_parameters(site: Site, request: Request, *, needs_query: bool) -> Parameters:
    """`q`, `type` and `limit`, or a 400 that says what is wrong with them."""
    params = request.query_params
    query = " ".join(params.get("q", "").split())
    if not query and needs_query:
        raise errors.bad_request("Give the text to search for as the q parameter, e.g. /search?q=Shenzhou.")
    if len(query) > MAX_QUERY:
        raise errors.bad_request(f"The query is {len(query)} characters long; at most {MAX_QUERY} are searched for.")
    return Parameters(query, class_of(site, params.get("type", "").strip()), limit_of(params.get("limit")))


def limit_of(value: str | None) -> int:
    if value is None or not value.strip():
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise errors.bad_request(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {value!r}.") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.bad_request(f"limit must be from 1 to {MAX_LIMIT}; {limit} was asked for.")
    return limit


def class_of(site: Site, value: str) -> str | None:
    """The IRI of the class `value` names (`Agency`, `sco:Agency` or the IRI); None for no filter."""
    if not value:
        return None
    iri = value if value.startswith(str(SCO)) else f"{SCO}{value.removeprefix('sco:')}"
    term = site.vocabulary.terms.get(iri)
    if term is None or term.kind != "class":
        examples = ", ".join(t.local_name for t in site.vocabulary.classes()[:3])
        raise errors.bad_request(f"type={value!r} names no class of the vocabulary; give a class's local name "
                                 f"(e.g. {examples}) or its IRI.")
    return iri


def _language(literal: Literal) -> str:
    return (literal.language or "").lower().split("-")[0]


def types_of(site: Site, entry: Entry, languages: list[str]) -> list[dict[str, str]]:
    """The entry's classes, most specific first, each labelled by the vocabulary (else by its local name)."""
    return [{"iri": c, "label": site.vocabulary.label(c, languages) or local_name(c)} for c in entry.classes]


def local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def result(site: Site, page: Page, hit: Hit) -> dict[str, Any]:
    """One hit as the page and the JSON show it."""
    label = hit.entry.label(page.languages)
    return {
        "iri": hit.entry.iri,
        "href": page.iris.to_server(hit.entry.iri),
        "label": str(label),
        "lang": _language(label),
        "types": types_of(site, hit.entry, page.languages),
        "matched": {"label": hit.matched.text, "lang": hit.matched.lang, "kind": hit.matched.kind},
        "score": hit.score,
    }


def search(site: Site, request: Request) -> Response:
    """Resources by label, best match first, as a page or as JSON."""
    page = site.page(request)
    choice = choose(request, PAGE_OR_JSON, None)
    params = read_parameters(site, request, needs_query=choice.media_type == JSON)
    hits: list[Hit] = []
    if params.query:
        try:
            index = index_for(site)
        except StoreError as error:
            raise errors.from_store(error) from error
        hits = index.search(params.query, limit=params.limit, within=params.type, languages=page.languages)
    data = {
        "query": params.query,
        "type": params.type,
        "limit": params.limit,
        "results": [result(site, page, hit) for hit in hits],
    }
    query = f"?{request.url.query}&" if request.url.query else "?"
    base = page.iris.path("search")
    if choice.media_type == JSON:
        response: Response = JSONResponse(data)
        add_links(response, [Alternate(neg.HTML, f"{base}{query}format=html", "HTML")])
    else:
        classes = sorted(({"iri": t.iri, "name": t.local_name,
                           "label": site.vocabulary.label(t.iri, page.languages) or t.local_name}
                          for t in site.vocabulary.classes()), key=lambda c: c["label"].casefold())
        alternates = [Alternate(JSON, f"{base}{query}format=json", "JSON")] if params.query else []
        response = page.html("search.html", {"data": data, "classes": classes}, alternates=alternates)
    vary(response, *LANGUAGE_VARY)  # labels (and the page's interface) are in the client's languages
    if choice.negotiated:
        vary(response, "Accept")
    return page.conditional(response, choice.media_type)


def opensearch(site: Site, request: Request) -> Response:
    """The OpenSearch 1.1 description of `/search`, at the address the client used."""
    page = site.page(request)
    body = site.templates.get_template("opensearch.xml").render(site=page.links, search=page.iris.path("search"))
    response = Response(body, media_type=f"{OPENSEARCH}; charset=utf-8")
    return page.conditional(response, OPENSEARCH)


# ---------------------------------------------------------------------------
# Did you mean
# ---------------------------------------------------------------------------


def suggestions(site: Site, page: Page, path: str) -> list[dict[str, str]]:
    """Links to the resources nearest a missing `id/{segment}/{slug}` path (none when the index fails)."""
    _, _, rest = path.partition("/")
    segment, _, slug = rest.partition("/")
    try:
        index = index_for(site)
    except StoreError as error:
        log.warning("no suggestions for a missing resource: %s", error)
        return []
    if not slug:  # `/id/cnsa`: the kind is missing, the slug is all there is
        segment, slug = "", segment
    near = index.nearest(segment, slug, limit=MAX_SUGGESTIONS)
    return [{"href": page.iris.to_server(entry.iri), "label": _suggestion_label(site, entry, page.languages)}
            for entry in near]


def _suggestion_label(site: Site, entry: Entry, languages: list[str]) -> str:
    types = types_of(site, entry, languages)
    label = str(entry.label(languages))
    return f"{label} ({types[0]['label']})" if types else label


def missing_resource(site: Site, page: Page, path: str, detail: str) -> errors.Problem:
    """The 404 of a resource that is not in the dataset, with the nearest ones as `suggestions`."""
    near = suggestions(site, page, path)
    return errors.Problem(404, detail, extensions={"suggestions": near} if near else {})
