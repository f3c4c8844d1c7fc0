"""The store over an external SPARQL 1.1 endpoint (Virtuoso, Fuseki, GraphDB, QLever, ...).

`spacecoop serve --backend URL` puts spacecoop's front end (the endpoint's
safety rules, the Linked Data pages, the dumps) over a store that can grow
beyond one machine. It is the same `sparql_store.SparqlStore` as the embedded
store (the query check, whole answers, the row cap, formats), with
`http_backend.HttpBackend` as the transport, which adds what an external store needs:

* portable requests: a form-encoded POST (some stores, Virtuoso 7 among
  them, never answer a POST of `application/sparql-query`), answers asked for
  in SPARQL-JSON / N-Triples and re-serialised here into the client's format
  (Virtuoso's TSV is not SPARQL TSV);
* the release's dataset: unless the request names one, the default graph is the
  merge of the release's named graphs (the union graph `graph/union` where the
  store holds it, since a quad store reads several default graphs as a bag) and
  the named graphs are exactly the release's, so a store's own graphs never show;
* a local syntax check (nothing is evaluated here) and DESCRIBE answered as the
  embedded store answers it, since each store describes differently;
* a query rewrite for stores whose parser lacks SPARQL 1.1 escapes in prefixed
  names (`id:country\\/china` becomes `<https://w3id.org/spacecoop/id/country/china>`);
* the time limit, enforced here: a query the store has not answered in time is
  abandoned (the connection is closed) and `QueryTimeout` raised, and the ways
  stores say they stopped a query (Virtuoso's partial "anytime" answers among them)
  are read as timeouts, never passed on.

This module owns the store itself: opening it over an endpoint and checking
that the endpoint holds the release (`release_layout` says what it should hold).
The release folder gives the prefixes a query may use undeclared (`prefixes`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spacecoop.iris import GRAPH
from spacecoop.paths import Release
from spacecoop.store.engine_loop import EngineLoop
from spacecoop.store.http_backend import BackendError, Credentials, HttpBackend
from spacecoop.store.policy import MAX_NESTING
from spacecoop.store.prefixes import release_prefixes
from spacecoop.store.protocol import QueryRequest, StoreError
from spacecoop.store.release_layout import UNION_GRAPH, check_release, graph_sizes, release_quads, union_quads
from spacecoop.store.sparql_store import SPARQL_JSON, SparqlStore

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 60.0  # seconds for the start-up check of what the backend holds


class BackendMismatch(StoreError):
    """The backend does not hold the release being served."""


class RemoteStore(SparqlStore):
    """The `spacecoop.store.protocol.Store` of an external SPARQL 1.1 endpoint holding the release.

    The release folder stays local (release id, dumps, pages); queries go to
    `endpoint`. `open` checks that the endpoint holds exactly this release's
    graphs (triples per graph), so a front end never serves a stale or partial
    store under the release's name and ETags.
    """

    backend: HttpBackend

    def __init__(self, endpoint: str, release_id: str, graphs: dict[str, int], *,
                 credentials: Credentials | None = None, union_graph: bool = False,
                 prefixes: Mapping[str, str] | None = None) -> None:
        backend = HttpBackend(endpoint, graphs, credentials=credentials)
        if union_graph:
            backend.default_graphs = [UNION_GRAPH]
        super().__init__(backend, release_id, graphs, EngineLoop(), max_nesting=MAX_NESTING, prefixes=prefixes)
        self.endpoint = endpoint
        self.on_close: list[Any] = []  # called by close(), last first

    @property
    def default_graphs(self) -> list[str]:
        return self.backend.default_graphs

    # -- opening ------------------------------------------------------------

    @classmethod
    def open(cls, dist: Path, endpoint: str, *, credentials: Credentials | None = None,
             check: bool = True) -> RemoteStore:
        """A store over `endpoint` for the release in `dist`; `check` compares what the backend holds."""
        release = Release(dist)
        release_id = check_release(dist)
        quads = release_quads(release)
        expected = graph_sizes(quads)
        store = cls(endpoint, release_id, expected, credentials=credentials, prefixes=release_prefixes(dist))
        if check:
            try:
                found = store.verify(expected)
            except BaseException:
                store.close()
                raise
            union_size = len(union_quads(quads))
            if found.get(UNION_GRAPH) == union_size:
                store.backend.default_graphs = [UNION_GRAPH]
            else:
                log.warning(
                    "the backend has no union graph <%s> of this release (%s triples): the default graph "
                    "is sent as the list of the release's graphs, which a quad store such as Virtuoso "
                    "evaluates as a bag (rows repeat for statements made in several graphs); "
                    "`spacecoop load` writes it", UNION_GRAPH, union_size)
        return store

    def remote_counts(self, timeout: float = CHECK_TIMEOUT) -> dict[str, int]:
        """Triples per graph in the backend, for the graphs of spacecoop's namespace."""
        query = (
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }} GROUP BY ?g'
        )
        body = self._driver.run(self.backend.send(QueryRequest(query), SPARQL_JSON, timeout, dataset=False))
        rows = self._json(body).get("results", {}).get("bindings", [])
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows if "g" in row and "n" in row}

    def verify(self, expected: dict[str, int]) -> dict[str, int]:
        """Check the backend holds the release's graphs; returns what it holds (graph -> triples)."""
        found = self.remote_counts()
        missing = sorted(set(expected) - set(found))
        different = sorted(g for g in expected if g in found and found[g] != expected[g])
        extra = sorted(set(found) - set(expected) - {UNION_GRAPH})
        if missing or different:
            details = [f"missing graph <{g}>" for g in missing[:5]]
            details += [f"<{g}> holds {found[g]} triples, the release {expected[g]}" for g in different[:5]]
            raise BackendMismatch(
                f"the backend {self.endpoint} does not hold release {self.release_id} "
                f"({'; '.join(details)}{' ...' if len(missing) + len(different) > 5 else ''}): "
                f"load it with `spacecoop load --into URL` (see docs/import.md)")
        if extra:
            log.warning("the backend holds graphs that are not in release %s: %s (they are not queried)",
                        self.release_id, ", ".join(extra[:5]))
        return found

    def close(self) -> None:
        super().close()
        while self.on_close:
            self.on_close.pop()()


__all__ = ["BackendError", "BackendMismatch", "Credentials", "RemoteStore", "UNION_GRAPH"]
