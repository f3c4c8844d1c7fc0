"""A query worker: a process that evaluates one SPARQL query at a time.

The server's `QueryPool` starts several of these with `main(fd)` in a new
interpreter, where `fd` is its end of a socket pair. A worker receives its
configuration, gives up network access (`spacecoop.sandbox`), opens the on-disk
store read-only (and, when the pool says the release is small, copies it into
memory, where a query is evaluated in about half the time) and then answers
`Job`s until the pool closes the socket. The pool kills a worker whose query
runs past the time limit; that is the only way to really stop a pyoxigraph
query, so everything here is written to be killed at any instant.

This module imports only the standard library and pyoxigraph, so a
replacement worker starts quickly.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any, Iterable, Iterator

import pyoxigraph as ox

from spacecoop.sandbox import deny_network

# Job.op values.
EXECUTE = "execute"  # evaluate and serialise (the SPARQL endpoint)
SOLUTIONS = "solutions"  # SELECT rows as terms (pages, tools)
TRIPLES = "triples"  # CONSTRUCT/DESCRIBE triples as terms (pages, tools)
KIND = "kind"  # only find the query form, with the parser's error if it has none

# Reply tags.
OK = "ok"
SYNTAX = "syntax"  # the caller's query or dataset IRIs do not parse
TOO_MANY_ROWS = "rows"
CRASH = "crash"  # anything unexpected, with its traceback

RESULTS_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Job:
    op: str
    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    media_type: str | None = None
    max_rows: int | None = None


@dataclass(frozen=True)
class Answer:
    """A serialised answer (op EXECUTE)."""

    kind: str
    body: bytes
    rows: int | None


class _DatasetError(ValueError):
    pass


def _graph(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise _DatasetError(f"{iri!r} is not a valid graph IRI: {error}") from None


def _dataset(job: Job) -> dict[str, Any]:
    """pyoxigraph's dataset arguments: the protocol's graphs, or the query's own (FROM) or the merge."""
    if job.default_graphs or job.named_graphs:
        return {
            "default_graph": [_graph(g) for g in job.default_graphs],
            "named_graphs": [_graph(g) for g in job.named_graphs],
        }
    # Otherwise the store's default graph, which holds the merge of all graphs (see oxigraph_store).
    return {}


def _kind(result: object) -> str:
    if isinstance(result, ox.QuerySolutions):
        return "select"
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph"


class _TooManyRows(Exception):
    pass


def _take(items: Iterable[Any], limit: int | None) -> list[Any]:
    """All items, or _TooManyRows as soon as there are more than `limit` (evaluation stops there)."""
    if limit is None:
        return list(items)
    taken = list(islice(items, limit + 1))
    if len(taken) > limit:
        raise _TooManyRows
    return taken


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
    return parsed.serialize(format=RESULTS_FORMATS[media_type])


def _execute(store: ox.Store, job: Job, prefixes: dict[str, str]) -> Answer:
    result = store.query(job.query, **_dataset(job))
    kind = _kind(result)
    media_type = job.media_type or ""
    if isinstance(result, ox.QueryBoolean):
        return Answer(kind, result.serialize(format=RESULTS_FORMATS[media_type]), None)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = _take(result, job.max_rows)
        return Answer(kind, serialize_solutions(variables, rows, media_type), len(rows))
    triples = _take(result, job.max_rows)
    body = ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=prefixes)
    return Answer(kind, body or b"", len(triples))


def run(store: ox.Store, job: Job, prefixes: dict[str, str]) -> tuple[str, Any]:
    """One job's reply: (tag, payload)."""
    try:
        if job.op == KIND:
            return OK, _kind(ox.Store().query(job.query))
        if job.op == EXECUTE:
            return OK, _execute(store, job, prefixes)
        result = store.query(job.query, **_dataset(job))
        if job.op == SOLUTIONS and isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return OK, (variables, [tuple(row) for row in _take(result, job.max_rows)])
        if job.op == TRIPLES and isinstance(result, ox.QueryTriples):
            return OK, _take(result, job.max_rows)
        return SYNTAX, f"this is not a {'SELECT' if job.op == SOLUTIONS else 'CONSTRUCT or DESCRIBE'} query"
    except SyntaxError as error:
        return SYNTAX, str(error)
    except _DatasetError as error:
        return SYNTAX, str(error)
    except _TooManyRows:
        return TOO_MANY_ROWS, job.max_rows
    except Exception:  # reported to the server, which logs it and answers 500
        return CRASH, traceback.format_exc()


def copy_to_memory(store: ox.Store) -> ox.Store:
    """An in-memory store with every quad of `store` (the default graph included)."""
    memory = ox.Store()
    memory.bulk_extend(store.quads_for_pattern(None, None, None, None))
    return memory


def _exit_with_parent() -> None:
    """Exit if the server goes away without closing the socket (e.g. it was killed)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(connection: Connection) -> None:
    """Answer jobs until the server closes the connection."""
    # Stopping is the server's decision (it kills or disconnects workers): a signal sent to
    # the whole process group, as Ctrl-C or a service manager does, must not cut queries short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        config = connection.recv()
        sandboxed = deny_network()
        store = ox.Store.read_only(config["store"])
        if config.get("in_memory"):
            store = copy_to_memory(store)
        prefixes: dict[str, str] = config["prefixes"]
        _exit_with_parent()
        connection.send(("ready", sandboxed))
        jobs: Iterator[Job] = iter(connection.recv, None)
        for job in jobs:
            connection.send(run(store, job, prefixes))
    except (EOFError, BrokenPipeError):
        return


def main(fd: int) -> None:
    serve(Connection(fd))
