"""The embedded store: the release's on-disk store, queried through supervised Oxigraph servers.

`EngineStore.open(dist)` makes sure `dist/store/` holds the release (see
`oxigraph_store.prepare`) and starts `engine.Engines` on it. A query is
checked here (updates and SERVICE refused, nesting bounded: `query_policy`),
sent to an engine, and its answer is taken only once it is complete and valid:

* SELECT and ASK are asked for as SPARQL-JSON, which must parse whole (an
  engine that gives up mid-answer still says 200, with its error appended);
  rows are counted against the cap, and the answer goes out as it came, or is
  converted by pyoxigraph into the client's format;
* CONSTRUCT and DESCRIBE are asked for as N-Triples, parsed whole, counted,
  and serialised with the release's prefixes.

The time and memory limits are the engines' supervisor's (`engine`): a 503 at
the limit, never a partial answer.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
import rdflib

from spacecoop.engine import EngineLoop, Engines
from spacecoop.layout import Release
from spacecoop.namespaces import PREFIXES
from spacecoop.oxigraph_store import LoadedRelease, prepare, to_rdflib
from spacecoop.query_policy import ASK, GRAPH, MAX_NESTING, SELECT, SHORT_QUERY, check_query, check_query_cached
from spacecoop.store import (
    BackendUnavailable,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
)

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
SPARQL_QUERY = "application/sparql-query"

RESULTS_FORMATS = {
    SPARQL_JSON: ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
KIND_TIMEOUT = 5.0  # seconds to find the form of a query the tokenizer could not place


def _tsv(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


def serialize_solutions(variables: list[str], rows: list[ox.QuerySolution], media_type: str) -> bytes:
    """SPARQL results in `media_type`: TSV written here (terms in N-Triples syntax), the rest by pyoxigraph."""
    tsv = _tsv(variables, rows)
    if media_type == "text/tab-separated-values":
        return tsv
    parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=RESULTS_FORMATS[media_type])  # type: ignore[no-any-return]


def _cut_short(body: bytes, error: Exception) -> Exception:
    """What an answer that does not parse means: the engine stopped (its own time limit) or failed."""
    tail = body[-300:].decode("utf-8", "replace")
    if "cancelled" in tail.lower() or "timeout" in tail.lower():
        return QueryTimeout("the query was stopped at the time limit (the engine gave up mid-answer)")
    return BackendUnavailable(f"the query engine's answer was cut short ({error}): …{tail[-200:]}")


def _dataset(request: QueryRequest) -> str:
    """The protocol's dataset, as the engine's URL query; none: the store's default graph (the merge)."""
    pairs = [("default-graph-uri", g) for g in request.default_graph_uris]
    pairs += [("named-graph-uri", g) for g in request.named_graph_uris]
    for _, iri in pairs:
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise QuerySyntaxError(f"{iri!r} is not a valid graph IRI: {error}") from None
    return "?" + urlencode(pairs) if pairs else ""


