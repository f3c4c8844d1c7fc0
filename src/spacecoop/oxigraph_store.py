"""The embedded store: the release loaded into pyoxigraph, queried through worker processes.

`OxigraphStore.open(dist)` loads the release into an on-disk store under
`dist/store/` (or reuses it when it already holds this release), then starts
a `QueryPool` whose workers open it read-only. Layout of the dataset:

- `data.nq` as it is: one named graph per source document, `graph/sources`
  and `graph/inferred`;
- `ontology.ttl` in `graph/ontology`, `examples.ttl` in `graph/examples`.

A query's default graph is the RDF merge of all graphs (unless the query or
the protocol names a dataset); `GRAPH ?g` reaches each graph. The merge is
stored as the store's real default graph, each triple once: pyoxigraph 0.5's
`use_default_graph_as_union` evaluates the union as a bag, so a triple stated
by two documents would match twice and COUNT would disagree with the SPARQL
specification, Jena and Virtuoso.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from spacecoop.layout import Release
from spacecoop.namespaces import EXAMPLES_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from spacecoop.query_policy import GRAPH, SELECT, SHORT_QUERY, check_query, check_query_cached
from spacecoop.query_pool import QueryPool
from spacecoop.query_worker import EXECUTE, KIND, SOLUTIONS, TRIPLES, Answer, Job
from spacecoop.store import QueryRequest, QueryResult, QuerySyntaxError, StoreError

MARKER = "spacecoop-store.json"
MARKER_FORMAT = 2  # 2: the default graph holds the merge of the named graphs
KIND_TIMEOUT = 5.0  # seconds to find the form of a query the tokenizer could not place


class ReleaseError(StoreError):
    """The release directory is missing, incomplete or inconsistent with its manifest."""


@dataclass(frozen=True)
class LoadedRelease:
    release_id: str
    counts: dict[str, int]
    path: Path


def read_release_id(release: Release) -> str:
    try:
        manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{release.root} holds no release (no manifest.json): run `spacecoop build`") from None
    except json.JSONDecodeError as error:
        raise ReleaseError(f"{release.manifest} is not valid JSON: {error}") from None
    release_id = manifest.get("release") if isinstance(manifest, dict) else None
    if not isinstance(release_id, str) or not release_id:
        raise ReleaseError(f"{release.manifest} has no release id")
    return release_id


def _check_checksums(release: Release, paths: list[Path]) -> None:
    """Every file loaded must be the one the manifest describes."""
    manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    expected = {entry["path"]: entry.get("sha256") for entry in manifest.get("files", [])}
    for path in paths:
        name = path.relative_to(release.root).as_posix()
        digest = expected.get(name)
        if digest and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ReleaseError(f"{path} does not match its checksum in manifest.json: rebuild the release")


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on a directory (two servers starting at once load the store once)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def merge_into_default_graph(store: ox.Store) -> None:
    """Make the default graph every triple of every named graph, once (the same terms, blank
    nodes included). The bulk loader takes them: a SPARQL INSERT would hold all of them in
    one transaction (at a million triples, twice the time and 300 MB more)."""
    store.bulk_extend(
        ox.Quad(quad.subject, quad.predicate, quad.object)
        for quad in store.quads_for_pattern(None, None, None, None)
        if not isinstance(quad.graph_name, ox.DefaultGraph)
    )


def _count_graphs(store: ox.Store) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {row["g"].value: int(row["n"].value) for row in store.query(query)}


def load_store(release: Release, target: Path, *, verify: bool = True) -> dict[str, int]:
    """Load the release's data into a new on-disk store at `target`; the triples per graph.

    `verify`: check the files against the manifest first (the build, which has
    just written them and has no manifest yet, does not)."""
    if not release.data_nq.is_file():
        raise ReleaseError(f"{release.data_nq} is missing: rebuild the release")
    graphs = [(release.ontology_ttl, ONTOLOGY_GRAPH), (release.examples_ttl, EXAMPLES_GRAPH)]
    graphs = [(path, graph) for path, graph in graphs if path.is_file()]
    if verify:
        _check_checksums(release, [release.data_nq, *(path for path, _ in graphs)])
    store = ox.Store(str(target))
    store.bulk_load(path=release.data_nq, format=ox.RdfFormat.N_QUADS)
    for path, graph in graphs:
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph)))
    merge_into_default_graph(store)
    store.flush()
    counts = _count_graphs(store)
    del store
    gc.collect()  # closes the database before workers open it read-only
    return counts


def prepare(release: Release) -> LoadedRelease:
    """The on-disk store of this release: reused if it holds it, else loaded afresh and swapped in."""
    release_id = read_release_id(release)
    marker = release.store_dir / MARKER
    with _locked(release.root):
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            recorded = json.loads(marker.read_text(encoding="utf-8"))
            if recorded.get("release") == release_id and recorded.get("format") == MARKER_FORMAT:
                return LoadedRelease(release_id, recorded["counts"], release.store_dir)
        loading = release.root / f"store.loading-{os.getpid()}"
        shutil.rmtree(loading, ignore_errors=True)
        counts = load_store(release, loading)
        install_store(release, loading, release_id, counts)
    return LoadedRelease(release_id, counts, release.store_dir)


def install_store(release: Release, loaded: Path, release_id: str, counts: dict[str, int]) -> None:
    """Mark a store loaded by `load_store` as this release's and move it to `release.store_dir`."""
    record = {"format": MARKER_FORMAT, "release": release_id, "counts": counts}
    (loaded / MARKER).write_text(json.dumps(record, indent=1), encoding="utf-8")
    retired = release.root / f"store.old-{os.getpid()}"
    if release.store_dir.exists():
        release.store_dir.rename(retired)
    loaded.rename(release.store_dir)
    shutil.rmtree(retired, ignore_errors=True)


