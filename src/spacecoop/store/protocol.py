"""The small interface every query backend implements.

The server, the resource pages and `spacecoop query` only talk to a `Store`.
The embedded pyoxigraph backend implements it first; a remote SPARQL 1.1
endpoint (Virtuoso, Fuseki, ...) implements the same methods later, so the
front end and its safety rules stay the same whatever answers the queries.

Every method that evaluates a query takes a time limit and raises
`QueryTimeout` when it is reached, after the evaluation has really stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from spacecoop.errors import StoreError as StoreError  # the base, shared with the release database


class QuerySyntaxError(StoreError):
    """The query does not parse: the caller's fault (HTTP 400).

    Its text (`str`) is for people: where, and what is wrong (see `parse_errors`).
    `parser_message` is the parser's own message (the text itself when there is
    none), and `line` and `column` (1-based, in characters) the position in the
    query as the client wrote it, when known."""

    def __init__(self, message: str, *, parser_message: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.parser_message = message if parser_message is None else parser_message
        self.line = line
        self.column = column


class QueryRefused(StoreError):
    """The query is well formed but not allowed here (update, LOAD, SERVICE): HTTP 400/403."""


class QueryTimeout(StoreError):
    """The time limit was reached and the evaluation was stopped (HTTP 503)."""


class QueryMemoryExceeded(StoreError):
    """The query needed more memory than allowed and was stopped (HTTP 503)."""


class BackendUnavailable(StoreError):
    """An external store failed or cannot be reached (HTTP 502): neither the client's fault nor a bug here."""


class RowLimitExceeded(StoreError):
    """The result has more rows than the configured cap (the client is told, never truncated)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the result has more than {limit} rows")
        self.limit = limit


@dataclass(frozen=True)
class QueryRequest:
    """One SPARQL query with the dataset the protocol asked for."""

    query: str
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()
    # Set by the server when the client has gone away: a store may stop evaluating then.
    abandoned: threading.Event | None = field(default=None, compare=False, repr=False)


@dataclass
class QueryResult:
    """A serialised answer: `kind` is 'select', 'ask' or 'graph'; `body` is in `media_type`."""

    kind: str
    media_type: str
    body: bytes
    rows: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Store(Protocol):
    """What the front end needs from a backend: query, describe, counts."""

    @property
    def release_id(self) -> str:
        """Identifies the data served (the manifest's release id); part of every ETag."""
        ...

    def query_kind(self, query: str) -> str:
        """'select', 'ask' or 'graph' (CONSTRUCT/DESCRIBE); raises QuerySyntaxError/QueryRefused."""
        ...

    def execute(
        self, request: QueryRequest, media_type: str, *, timeout: float, max_rows: int | None
    ) -> QueryResult:
        """Evaluate and serialise into `media_type` (a format `query_kind` allows)."""
        ...

    def select(self, query: str, *, timeout: float) -> list[dict[str, object]]:
        """Rows of a SELECT as rdflib terms keyed by variable name (for pages and tools)."""
        ...

    def construct(self, query: str, *, timeout: float) -> object:
        """The rdflib.Graph of a CONSTRUCT/DESCRIBE (for pages and resource descriptions)."""
        ...

    def counts(self) -> dict[str, int]:
        """Triples per named graph (graph IRI -> count), for /health, the home page and VoID."""
        ...

    def close(self) -> None:
        """Release processes, files and connections."""
        ...
