"""/sparql: the SPARQL 1.1 Protocol, read-only.

A query arrives by GET (`?query=`), by POST of a form, or by POST of
`application/sparql-query`; `default-graph-uri` / `named-graph-uri` choose
the dataset. The steps, each with its own error:

1. read the operation (400 malformed request or text that is not UTF-8, 413
   body too large, 415 wrong body type or charset; an update by any route is
   refused with 403);
2. check the query before anything runs (403 for SERVICE and updates, 400 for
   a query nested deeper than --max-nesting) and find its form;
3. negotiate the format for that form (406 naming what is offered);
4. answer 304 if the client holds this answer already (ETag from the release,
   the query, the dataset and the format);
5. reuse the answer if this server computed it already (see answer_cache.py), or
   evaluate in the store without blocking the event loop (DESCRIBE: the shared
   resource description, see describe.py; 400 syntax error with the parser's
   position, 503 time or memory limit, 422 too many rows).

A browser is shown the query page (`spacecoop.web.pages.query`) where a
client of the protocol gets data: without a query when it prefers HTML to the
RDF of the service description; with a query when it prefers HTML to every
format of the answer and names none with `format`/`output` (and no dataset
parameters), the page with that query and its answer, as `/query?query=…`.
Every other request is the protocol's, unchanged.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from spacecoop.rdf.formats import SPARQL_QUERY
from spacecoop.store import policy as query_policy
from spacecoop.store import prefixes
from spacecoop.store.answer_cache import AnswerCache
from spacecoop.store.protocol import (
    QueryRequest,
    QueryResult,
    Store,
    StoreError,
)
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http import problems as errors
from spacecoop.web.http.access_log import query_hash
from spacecoop.web.http.conditional import etag_matches
from spacecoop.web.pages import query as query_page
from spacecoop.web.pages.baseiri import server_base
from spacecoop.web.pages.representations import serialize_graph
from spacecoop.web.pages.site import LANGUAGE_VARY, Site
from spacecoop.web.settings import Settings
from spacecoop.web.sparql import describe
from spacecoop.web.sparql import service_description as sd

log = logging.getLogger("spacecoop.web")

# Request bodies besides SPARQL_QUERY (`spacecoop.rdf.formats`).
FORM = "application/x-www-form-urlencoded"
SPARQL_UPDATE = "application/sparql-update"
ALLOWED = "GET, HEAD, POST, OPTIONS"
INLINE_CHECK = query_policy.SHORT_QUERY  # characters: a longer query is checked in the thread pool


@dataclass(frozen=True)
class Operation:
    """What a request asks for, whichever way it was sent."""

    query: str | None
    update: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # the `format` and `output` parameters, in order


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise errors.bad_request("The Content-Length header is not a number.")
        if int(declared) > limit:
            raise errors.payload_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.payload_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, charset: str) -> str:
    """The body as text: the protocol's encoding is UTF-8, whatever else a client declares."""
    try:
        utf8 = codecs.lookup(charset).name == "utf-8"
    except LookupError:
        utf8 = False
    if not utf8:
        raise errors.unsupported_charset(charset)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.bad_request("The request body is not valid UTF-8 text.") from None


def _parameters(encoded: bytes | str, where: str) -> list[tuple[str, str]]:
    """Name-value pairs of a query string or form; 400 if a value is not UTF-8 once percent-decoded
    (Starlette would put U+FFFD in its place and the query would run changed)."""
    try:
        text = encoded.decode("utf-8") if isinstance(encoded, bytes) else encoded
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise errors.bad_request(f"The {where}'s percent-encoded values are not valid UTF-8.") from None


def _content_type(request: Request) -> tuple[str, str]:
    """The body's media type (lower case) and charset (utf-8 unless stated)."""
    media_type, *params = request.headers.get("content-type", "").split(";")
    charset = "utf-8"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or charset
    return media_type.strip().lower(), charset


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise errors.bad_request(f"The {name} parameter was given {len(values)} times; give it once.")
    return values[0] if values else None


