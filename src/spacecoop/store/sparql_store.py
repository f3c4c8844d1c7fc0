"""The one `Store` the server queries: a SPARQL 1.1 protocol client with the front end's rules.

`SparqlStore` holds what a served store must do whatever evaluates the query:

* the predeclared prefixes (`prefixes`): a query may use the release's prefixes
  without declaring them; the store declares those it uses, on a line of their
  own before its text, and says the parser's errors of the client's text, as one
  sentence (`parse_errors`);
* the query check (updates and SERVICE refused, nesting bounded: `query_policy`)
  on the text the backend gets, then the backend's verdict on a form the tokenizer
  could not place;
* an answer taken only once it is whole and valid: SELECT and ASK are asked for as
  SPARQL-JSON, which must parse (an engine that gives up mid-answer still says 200,
  with its error appended), CONSTRUCT and DESCRIBE as N-Triples, parsed whole;
* the row cap, counted on that answer (the client is told, never given a cut);
* the client's format, written here (pyoxigraph), with the release's prefixes;
* the time limit: at the deadline the request is abandoned and QueryTimeout raised
  (the backend decides what happens to the query: see its `send`).

What differs between stores is the `Backend`, the transport and its dialect:
`engine_store.EngineBackend` (Oxigraph servers spacecoop starts on the release,
killed and restarted at the limits) and `remote_store.HttpBackend` (an external
endpoint: Virtuoso, Fuseki, QLever, GraphDB…, with the release's dataset named in
each request, DESCRIBE answered as the embedded store answers it, and its own
ways of saying "timeout").

A store serves from an event loop: its own thread's until a server calls
`serve_here` from its loop (then a query costs no hop between threads); the
synchronous methods (`execute`, `select`, `construct`, for pages and tools) wait
on that loop from any other thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, Protocol, cast

import pyoxigraph as ox
import rdflib

from spacecoop.iris import PREFIXES
from spacecoop.rdf import formats
from spacecoop.rdf.terms import from_sparql_json, to_rdflib
from spacecoop.store.engine_loop import EngineLoop
from spacecoop.store.parse_errors import explain
from spacecoop.store.policy import (
    ASK,
    GRAPH,
    MAX_NESTING,
    SELECT,
    SHORT_QUERY,
    QueryTooComplex,
    check_query,
    check_query_cached,
    nesting,
    refuse_nesting,
)
from spacecoop.store.prefixes import DEFAULT, Declared, declare
from spacecoop.store.protocol import (
    BackendUnavailable,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
)

SPARQL_JSON = formats.SPARQL_RESULTS_JSON  # what SELECT and ASK are asked for
N_TRIPLES = formats.N_TRIPLES  # what CONSTRUCT and DESCRIBE are asked for

# The formats a client may get, by media type: the writers of /sparql's answers.
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    fmt.media_type: fmt.results for fmt in formats.of_kind(formats.RESULTS) if fmt.results is not None
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    fmt.media_type: fmt.rdf for fmt in formats.of_kind(formats.GRAPH) if fmt.rdf is not None
}


DECLARED_KEPT = 1024  # short queries whose declared text is kept per store


class Backend(Protocol):
    """What evaluates the queries, reached over the SPARQL 1.1 protocol."""

    name: str  # for messages: "the query engine", "the backend http://…"
    # True when its SPARQL-JSON is pyoxigraph's own (passed on as it is); False: every term
    # is read and written again, so that the client gets what the embedded store would give.
    canonical: bool

    async def send(self, request: QueryRequest, accept: str, timeout: float) -> bytes:
        """The whole body of a 200 answer to `request`, within `timeout` seconds; StoreError otherwise."""
        ...

    async def form(self, query: str, kind: str | None) -> str:
        """The query's form (SELECT, ASK or GRAPH), given the tokenizer's (`kind`, None if it could
        not tell); may check the syntax (QuerySyntaxError)."""
        ...

    async def describe(self, request: QueryRequest, timeout: float) -> QueryRequest | None:
        """The request to send for a DESCRIBE (itself, or a CONSTRUCT; None: nothing to describe)."""
        ...

    async def attach(self) -> None:
        """Move onto the running loop (a server's), from the store's own."""
        ...

    async def detach(self) -> None:
        """Leave the store's own loop (run there before `attach`)."""
        ...

    async def aclose(self) -> None:
        """Stop, from the loop it runs on."""
        ...

    def kill(self) -> None:
        """Stop from any thread, at the end (what `aclose` could not stop)."""
        ...


def _tsv(variables: list[str], rows: list[Any]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


def serialize_solutions(variables: list[str], rows: list[Any], media_type: str) -> bytes:
    """SPARQL results in `media_type`: TSV written here (terms in N-Triples syntax), the rest by pyoxigraph."""
    tsv = _tsv(variables, rows)
    if media_type == formats.TSV:
        return tsv
    parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    return cast(bytes, parsed.serialize(format=RESULTS_FORMATS[media_type]))  # no output: returns the bytes


def _boolean_body(value: bool, media_type: str) -> bytes:
    parsed = ox.parse_query_results(json.dumps({"head": {}, "boolean": value}), ox.QueryResultsFormat.JSON)
    return cast(bytes, parsed.serialize(format=RESULTS_FORMATS[media_type]))  # no output: returns the bytes


class _Terms:
    """SPARQL-JSON terms as pyoxigraph terms; blank-node labels made valid, one node per label."""

    def __init__(self) -> None:
        self._bnodes: dict[str, ox.BlankNode] = {}

    def term(self, value: dict[str, Any]) -> Any:
        try:
            return from_sparql_json(value, self._bnodes)
        except ValueError as error:
            raise BackendUnavailable(f"{error} in the answer") from None


def _solutions(document: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    variables = list(document.get("head", {}).get("vars", []))
    terms = _Terms()
    try:
        rows = [[terms.term(b[v]) if v in b else None for v in variables]
                for b in document.get("results", {}).get("bindings", [])]
    except (ValueError, TypeError, AttributeError) as error:
        raise BackendUnavailable(f"a term of the answer is not valid RDF: {error}") from None
    return variables, rows


class SparqlStore:
    """The `spacecoop.store.protocol.Store` over a `Backend`: the query check, whole answers, the row cap, formats."""

    def __init__(self, backend: Backend, release_id: str, counts: dict[str, int], loop: EngineLoop | None, *,
                 max_nesting: int = MAX_NESTING, prefixes: Mapping[str, str] | None = None) -> None:
        self.backend = backend
        # The prefixes a query may use without declaring them (prefix → namespace, in order): the release's.
        self.prefixes: dict[str, str] = dict(prefixes or DEFAULT)
        # A short query's declared text, kept: the endpoint's check and the evaluation both ask for it.
        self._declared_short = functools.lru_cache(maxsize=DECLARED_KEPT)(self._declare)
        self._release_id = release_id
        self._counts = dict(counts)
        self.max_nesting = max_nesting  # the query check's limit (query_policy), as the server's
        self._loop = loop  # None: driven from a server's loop once serve_here runs
        self._owned: EngineLoop | None = None

    @property
    def _driver(self) -> EngineLoop:
        if self._loop is None:
            raise RuntimeError("this store is driven from the server's loop once it runs (serve_here)")
        return self._loop

    @property
    def release_id(self) -> str:
        return self._release_id

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    # -- which loop drives it -----------------------------------------------------------

    async def serve_here(self) -> None:
        """Drive the backend from the running loop (the server's) from now on."""
        if self._loop is not None and not self._loop.owned:
            return
        if self._loop is not None:  # its own loop's thread lives on until close (see Engines.spawn)
            self._owned = self._loop
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.backend.detach(), self._owned.loop))
        await self.backend.attach()
        self._loop = EngineLoop(asyncio.get_running_loop())

    async def stop_serving(self) -> None:
        """Stop the backend from the server's loop, while it still runs."""
        if self._loop is not None and not self._loop.owned:
            await self.backend.aclose()

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close(self.backend.aclose)
        if self._owned is not None:
            self._owned.close()
        self.backend.kill()

    # -- the text sent, and its errors in the client's terms --------------------------------

    def declared(self, query: str) -> Declared:
        """The query as the backend gets it: with the predeclared prefixes it uses declared."""
        if len(query) <= SHORT_QUERY:
            return self._declared_short(query)
        return self._declare(query)

    def _declare(self, query: str) -> Declared:
        return declare(query, self.prefixes)

    @contextlib.contextmanager
    def _said_of_the_client(self, declared: Declared) -> Iterator[None]:
        """Errors about the text sent (`declared.text`) said of the client's query: the parser's message
        as a sentence, and every position in the client's text."""
        try:
            yield
        except QuerySyntaxError as error:
            raise explain(error, declared.query, predeclared=self.prefixes,
                          lines_added=declared.lines_added) from None
        except QueryTooComplex:
            offset = nesting(declared.query, self.max_nesting) if declared.added else None
            if offset is None:
                raise
            raise refuse_nesting(declared.query, offset, self.max_nesting) from None

    # -- the query's form ---------------------------------------------------------------

    def query_kind(self, query: str) -> str:
        return self._driver.run(self._kind(query))

    async def _kind(self, query: str) -> str:
        declared = self.declared(query)
        with self._said_of_the_client(declared):
            return await self._form(declared.text)

    async def _form(self, text: str) -> str:
        """The form of the text sent (see `_kind`)."""
        if len(text) <= SHORT_QUERY:
            kind = check_query_cached(text, self.max_nesting)
        else:  # reading a long query's tokens would stall the event loop
            kind = await asyncio.to_thread(check_query, text, self.max_nesting)
        return await self.backend.form(text, kind)

    # -- evaluation ---------------------------------------------------------------------

    def execute(self, request: QueryRequest, media_type: str, *, timeout: float, max_rows: int | None) -> QueryResult:
        return self._driver.run(self._execute(request, media_type, timeout, max_rows))

    async def execute_async(
        self, request: QueryRequest, media_type: str, *, timeout: float, max_rows: int | None,
        disconnected: asyncio.Future[object] | None = None,
    ) -> QueryResult:
        """`execute` from the server's event loop; `disconnected` completes when the client goes away."""
        return await self._driver.submit(self._execute(request, media_type, timeout, max_rows), disconnected)

    async def _execute(self, request: QueryRequest, media_type: str, timeout: float,
                       max_rows: int | None) -> QueryResult:
        declared = self.declared(request.query)
        with self._said_of_the_client(declared):
            sent = replace(request, query=declared.text)
            return await self._answer(sent, await self._form(sent.query), media_type, timeout, max_rows)

    async def _answer(self, request: QueryRequest, kind: str, media_type: str, timeout: float,
                      max_rows: int | None) -> QueryResult:
        """The answer to the request as sent (its prefixes declared), whose form is `kind`."""
        if kind == GRAPH:
            triples = await self._triples(request, timeout, max_rows)
            body = ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=PREFIXES)
            return QueryResult(kind, media_type, body or b"", len(triples))
        body = await self.backend.send(request, SPARQL_JSON, timeout)
        document = self._json(body)
        if "boolean" in document:
            if media_type != SPARQL_JSON or not self.backend.canonical:
                body = _boolean_body(bool(document["boolean"]), media_type)
            return QueryResult(ASK, media_type, body, None)
        if self.backend.canonical:
            rows = len(document["results"]["bindings"])
            if max_rows is not None and rows > max_rows:
                raise RowLimitExceeded(max_rows)
            if media_type != SPARQL_JSON:
                solutions: Any = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
                body = serialize_solutions([v.value for v in solutions.variables], list(solutions), media_type)
            return QueryResult(SELECT, media_type, body, rows)
        bindings = document.get("results", {}).get("bindings", [])
        if max_rows is not None and len(bindings) > max_rows:
            raise RowLimitExceeded(max_rows)
        variables, terms = _solutions(document)
        return QueryResult(SELECT, media_type, serialize_solutions(variables, terms, media_type), len(terms))

    def _json(self, body: bytes) -> dict[str, Any]:
        try:
            document = json.loads(body)
        except ValueError as error:
            raise self._cut_short(body, error) from None
        if not isinstance(document, dict) or not ("boolean" in document or "results" in document):
            raise BackendUnavailable(f"{self.backend.name} answered something that is not SPARQL-JSON results")
        return document

    def _cut_short(self, body: bytes, error: Exception) -> Exception:
        """What an answer that does not parse means: the backend stopped (its own time limit) or failed."""
        tail = body[-300:].decode("utf-8", "replace")
        if "cancelled" in tail.lower() or "timeout" in tail.lower():
            return QueryTimeout(f"the query was stopped at the time limit ({self.backend.name} gave up mid-answer)")
        return BackendUnavailable(f"{self.backend.name}'s answer does not parse ({error}): …{tail[-200:]}")

    async def _triples(self, request: QueryRequest, timeout: float, max_rows: int | None) -> list[ox.Triple]:
        deadline = asyncio.get_running_loop().time() + timeout
        sent = await self.backend.describe(request, timeout)
        if sent is None:
            return []
        left = max(deadline - asyncio.get_running_loop().time(), 0.001)
        body = await self.backend.send(sent, N_TRIPLES, left)
        try:
            parsed = ox.parse(body, ox.RdfFormat.N_TRIPLES)
            triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in parsed))
        except SyntaxError as error:
            raise self._cut_short(body, error) from None
        if max_rows is not None and len(triples) > max_rows:
            raise RowLimitExceeded(max_rows)
        return triples

    # -- terms, for pages and tools ------------------------------------------------------

    def select(self, query: str, *, timeout: float) -> list[dict[str, object]]:
        return self._driver.run(self._select(query, timeout))

    async def _select(self, query: str, timeout: float) -> list[dict[str, object]]:
        declared = self.declared(query)
        with self._said_of_the_client(declared):
            if await self._form(declared.text) != SELECT:
                raise QuerySyntaxError("this is not a SELECT query")
            body = await self.backend.send(QueryRequest(declared.text), SPARQL_JSON, timeout)
        if self.backend.canonical:
            try:
                solutions: Any = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
                variables = [v.value for v in solutions.variables]
                rows: list[Any] = [tuple(row) for row in solutions]
            except SyntaxError as error:
                raise self._cut_short(body, error) from None
        else:
            variables, rows = _solutions(self._json(body))
        return [{name: to_rdflib(term) for name, term in zip(variables, row, strict=False) if term is not None}
                for row in rows]

    def construct(self, query: str, *, timeout: float) -> rdflib.Graph:
        return self._driver.run(self._construct(query, timeout))

    async def _construct(self, query: str, timeout: float) -> rdflib.Graph:
        declared = self.declared(query)
        with self._said_of_the_client(declared):
            if await self._form(declared.text) != GRAPH:
                raise QuerySyntaxError("this is not a CONSTRUCT or DESCRIBE query")
            triples = await self._triples(QueryRequest(declared.text), timeout, None)
        graph = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def describe(self, iri: str, *, timeout: float) -> rdflib.Graph:
        """What the store says about one resource (SPARQL DESCRIBE)."""
        return self.construct(f"DESCRIBE <{ox.NamedNode(iri).value}>", timeout=timeout)
