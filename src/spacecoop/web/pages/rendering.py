"""Render each representation once: a cache by release, and a bound on renders running at once.

The release a server serves never changes, so a representation of `/id/…` or
`/graph/…` depends only on what names it: the release, the address links
point at (`IriMap.server`), the path, the media type and, for HTML, the
client's languages. `RenderCache` keeps rendered bodies under that key, least
recently used first out, within a bound on their bytes; a second request for
the same representation costs a dictionary lookup on the event loop, then the
`ETag`/304 logic (which never needed the body).

A render that is not cached runs in a worker thread, and `Renderer` lets at
most `concurrency` of them run at once: rendering holds the GIL, and the
SPARQL endpoint's handlers run on the event loop, so a flood of pages must not
put dozens of threads between the event loop and the GIL. Requests for a
representation already being rendered wait for that render (one render per
key, however many clients ask at once), and a client that goes away does not
cancel a render others wait for.

Rendering itself reads the description as N-Triples from the store, parsed by
pyoxigraph, its blank nodes labelled by RDFC-1.0 and its triples sorted, so
every render of a representation is the same bytes; Turtle, N-Triples,
RDF/XML, TriG and N-Quads are written by pyoxigraph, HTML and JSON-LD from an
rdflib graph of the same triples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import pyoxigraph as ox
import rdflib

from spacecoop.rdf.canonical import _key as quad_order
from spacecoop.rdf.canonical import prefixes_for
from spacecoop.rdf.formats import BY_MEDIA_TYPE, N_TRIPLES, rdf_format
from spacecoop.rdf.terms import to_rdflib
from spacecoop.store.lru import ByteLRU, CacheStats
from spacecoop.store.protocol import QueryRequest, StoreError
from spacecoop.web.http import problems as errors

DEFAULT_CACHE_BYTES = 64 * 2**20  # rendered bodies kept per server
DEFAULT_CONCURRENCY = 2  # renders running at once (the GIL makes more no faster, only the endpoint slower)
ENTRY_OVERHEAD = 256  # bytes counted per entry besides its body (key, headers, bookkeeping)


@dataclass(frozen=True)
class Rendered:
    """A rendered representation (`status` 200), or the answer that there is none (404 and why)."""

    body: bytes
    content_type: str
    status: int = 200
    detail: str | None = None

    @classmethod
    def missing(cls, detail: str) -> Rendered:
        return cls(b"", "", 404, detail)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.content_type) + len(self.detail or "") + ENTRY_OVERHEAD


@dataclass
class RenderStats(CacheStats):
    renders: int = 0


class RenderCache:
    """Rendered representations by key, least recently used out first, at most `max_bytes` of them."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.stats = RenderStats()
        self._entries: ByteLRU[Hashable, Rendered] = ByteLRU(max_bytes, stats=self.stats)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self.stats.bytes

    def get(self, key: Hashable) -> Rendered | None:
        return self._entries.get(key)

    def put(self, key: Hashable, entry: Rendered) -> None:
        self._entries.put(key, entry, entry.size)  # larger than the whole cache: served, never kept


class Renderer:
    """The cache, and the worker threads that fill it: at most `concurrency` renders at once, one per key."""

    def __init__(self, cache: RenderCache, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.cache = cache
        self.concurrency = max(1, concurrency)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._pending: dict[Hashable, asyncio.Future[Rendered]] = {}

    def _bind_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:  # a new event loop (tests start several)
            self._loop, self._slots, self._pending = loop, asyncio.Semaphore(self.concurrency), {}
        return self._slots

    async def get(self, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        """The cached representation, or `render()`'s (run in a worker thread, then kept)."""
        entry = self.cache.get(key)
        if entry is not None:
            return entry
        slots = self._bind_loop()
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(self._render(slots, key, render))
            self._pending[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task)  # a client that leaves does not cancel the others' render

    def _forget(self, key: Hashable, task: asyncio.Future[Rendered]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # retrieved: nobody may be left waiting for it

    async def _render(self, slots: asyncio.Semaphore, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        async with slots:
            entry = self.cache.get(key)  # rendered while this one waited for a slot
            if entry is None:
                self.cache.stats.renders += 1
                entry = await anyio.to_thread.run_sync(render)
                self.cache.put(key, entry)
        return entry


# ---------------------------------------------------------------------------
# Rendering: the store's triples, in a fixed order, serialised
# ---------------------------------------------------------------------------


def construct_triples(store: Any, query: str, timeout: float) -> list[ox.Triple]:
    """The distinct triples of a CONSTRUCT, blank nodes labelled by RDFC-1.0, in a fixed order.

    The store answers in N-Triples (its `execute`, as for `/sparql`), which
    pyoxigraph parses; a store without `execute` gives an rdflib graph.
    """
    try:
        if hasattr(store, "execute"):
            result = store.execute(QueryRequest(query), N_TRIPLES, timeout=timeout, max_rows=None)
            triples = [ox.Triple(t.subject, t.predicate, t.object)
                       for t in ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)]
        else:
            graph = store.construct(query, timeout=timeout)
            data = graph.serialize(format="nt", encoding="utf-8")
            triples = [ox.Triple(t.subject, t.predicate, t.object)
                       for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    except StoreError as error:
        raise errors.from_store(error) from error
    return canonical(triples)


def canonical(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Distinct triples with canonical blank node labels, sorted as the release files are (types first)."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in sorted(dataset, key=quad_order)]


def to_graph(triples: list[ox.Triple]) -> rdflib.Graph:
    """An rdflib graph of the triples (`xsd:string` literals plain, as rdflib's parsers make them)."""
    graph = rdflib.Graph()
    terms: dict[Any, Any] = {}

    def term(node: Any) -> Any:
        converted = terms.get(node)
        if converted is None:
            converted = terms[node] = to_rdflib(node)
        return converted

    add = graph.add
    for t in triples:
        add((term(t.subject), term(t.predicate), term(t.object)))
    return graph


def serialize_triples(triples: list[ox.Triple], media_type: str) -> bytes:
    """Turtle, N-Triples, RDF/XML, TriG or N-Quads, written by pyoxigraph as the release files are."""
    fmt = rdf_format(media_type)
    # the release files' prefixes: one per resource type (`agency:cnsa`, never `id:agency\/cnsa`)
    prefixes = prefixes_for(triples) if BY_MEDIA_TYPE[media_type].prefixes else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


def serialize_quads(triples: list[ox.Triple], graph_iri: str, media_type: str) -> bytes:
    """The triples as one named graph in TriG or N-Quads."""
    name = ox.NamedNode(graph_iri)
    quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]
    return serialize_triples(quads, media_type)  # type: ignore[arg-type]
