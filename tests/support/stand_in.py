"""A store whose answers a test decides, for the web layer run in-process."""

from __future__ import annotations

from spacecoop.store.protocol import QueryRequest, QueryResult


class StandInStore:
    """A Store whose answers the test decides."""

    release_id = "stand-in"

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.requests: list[QueryRequest] = []

    def query_kind(self, query: str) -> str:
        return "select"

    def execute(self, request, media_type, *, timeout, max_rows) -> QueryResult:
        self.requests.append((request, timeout, max_rows))
        if self.failure is not None:
            raise self.failure
        return QueryResult("select", media_type, b'{"head":{"vars":[]},"results":{"bindings":[]}}', 0)

    def select(self, query, *, timeout):
        return []

    def construct(self, query, *, timeout):
        from rdflib import Graph

        return Graph()

    def counts(self) -> dict[str, int]:
        return {"https://w3id.org/spacecoop/graph/doc": 1}

    def close(self) -> None:
        pass
