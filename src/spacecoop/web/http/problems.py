"""Error responses: one shape for every route.

A handler raises a `Problem` built by one of the small functions below: the
status and a message that tells the caller what to change. The response is
RFC 9457 `application/problem+json` (type, title, status, detail, and the
problem's extension members, e.g. the parser's own message or suggested
addresses), or for a browser the site's error page (`spacecoop.web.error_pages`), and carries the
CORS headers itself, so even a 500 produced outside the middleware stack is
readable by a browser client.

Anything unexpected is not a Problem: it propagates, is logged with its
traceback, and the client gets a plain 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from spacecoop.store.policy import QueryTooComplex
from spacecoop.store.protocol import (
    BackendUnavailable,
    QueryMemoryExceeded,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    StoreError,
)
from spacecoop.web.error_pages import error_page
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http.cors import CORS_HEADERS

ROW_LIMIT_HEADER = "Spacecoop-Row-Limit"


@dataclass
class Problem(Exception):
    status: int
    detail: str
    title: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # RFC 9457 extension members, sent beside the standard ones (JSON values; never "type", "title",
    # "status" or "detail"). `suggestions`, a list of {"href", "label"}, is also shown on the error page.
    extensions: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.title = self.title or HTTPStatus(self.status).phrase


def bad_request(detail: str) -> Problem:
    return Problem(400, detail)


def malformed_query(parser_message: str, sentence: str | None = None, *, line: int | None = None,
                    column: int | None = None) -> Problem:
    """A query that does not parse: `sentence` (the store's, `parse_errors`) says where and why; the
    parser's own message (`parser_message`) and the position (`line`, `column`: 1-based, in characters,
    in the client's query) are extension members."""
    extensions: dict[str, Any] = {"parser_message": parser_message}
    if line is not None and column is not None:
        extensions.update(line=line, column=column)
    return Problem(400, f"The query does not parse: {sentence or parser_message}", "Malformed query",
                   extensions=extensions)


def query_too_complex(reason: str) -> Problem:
    """A query nested deeper than --max-nesting: a request to simplify, not a policy refusal."""
    return Problem(400, reason, "Query too complex")


def unsupported_charset(charset: str) -> Problem:
    return Problem(
        415,
        f"The request body is declared as charset={charset!r}; the SPARQL Protocol requires UTF-8. "
        "Send the query encoded as UTF-8 (charset=utf-8, or no charset).",
    )


def refused(reason: str) -> Problem:
    return Problem(403, reason, "Refused: read-only endpoint")


def not_acceptable(table: neg.FormatTable, what: str, format: str | None = None) -> Problem:
    asked = f"format={format!r} names no format" if format else "None of the types in your Accept header is"
    names = ", ".join(sorted(table.names))
    return Problem(
        406,
        f"{asked} available for {what}. This endpoint offers {table.describe()} "
        f"(or the format parameter: {names}).",
        headers={"Vary": "Accept"},
    )


def payload_too_large(limit: int) -> Problem:
    return Problem(
        413,
        f"The request body is larger than this server's limit of {limit} bytes. "
        "Send a shorter query (e.g. with PREFIX declarations instead of repeated IRIs).",
    )


def unsupported_media_type(content_type: str, accepted: tuple[str, ...]) -> Problem:
    return Problem(
        415,
        f"A POST body of type {content_type or '(none)'!r} is not a SPARQL query. "
        f"Send one of: {', '.join(accepted)}.",
    )


def too_many_rows(limit: int) -> Problem:
    return Problem(
        422,
        f"The result has more than {limit} rows, this server's limit; nothing was truncated. "
        "Add LIMIT and OFFSET to read it in pages, or aggregate it.",
        "Result too large",
        headers={ROW_LIMIT_HEADER: str(limit)},
    )


def time_limit_reached(detail: str) -> Problem:
    return Problem(
        503,
        f"Time limit reached: {detail}. The query was stopped and no partial result was sent. "
        "Simplify it (more specific patterns, LIMIT) and try again.",
        "Query time limit reached",
    )


def memory_limit_reached(detail: str) -> Problem:
    return Problem(
        503,
        f"Memory limit reached: {detail}. The query was stopped and no partial result was sent. "
        "Avoid sorting or grouping very large intermediate results (add selective patterns, LIMIT).",
        "Query memory limit reached",
    )


def backend_failed(detail: str) -> Problem:
    """The external SPARQL store (serve --backend) failed or cannot be reached: not the client's fault."""
    return Problem(502, f"{detail}. The query was not answered; try again later.", "Backend store failed")


def from_store(error: StoreError) -> Problem:
    """The answer to a store's error, the same on every route (the endpoint, the pages)."""
    if isinstance(error, QuerySyntaxError):
        return malformed_query(error.parser_message, str(error), line=error.line, column=error.column)
    if isinstance(error, QueryTooComplex):
        return query_too_complex(str(error))
    if isinstance(error, QueryRefused):
        return refused(str(error))
    if isinstance(error, QueryTimeout):
        return time_limit_reached(str(error))
    if isinstance(error, QueryMemoryExceeded):
        return memory_limit_reached(str(error))
    if isinstance(error, RowLimitExceeded):
        return too_many_rows(error.limit)
    if isinstance(error, BackendUnavailable):
        return backend_failed(str(error))
    return backend_failed(f"the store failed: {error}")


def internal_error() -> Problem:
    return Problem(500, "The server failed to answer; the error has been logged.")


def problem_response(request: Request, problem: Problem) -> Response:
    headers = {**CORS_HEADERS, "Cache-Control": "no-store", **problem.headers}
    headers["Vary"] = "Accept"
    if neg.PROBLEM.negotiate(request.headers.get("accept")) == neg.HTML:
        page = error_page(request, problem.status, problem.title, problem.detail,
                          suggestions=problem.extensions.get("suggestions", ()))
        return Response(page, problem.status, headers, media_type=neg.HTML)
    body = {**problem.extensions, "type": "about:blank", "title": problem.title, "status": problem.status,
            "detail": problem.detail}
    return Response(json.dumps(body), problem.status, headers, media_type=neg.PROBLEM_JSON)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(request, exc)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404 no such route, 405 wrong method) in the same shape."""
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else ""
    if exc.status_code == 404 and not detail:
        detail = f"Nothing is published at {request.url.path}. The SPARQL endpoint is /sparql."
    elif exc.status_code == 405 and not detail:
        detail = f"{request.method} is not allowed here. Allowed: {(exc.headers or {}).get('Allow', 'GET')}."
    problem = Problem(exc.status_code, detail or HTTPStatus(exc.status_code).phrase, headers=dict(exc.headers or {}))
    return problem_response(request, problem)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Starlette re-raises the exception after this response; uvicorn logs its traceback.
    return problem_response(request, internal_error())


HANDLERS = {Problem: _on_problem, HTTPException: _on_http_exception, Exception: _on_unexpected}