class EngineStore:
    """The `spacecoop.store.Store` of the embedded store, evaluated by `engine.Engines`."""

    def __init__(
        self, loaded: LoadedRelease, engines: Engines, loop: EngineLoop | None, max_nesting: int = MAX_NESTING
    ) -> None:
        self._loaded = loaded
        self.max_nesting = max_nesting  # the query check's limit (query_policy), as the server's
        self.engines = engines
        self._loop = loop  # None: started for a server, driven from its loop once serve_here runs
        self._owned: EngineLoop | None = None

    @classmethod
    def open(
        cls, dist: Path, *, workers: int, memory_limit: int | None = None, serving: bool = False,
        max_nesting: int = MAX_NESTING,
    ) -> "EngineStore":
        """`workers` engines on the release in `dist`; `memory_limit`: bytes a query may add to one.
        The time limit is each request's (`execute`'s `timeout`), not the engines'.

        `serving`: the engines start on this thread (which must live as long as they do) and
        are driven from the server's loop after `serve_here`; otherwise from a loop of their own."""
        loaded = prepare(Release(dist))
        engines = Engines(loaded.path, workers, memory_limit=memory_limit)
        if serving:
            asyncio.run(engines.spawn())
            return cls(loaded, engines, None, max_nesting)
        loop = EngineLoop()
        try:
            loop.run(engines.start())
        except BaseException:
            loop.close()
            raise
        return cls(loaded, engines, loop, max_nesting)

    @property
    def _driver(self) -> EngineLoop:
        if self._loop is None:
            raise RuntimeError("the engines are driven from the server's loop once it runs (serve_here)")
        return self._loop

    @property
    def release_id(self) -> str:
        return self._loaded.release_id

    @property
    def sandboxed(self) -> bool:
        return self.engines.sandboxed

    def counts(self) -> dict[str, int]:
        return dict(self._loaded.counts)

    async def serve_here(self) -> None:
        """Drive the engines from the running loop (the server's) from now on."""
        if self._loop is not None and not self._loop.owned:
            return
        if self._loop is not None:  # opened with a loop of its own: its engines move here (the loop's
            self._owned = self._loop  # thread started them, and lives on until close: see Engines.spawn)
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.engines.detach(), self._owned.loop))
        await self.engines.attach()
        self._loop = EngineLoop(asyncio.get_running_loop())

    async def stop_serving(self) -> None:
        """Stop the engines from the server's loop, while it still runs."""
        if self._loop is not None and not self._loop.owned:
            await self.engines.close()

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close(self.engines.close)
        if self._owned is not None:
            self._owned.close()
        self.engines.kill()

    # -- the query's form ---------------------------------------------------------------

    def query_kind(self, query: str) -> str:
        kind = check_query(query, self.max_nesting)
        return kind if kind is not None else self._driver.run(self._engine_kind(query))

    async def _engine_kind(self, query: str) -> str:
        """The form of a query the tokenizer could not place: the engine's parser decides."""
        accept = f"{SPARQL_JSON}, {N_TRIPLES}"
        status, content_type, body = await self._send(QueryRequest(query), accept, KIND_TIMEOUT)
        if content_type.startswith(N_TRIPLES):
            return GRAPH
        try:
            return ASK if "boolean" in json.loads(body) else SELECT
        except ValueError as error:
            raise _cut_short(body, error) from None

    # -- evaluation ---------------------------------------------------------------------

    def execute(self, request: QueryRequest, media_type: str, *, timeout: float, max_rows: int | None) -> QueryResult:
        kind = self.query_kind(request.query)
        return self._driver.run(self._execute(request, kind, media_type, timeout, max_rows))

    async def execute_async(
        self, request: QueryRequest, media_type: str, *, timeout: float, max_rows: int | None,
        disconnected: "asyncio.Future[object] | None" = None,
    ) -> QueryResult:
        """`execute` from the server's event loop; `disconnected` completes when the client goes away."""
        if len(request.query) <= SHORT_QUERY:
            kind = check_query_cached(request.query, self.max_nesting)
        else:  # reading a long query's tokens would stall the event loop
            kind = await asyncio.to_thread(check_query, request.query, self.max_nesting)
        if kind is None:
            kind = await self._driver.submit(self._engine_kind(request.query), disconnected)
        return await self._driver.submit(self._execute(request, kind, media_type, timeout, max_rows), disconnected)

    async def _send(self, request: QueryRequest, accept: str, timeout: float) -> tuple[int, str, bytes]:
        status, content_type, body = await self.engines.request(
            _dataset(request), request.query.encode("utf-8"), SPARQL_QUERY, accept, timeout=timeout
        )
        if status == 200:
            return status, content_type, body
        message = body.decode("utf-8", "replace").strip()[:2000]
        if status == 400:
            raise QuerySyntaxError(message)
        if "cancelled" in message.lower() or "timeout" in message.lower():
            raise QueryTimeout(f"the query was stopped at the time limit of {timeout:g} s")
        raise BackendUnavailable(f"the query engine answered HTTP {status}: {message[:500]}")

    async def _execute(
        self, request: QueryRequest, kind: str, media_type: str, timeout: float, max_rows: int | None
    ) -> QueryResult:
        if kind == GRAPH:
            triples = await self._triples(request, timeout, max_rows)
            body = ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=PREFIXES)
            return QueryResult(kind, media_type, body or b"", len(triples))
        _, _, body = await self._send(request, SPARQL_JSON, timeout)
        try:
            document = json.loads(body)
        except ValueError as error:
            raise _cut_short(body, error) from None
        if "boolean" in document:
            if media_type != SPARQL_JSON:
                body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(
                    format=RESULTS_FORMATS[media_type])
            return QueryResult(ASK, media_type, body, None)
        rows = len(document["results"]["bindings"])
        if max_rows is not None and rows > max_rows:
            raise RowLimitExceeded(max_rows)
        if media_type != SPARQL_JSON:
            body = _convert_solutions(body, media_type)
        return QueryResult(SELECT, media_type, body, rows)

    async def _triples(self, request: QueryRequest, timeout: float, max_rows: int | None) -> list[ox.Triple]:
        _, _, body = await self._send(request, N_TRIPLES, timeout)
        try:
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as error:
            raise _cut_short(body, error) from None
        if max_rows is not None and len(triples) > max_rows:
            raise RowLimitExceeded(max_rows)
        return triples

    # -- terms, for pages and tools ------------------------------------------------------

    def select(self, query: str, *, timeout: float) -> list[dict[str, object]]:
        if self.query_kind(query) != SELECT:
            raise QuerySyntaxError("this is not a SELECT query")
        _, _, body = self._driver.run(self._send(QueryRequest(query), SPARQL_JSON, timeout))
        try:
            solutions = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            variables = [v.value for v in solutions.variables]
            rows = [tuple(row) for row in solutions]
        except SyntaxError as error:
            raise _cut_short(body, error) from None
        return [{name: to_rdflib(term) for name, term in zip(variables, row) if term is not None} for row in rows]

    def construct(self, query: str, *, timeout: float) -> rdflib.Graph:
        if self.query_kind(query) != GRAPH:
            raise QuerySyntaxError("this is not a CONSTRUCT or DESCRIBE query")
        triples = self._driver.run(self._triples(QueryRequest(query), timeout, None))
        graph = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def describe(self, iri: str, *, timeout: float) -> rdflib.Graph:
        """What the store says about one resource (SPARQL DESCRIBE)."""
        return self.construct(f"DESCRIBE <{ox.NamedNode(iri).value}>", timeout=timeout)


def _convert_solutions(body: bytes, media_type: str) -> bytes:
    solutions: Any = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    variables = [v.value for v in solutions.variables]
    return serialize_solutions(variables, list(solutions), media_type)