def _operation(params: dict[str, list[str]], body_query: str | None = None) -> Operation:
    query = _one(params, "query")
    if body_query is not None:
        if query is not None:
            raise errors.bad_request("The query was sent both in the body and as a query parameter; send it once.")
        query = body_query
    update = _one(params, "update")
    if query is not None and update is not None:
        raise errors.bad_request("A request carries a query or an update, not both.")
    return Operation(
        query=query,
        update=update,
        default_graphs=tuple(params.get("default-graph-uri", [])),
        named_graphs=tuple(params.get("named-graph-uri", [])),
        formats=(*params.get("format", []), *params.get("output", [])),
    )


async def read_operation(request: Request, max_body: int) -> Operation:
    params: dict[str, list[str]] = {}
    for name, value in _parameters(request.scope.get("query_string", b""), "query string"):
        params.setdefault(name, []).append(value)
    if request.method != "POST":
        return _operation(params)
    media_type, charset = _content_type(request)
    if media_type not in (FORM, SPARQL_QUERY, SPARQL_UPDATE):
        raise errors.unsupported_media_type(media_type, (SPARQL_QUERY, FORM))
    text = _decode(await read_body(request, max_body), charset)
    if media_type == SPARQL_UPDATE:
        return Operation(query=None, update=text)
    if media_type == SPARQL_QUERY:
        return _operation(params, body_query=text)
    for name, value in _parameters(text, "form"):
        params.setdefault(name, []).append(value)
    return _operation(params)


def _named(table: neg.FormatTable, value: str) -> set[str]:
    """The media types a format value names: a short name, a media type, or a list of media types."""
    return {media_type for item in value.split(",") if (media_type := table.from_format_parameter(item))}


def choose_format(table: neg.FormatTable, accept: str | None, formats: tuple[str, ...]) -> str | None:
    """The media type to answer with, or None (406): the `format`/`output` parameters win over Accept.

    Clients repeat them: SPARQLWrapper sends `format` and `output` each twice, a short name
    and a list of media types (`format=json-ld&format=application/ld+json,...`). They are
    one choice if every value that names a format here names the same one (or a list that
    holds it); values that name none are ignored beside one that does. Values that name
    different formats are a contradiction: 400 naming them.
    """
    given = [value for value in dict.fromkeys(formats) if value.strip()]
    if not given:
        return table.negotiate(accept)
    named = {value: types for value in given if (types := _named(table, value))}
    if not named:
        return None
    common = set.intersection(*named.values())
    if not common:
        listed = " and ".join(repr(value) for value in named)
        raise errors.bad_request(
            f"The format and output parameters name different formats ({listed}); give one format."
        )
    return next(media_type for media_type in table.media_types if media_type in common)


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    """The store's errors as the responses the client gets (`errors.from_store`)."""
    try:
        yield
    except StoreError as error:
        raise errors.from_store(error) from None


def entity_tag(release_id: str, media_type: str, operation: Operation) -> str:
    """A validator for one answer: the same release, query, dataset and format give the same answer."""
    digest = hashlib.sha256()
    for part in (release_id, media_type, operation.query or "", *operation.default_graphs, "\x01",
                 *operation.named_graphs):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    # Weak: the answer means the same, but its bytes (e.g. the order of unordered rows) may differ.
    return f'W/"{digest.hexdigest()[:32]}"'


def _as_sent(store: Store, query: str) -> str:
    """The text the store evaluates: the query with the predeclared prefixes it uses declared
    (`service-usage:x` is a name there, not SERVICE glued to something)."""
    declared = getattr(store, "declared", None)
    if declared is not None:
        return cast(str, declared(query).text)
    return prefixes.declare(query, prefixes.predeclared(store)).text


def _checked_kind(query: str, sent: str, max_nesting: int) -> str | None:
    """The policy's verdict on the text sent; a nesting refusal placed in the client's text."""
    check = query_policy.check_query_cached if len(sent) <= INLINE_CHECK else query_policy.check_query
    try:
        return check(sent, max_nesting)
    except query_policy.QueryTooComplex:
        offset = query_policy.nesting(query, max_nesting) if sent is not query else None
        if offset is None:
            raise
        raise query_policy.refuse_nesting(query, offset, max_nesting) from None