def to_rdflib(term: object) -> Node:
    """A pyoxigraph term as the rdflib term rdflib's own parsers would produce."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"no rdflib equivalent for {term!r}")


BYTES_PER_QUAD = 400  # an in-memory pyoxigraph store, measured at 2.45 million quads: about 330


def memory_estimate(counts: dict[str, int]) -> int:
    """Bytes an in-memory copy of the store takes: the named graphs and their merge (the default graph)."""
    return 2 * sum(counts.values()) * BYTES_PER_QUAD


class OxigraphStore:
    """The `spacecoop.store.Store` of the embedded pyoxigraph backend."""

    def __init__(self, loaded: LoadedRelease, pool: QueryPool) -> None:
        self._loaded = loaded
        self._pool = pool

    @classmethod
    def open(
        cls, dist: Path, *, workers: int, memory_limit: int | None = None, memory_store: int = 0
    ) -> "OxigraphStore":
        """`memory_limit`: bytes a query may use (the worker evaluating it is stopped beyond).
        `memory_store`: bytes each worker may spend on an in-memory copy of the store; a release
        estimated to need more is read from disk (see `memory_estimate`)."""
        loaded = prepare(Release(dist))
        in_memory = 0 < memory_estimate(loaded.counts) <= memory_store
        pool = QueryPool(loaded.path, workers, PREFIXES, memory_limit=memory_limit, in_memory=in_memory)
        return cls(loaded, pool)

    @property
    def release_id(self) -> str:
        return self._loaded.release_id

    @property
    def sandboxed(self) -> bool:
        """True if the query workers cannot open network connections."""
        return self._pool.sandboxed

    @property
    def pool(self) -> QueryPool:
        return self._pool

    def query_kind(self, query: str) -> str:
        kind = check_query(query)
        if kind is None:
            kind = self._pool.run(Job(KIND, query), KIND_TIMEOUT)
        return kind

    def _job(self, op: str, request: QueryRequest, **options: object) -> Job:
        return Job(
            op,
            request.query,
            default_graphs=tuple(request.default_graph_uris),
            named_graphs=tuple(request.named_graph_uris),
            **options,  # type: ignore[arg-type]
        )

    def execute(
        self, request: QueryRequest, media_type: str, *, timeout: float, max_rows: int | None
    ) -> QueryResult:
        check_query_cached(request.query)
        job = self._job(EXECUTE, request, media_type=media_type, max_rows=max_rows)
        answer: Answer = self._pool.run(job, timeout, request.abandoned)
        return QueryResult(answer.kind, media_type, answer.body, answer.rows)

    async def execute_async(
        self,
        request: QueryRequest,
        media_type: str,
        *,
        timeout: float,
        max_rows: int | None,
        disconnected: "asyncio.Future[object] | None" = None,
    ) -> QueryResult:
        """`execute` on the event loop (see `QueryPool.run_async`); `disconnected` completes
        when the client goes away."""
        if len(request.query) <= SHORT_QUERY:
            check_query_cached(request.query)
        else:  # reading a long query's tokens would stall the event loop
            await asyncio.to_thread(check_query, request.query)
        job = self._job(EXECUTE, request, media_type=media_type, max_rows=max_rows)
        answer: Answer = await self._pool.run_async(job, timeout, disconnected)
        return QueryResult(answer.kind, media_type, answer.body, answer.rows)

    def select(self, query: str, *, timeout: float) -> list[dict[str, object]]:
        if self.query_kind(query) != SELECT:
            raise QuerySyntaxError("this is not a SELECT query")
        variables, rows = self._pool.run(self._job(SOLUTIONS, QueryRequest(query)), timeout)
        return [
            {name: to_rdflib(term) for name, term in zip(variables, row) if term is not None}
            for row in rows
        ]

    def construct(self, query: str, *, timeout: float) -> rdflib.Graph:
        if self.query_kind(query) != GRAPH:
            raise QuerySyntaxError("this is not a CONSTRUCT or DESCRIBE query")
        triples = self._pool.run(self._job(TRIPLES, QueryRequest(query)), timeout)
        graph = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def describe(self, iri: str, *, timeout: float) -> rdflib.Graph:
        """What the store says about one resource (SPARQL DESCRIBE)."""
        return self.construct(f"DESCRIBE <{ox.NamedNode(iri).value}>", timeout=timeout)

    def counts(self) -> dict[str, int]:
        return dict(self._loaded.counts)

    def close(self) -> None:
        self._pool.close()
