"""The embedded store: the release's on-disk store, queried through supervised Oxigraph servers.

`EngineStore.open(dist)` makes sure `dist/store/` holds the release (see
`rdf.database.prepare`), starts `engine.Engines` on it and gives the
`sparql_store.SparqlStore` over them, with the release's prefixes predeclared
(`prefixes.release_prefixes`): the same store, rules and answer handling
as over an external endpoint (`remote`), with this module's `EngineBackend`
as the transport. The time and memory limits are the engines' supervisor's
(`engine`): a 503 at the limit, never a partial answer; an engine whose query
runs on is killed and restarted, the other reads on it sent to a sibling.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from spacecoop.paths import Release
from spacecoop.rdf.database import LoadedRelease, prepare
from spacecoop.store.engine import Engines
from spacecoop.store.engine_loop import EngineLoop
from spacecoop.store.policy import ASK, GRAPH, MAX_NESTING, SELECT
from spacecoop.store.prefixes import release_prefixes
from spacecoop.store.protocol import BackendUnavailable, QueryRequest, QuerySyntaxError, QueryTimeout
from spacecoop.store.sparql_store import N_TRIPLES, SPARQL_JSON, SparqlStore

SPARQL_QUERY = "application/sparql-query"
KIND_TIMEOUT = 5.0  # seconds to find the form of a query the tokenizer could not place


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


class EngineBackend:
    """`sparql_store.Backend` over `engine.Engines`: the release's store, as spacecoop built it."""

    name = "the query engine"
    canonical = True  # Oxigraph's SPARQL-JSON, passed on as it is

    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    async def send(self, request: QueryRequest, accept: str, timeout: float) -> bytes:
        status, _, body = await self.engines.request(
            _dataset(request), request.query.encode("utf-8"), SPARQL_QUERY, accept, timeout=timeout
        )
        if status == 200:
            return body
        message = body.decode("utf-8", "replace").strip()[:2000]
        if status == 400:
            raise QuerySyntaxError(message)
        if "cancelled" in message.lower() or "timeout" in message.lower():
            raise QueryTimeout(f"the query was stopped at the time limit of {timeout:g} s")
        raise BackendUnavailable(f"the query engine answered HTTP {status}: {message[:500]}")

    async def form(self, query: str, kind: str | None) -> str:
        """The tokenizer's verdict; for a form it could not place, the engine's parser decides
        (its syntax errors are the store's)."""
        if kind is not None:
            return kind
        status, content_type, body = await self.engines.request(
            "", query.encode("utf-8"), SPARQL_QUERY, f"{SPARQL_JSON}, {N_TRIPLES}", timeout=KIND_TIMEOUT
        )
        if status != 200:
            message = body.decode("utf-8", "replace").strip()[:2000]
            raise QuerySyntaxError(message) if status == 400 else BackendUnavailable(message[:500])
        if content_type.startswith(N_TRIPLES):
            return GRAPH
        try:
            return ASK if "boolean" in json.loads(body) else SELECT
        except ValueError:
            raise BackendUnavailable("the query engine's answer was cut short") from None

    async def describe(self, request: QueryRequest, timeout: float) -> QueryRequest | None:
        return request  # the engine's DESCRIBE is the concise bounded description

    async def attach(self) -> None:
        await self.engines.attach()

    async def detach(self) -> None:
        await self.engines.detach()

    async def aclose(self) -> None:
        await self.engines.close()

    def kill(self) -> None:
        self.engines.kill()


class EngineStore(SparqlStore):
    """The embedded store: a `SparqlStore` whose backend is spacecoop's own engines."""

    def __init__(
        self, loaded: LoadedRelease, engines: Engines, loop: EngineLoop | None, max_nesting: int = MAX_NESTING,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(EngineBackend(engines), loaded.release_id, loaded.counts, loop, max_nesting=max_nesting,
                         prefixes=prefixes)
        self.engines = engines

    @classmethod
    def open(
        cls, dist: Path, *, workers: int, memory_limit: int | None = None, serving: bool = False,
        max_nesting: int = MAX_NESTING,
    ) -> EngineStore:
        """`workers` engines on the release in `dist`; `memory_limit`: bytes a query may add to one.
        The time limit is each request's (`execute`'s `timeout`), not the engines'.

        `serving`: the engines start on this thread (which must live as long as they do) and
        are driven from the server's loop after `serve_here`; otherwise from a loop of their own."""
        loaded = prepare(Release(dist))
        prefixes = release_prefixes(dist)
        engines = Engines(loaded.path, workers, memory_limit=memory_limit)
        if serving:
            asyncio.run(engines.spawn())
            return cls(loaded, engines, None, max_nesting, prefixes)
        loop = EngineLoop()
        try:
            loop.run(engines.start())
        except BaseException:
            loop.close()
            raise
        return cls(loaded, engines, loop, max_nesting, prefixes)

    @property
    def sandboxed(self) -> bool:
        return self.engines.sandboxed