async def _query_kind(store: Store, query: str, max_nesting: int) -> str:
    with store_errors():
        sent = _as_sent(store, query)
        if len(sent) <= INLINE_CHECK:
            kind = _checked_kind(query, sent, max_nesting)
        else:  # reading a long query's tokens takes long enough to stall other requests
            kind = await run_in_threadpool(_checked_kind, query, sent, max_nesting)
        if kind is None:  # no form the tokenizer knows: the store's parser has the last word
            kind = await run_in_threadpool(store.query_kind, query)
    return kind


def _execute(
    store: Store, settings: Settings, operation: Operation, media_type: str, abandoned: threading.Event
) -> QueryResult:
    request = QueryRequest(operation.query or "", operation.default_graphs, operation.named_graphs, abandoned)
    with store_errors():
        return store.execute(request, media_type, timeout=settings.time_limit, max_rows=settings.max_rows)


async def _disconnect(request: Request) -> None:
    """Returns when the client has gone away."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _evaluate(
    request: Request, store: Store, settings: Settings, operation: Operation, media_type: str
) -> QueryResult:
    """Evaluate without blocking the event loop; if the client disconnects meanwhile, the store is told.

    A store with `execute_async` (the embedded one) runs the query from the
    event loop itself; any other store runs `_execute` in the thread pool.
    """
    watcher = asyncio.ensure_future(_disconnect(request))
    try:
        execute_async = getattr(store, "execute_async", None)
        if execute_async is None:
            abandoned = threading.Event()
            watcher.add_done_callback(lambda _: abandoned.set())
            return await run_in_threadpool(_execute, store, settings, operation, media_type, abandoned)
        query = QueryRequest(operation.query or "", operation.default_graphs, operation.named_graphs)
        with store_errors():
            return cast(QueryResult, await execute_async(
                query, media_type, timeout=settings.time_limit, max_rows=settings.max_rows, disconnected=watcher
            ))
    finally:
        watcher.cancel()


def _formats(kind: str) -> tuple[neg.FormatTable, str]:
    if kind == query_policy.GRAPH:
        return neg.RDF, "CONSTRUCT and DESCRIBE queries"
    return neg.RESULTS, "SELECT and ASK queries"


async def sparql(request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": ALLOWED})
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    operation = await read_operation(request, settings.max_body)
    if operation.update is not None:
        raise errors.refused(str(query_policy.check_update(operation.update)))
    if operation.query is None:
        if request.method == "POST":
            raise errors.bad_request(
                f"No query: send query=… as a form, or the query as a body of type {SPARQL_QUERY}."
            )
        return await service_description(request, operation)
    request.state.query_hash = query_hash(operation.query)
    if not operation.query.strip():
        raise errors.bad_request("The query is empty.")

    kind = await _query_kind(store, operation.query, settings.max_nesting)
    table, what = _formats(kind)
    site = _site(request)
    if site is not None and wants_page(table, request.headers.get("accept"), operation):
        with store_errors():
            response = await query_page.endpoint_page(site, request, operation.query)
        response.headers["Vary"] = ", ".join(("Accept", *LANGUAGE_VARY))
        return response
    media_type = choose_format(table, request.headers.get("accept"), operation.formats)
    if media_type is None:
        raise errors.not_acceptable(table, what, ", ".join(operation.formats) or None)
    headers = {
        "Vary": "Accept",
        "Spacecoop-Release": store.release_id,
        errors.ROW_LIMIT_HEADER: str(settings.max_rows),
    }
    if request.method in ("GET", "HEAD"):
        headers["ETag"] = entity_tag(store.release_id, media_type, operation)
        headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
        if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
            return Response(status_code=304, headers=headers)

    answers: AnswerCache = request.app.state.answers
    key = answers.key(media_type, operation.query, operation.default_graphs, operation.named_graphs)
    result = answers.get(key)
    if result is None:
        result = await _answer(request, store, settings, operation, kind, media_type)
        answers.put(key, result)
    if result.rows is not None:
        headers["Spacecoop-Result-Rows"] = str(result.rows)
    return Response(result.body, headers=headers, media_type=media_type)


async def _answer(
    request: Request, store: Store, settings: Settings, operation: Operation, kind: str, media_type: str
) -> QueryResult:
    if kind == query_policy.GRAPH and query_policy.form(operation.query or "") == "describe" and not (
        operation.default_graphs or operation.named_graphs
    ):
        # DESCRIBE gives the description the resource pages use (see server/describe.py).
        with store_errors():
            graph = await run_in_threadpool(
                describe.describe, store, cast(str, operation.query), time_limit=settings.time_limit,
                max_rows=settings.max_rows,
            )
        return QueryResult(kind, media_type, serialize_graph(graph, media_type))
    return await _evaluate(request, store, settings, operation, media_type)


def _site(request: Request) -> Site | None:
    """The application's Linked Data site (its pages), if it has one."""
    return getattr(request.app.state, "site", None)


def wants_page(table: neg.FormatTable, accept: str | None, operation: Operation) -> bool:
    """A browser's request for an answer: it prefers HTML to every format of `table` (a tie goes to
    the data), names no format, and asks of the default dataset (which the page queries)."""
    if operation.formats or operation.default_graphs or operation.named_graphs or not accept:
        return False
    return neg.negotiate(accept, (*table.media_types, *table.aliases, neg.HTML)) == neg.HTML


def _facts(request: Request) -> query_page.EndpointFacts:
    """What the endpoint's page says of it: the service description's facts."""
    store: Store = request.app.state.store
    settings: Settings = request.app.state.settings
    description: sd.ServiceDescription = request.app.state.service_description
    dataset = sd._main_dataset(description.void)
    return query_page.EndpointFacts(
        release=store.release_id,
        graphs=tuple(sorted(store.counts().items())),
        dataset=str(dataset) if dataset is not None else None,
        time_limit=settings.time_limit,
        query_memory=settings.query_memory,
        max_rows=settings.max_rows,
        description_formats=tuple((fmt.media_type, fmt.parameters[0], fmt.label) for fmt in sd.PAGE_FORMATS),
    )


async def _endpoint_page(request: Request) -> bytes | None:
    """The query page with the endpoint's facts, or None if the application has no site or the
    page cannot be rendered (the service description's own page stands in)."""
    site = _site(request)
    if site is None:
        return None
    try:
        facts = await run_in_threadpool(_facts, request)
        return bytes((await query_page.endpoint_page(site, request, None, facts)).body)
    except Exception:
        log.exception("the query page could not be rendered for the SPARQL endpoint")
        return None


async def service_description(request: Request, operation: Operation) -> Response:
    store: Store = request.app.state.store
    settings: Settings = request.app.state.settings
    media_type = choose_format(neg.RDF_OR_HTML, request.headers.get("accept"), operation.formats)
    if media_type is None:
        raise errors.not_acceptable(neg.RDF_OR_HTML, "the service description", ", ".join(operation.formats) or None)
    endpoint = str(request.url.replace(query=""))
    # The description states the limits: a change of settings changes it as a new release would.
    version = f"{store.release_id}/{settings.time_limit}/{settings.max_rows}/{settings.query_memory}"
    vary = "Accept"
    site = _site(request)
    if media_type == neg.HTML:  # the page's links are at the address the client sees (behind a proxy too)
        version += f"/{server_base(request)}"
        if site is not None:  # and it speaks the client's language (the query page's wording and labels)
            version += "/" + "/".join(site.page(request).languages)
            vary = ", ".join(("Accept", *LANGUAGE_VARY))
    headers = {"Vary": vary, "ETag": entity_tag(version, media_type, Operation(endpoint, None))}
    headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    body = await _endpoint_page(request) if media_type == neg.HTML else None
    if body is None:
        body = request.app.state.service_description.render(endpoint, media_type, request)
    return Response(body, headers=headers, media_type=media_type)
