"""The store over an external SPARQL 1.1 endpoint (Virtuoso, Fuseki, GraphDB, QLever, ...).

`spacecoop serve --backend URL` puts spacecoop's front end (the endpoint's
safety rules, the Linked Data pages, the dumps) over a store that can grow
beyond one machine. It is the same `sparql_store.SparqlStore` as the embedded
store (the query check, whole answers, the row cap, formats), with this
module's `HttpBackend` as the transport, which adds what an external store needs:

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
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import pyoxigraph as ox

from spacecoop.iris import EXAMPLES_GRAPH, GRAPH, ONTOLOGY_GRAPH
from spacecoop.paths import Release
from spacecoop.rdf.escaped_names import expand_escaped_prefixed_names
from spacecoop.store.describe_targets import describe_parts
from spacecoop.store.engine import EngineLoop
from spacecoop.store.policy import ASK, MAX_NESTING, SELECT, names_dataset
from spacecoop.store.policy import GRAPH as GRAPH_FORM
from spacecoop.store.protocol import (
    BackendUnavailable,
    QueryRequest,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from spacecoop.store.sparql_store import SPARQL_JSON, SparqlStore

log = logging.getLogger(__name__)

N_TRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"
CONNECT_TIMEOUT = 5.0  # seconds to reach the backend (within the query's own limit)
CHECK_TIMEOUT = 60.0  # seconds for the start-up check of what the backend holds
USER_AGENT = "spacecoop-remote-store"


class BackendError(BackendUnavailable):
    """The backend failed or could not be reached (the client should get 502)."""


class BackendMismatch(StoreError):
    """The backend does not hold the release being served."""


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    scheme: str = "basic"  # or "digest" (Virtuoso's /sparql-auth)

    def auth(self) -> Any:
        import httpx

        if self.scheme == "digest":
            return httpx.DigestAuth(self.user, self.password)
        return httpx.BasicAuth(self.user, self.password)


def release_layout(release: Release) -> list[tuple[Path, str | None]]:
    """What a store holds for a release, as the embedded store loads it: (file, graph) pairs.

    `data.nq` keeps its graphs (one per source document, sources, inferred); the
    vocabulary goes into `graph/ontology` and the example queries into `graph/examples`.
    """
    layout: list[tuple[Path, str | None]] = [(release.data_nq, None)]
    for path, graph in ((release.ontology_ttl, ONTOLOGY_GRAPH), (release.examples_ttl, EXAMPLES_GRAPH)):
        if path.is_file():
            layout.append((path, str(graph)))
    return layout


def release_quads(release: Release) -> list[ox.Quad]:
    """Every quad of the release's layout; blank nodes kept apart between files."""
    quads: list[ox.Quad] = []
    for path, graph in release_layout(release):
        fmt = ox.RdfFormat.N_QUADS if graph is None else ox.RdfFormat.TURTLE
        fresh: dict[str, ox.BlankNode] = {}

        def local(term: Any, fresh: dict[str, ox.BlankNode] = fresh) -> Any:  # called in this iteration only
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term.value, ox.BlankNode())
            return term

        for quad in ox.parse(path=str(path), format=fmt):
            target = ox.NamedNode(graph) if graph is not None else quad.graph_name
            quads.append(ox.Quad(local(quad.subject), quad.predicate, local(quad.object), target))
    return quads


# The merge of every graph of the release, each triple once. A quad store such as Virtuoso
# evaluates a default graph made of several graphs as a bag (a triple stated by two documents
# matches twice); with this one graph as the default graph it answers as the embedded store.
UNION_GRAPH = f"{GRAPH}union"


def union_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The union graph of `quads`: each distinct triple once, in UNION_GRAPH."""
    graph = ox.NamedNode(UNION_GRAPH)
    triples = dict.fromkeys((q.subject, q.predicate, q.object) for q in quads)
    return [ox.Quad(s, p, o, graph) for s, p, o in triples]


def graph_sizes(quads: Iterable[ox.Quad]) -> dict[str, int]:
    """Distinct triples per named graph."""
    seen = {q for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    sizes: dict[str, int] = {}
    for quad in seen:
        name = cast(ox.NamedNode, quad.graph_name).value  # `seen` holds only named graphs
        sizes[name] = sizes.get(name, 0) + 1
    return sizes


def _read_release_id(release: Release) -> str:
    try:
        manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{release.root} holds no release (no manifest.json): run `spacecoop build`") from None
    release_id = manifest.get("release") if isinstance(manifest, dict) else None
    if not isinstance(release_id, str) or not release_id:
        raise StoreError(f"{release.manifest} has no release id")
    return release_id


def check_release(dist: Path) -> str:
    """The release id of `dist`, or StoreError if it holds no complete release."""
    release = Release(dist)
    release_id = _read_release_id(release)
    if not release.data_nq.is_file():
        raise StoreError(f"{release.data_nq} is missing: rebuild the release")
    return release_id


_PARSED_FORMS = {"SelectQuery": SELECT, "AskQuery": ASK, "ConstructQuery": GRAPH_FORM, "DescribeQuery": GRAPH_FORM}


def parse_query(query: str) -> str:
    """Check a query's syntax here, without evaluating anything; returns its form's name.

    rdflib's parser only parses (pyoxigraph's would start evaluating a query, which
    cannot be stopped in this process). Errors say where: `error at LINE:COLUMN: ...`.
    """
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(query)
    except Exception:
        # Rejected here: ask the embedded store's parser, for its verdict and its message.
        # It runs in a child process because pyoxigraph starts evaluating what it parses.
        return _oxigraph_verdict(query)
    return getattr(parsed[1], "name", "")


_OXIGRAPH_PARSE = """
import sys, pyoxigraph as ox
try:
    result = ox.Store().query(sys.stdin.read())
except SyntaxError as error:
    print("syntax\\n" + str(error)); sys.exit()
print({ox.QuerySolutions: "SelectQuery", ox.QueryBoolean: "AskQuery"}.get(type(result), "ConstructQuery"))
"""


def _oxigraph_verdict(query: str, timeout: float = 10.0) -> str:
    import subprocess
    import sys

    try:
        proc = subprocess.run([sys.executable, "-c", _OXIGRAPH_PARSE], input=query, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ""  # it parsed and is being evaluated: a valid query
    verdict, _, message = proc.stdout.partition("\n")
    if verdict == "syntax":
        raise QuerySyntaxError(message.strip())
    if proc.returncode != 0 or not verdict:
        raise QuerySyntaxError("the query does not parse")
    return verdict


CBD_DEPTH = 6  # levels of blank nodes a DESCRIBE follows from a described resource

def cbd_query(resources: Sequence[str]) -> str:
    """CONSTRUCT of the concise bounded descriptions of `resources` (IRIs)."""
    template = " ".join(f"?o{level - 1} ?p{level} ?o{level} ." for level in range(1, CBD_DEPTH + 1))
    nested = ""
    for level in range(CBD_DEPTH, 0, -1):
        nested = f" OPTIONAL {{ ?o{level - 1} ?p{level} ?o{level} FILTER(isBlank(?o{level - 1})){nested} }}"
    iris = " ".join(f"<{ox.NamedNode(r).value}>" for r in resources)
    return (f"CONSTRUCT {{ ?r ?p0 ?o0 . {template} }}\n"
            f"WHERE {{ VALUES ?r {{ {iris} }} ?r ?p0 ?o0 .{nested} }}")


class HttpBackend:
    """`sparql_store.Backend` over an external endpoint: form-encoded POSTs with httpx.

    A request that names graphs keeps them; a query with FROM / FROM NAMED keeps its
    own; otherwise the release's graphs are the default graph (their merge, or the
    union graph where the store holds it) and the named graphs, so the backend's
    other graphs (system graphs) stay out of sight."""

    canonical = False  # each store writes its own SPARQL-JSON: terms are read and written again

    def __init__(self, endpoint: str, graphs: Iterable[str], *, credentials: Credentials | None = None) -> None:
        self.endpoint = endpoint
        self.name = f"the backend {endpoint}"
        self.graphs = sorted(graphs)
        # The default graph sent with a query that names no dataset: the union graph when the
        # backend holds it (exactly), else every graph of the release.
        self.default_graphs = list(self.graphs)
        self._credentials = credentials
        self._client: Any = None  # an httpx.AsyncClient, made on the loop that uses it

    def _new_client(self) -> Any:
        import httpx

        return httpx.AsyncClient(
            auth=self._credentials.auth() if self._credentials else None,
            headers={"User-Agent": USER_AGENT}, follow_redirects=False,
        )

    def _form(self, request: QueryRequest, dataset: bool = True) -> list[tuple[str, str]]:
        form = [("query", expand_escaped_prefixed_names(request.query))]
        if request.default_graph_uris or request.named_graph_uris:
            form += [("default-graph-uri", g) for g in request.default_graph_uris]
            form += [("named-graph-uri", g) for g in request.named_graph_uris]
        elif dataset and not names_dataset(request.query):
            form += [("default-graph-uri", g) for g in self.default_graphs]
            form += [("named-graph-uri", g) for g in self.graphs]
        return form

    async def send(self, request: QueryRequest, accept: str, timeout: float, *, dataset: bool = True) -> bytes:
        """One form-encoded POST; the answer's body, or QueryTimeout once `timeout` has passed.

        Past the deadline the request is abandoned: the connection is closed, whatever
        the backend does with the query it was running."""
        import httpx

        if self._client is None:
            self._client = self._new_client()
        body = urlencode(self._form(request, dataset)).encode("utf-8")
        try:
            async with asyncio.timeout(timeout):
                response = await self._client.post(
                    self.endpoint, content=body, timeout=httpx.Timeout(None, connect=min(CONNECT_TIMEOUT, timeout)),
                    headers={"Content-Type": FORM, "Accept": accept},
                )
        except TimeoutError:
            raise QueryTimeout(_timeout_message(timeout)) from None
        except httpx.ConnectTimeout as error:
            raise BackendError(f"the backend {self.endpoint} cannot be reached: {error}") from None
        except httpx.HTTPError as error:
            raise BackendError(f"the backend {self.endpoint} cannot be reached: {error}") from None
        status, headers, data = response.status_code, response.headers, response.content
        if status == 200:
            if headers.get("x-sql-state") or headers.get("x-exec-db-activity", "").startswith("partial"):
                # Virtuoso's "anytime" answers are partial: never serve them as the answer.
                raise QueryTimeout(_timeout_message(timeout) + " (the backend returned a partial answer)")
            return data  # type: ignore[no-any-return]
        message = data.decode("utf-8", "replace").strip()[:2000]
        if status == 400:
            raise QuerySyntaxError(f"the backend rejected the query: {message}")
        if status in (408, 503, 504) and "timeout" in message.lower():
            raise QueryTimeout(_timeout_message(timeout))
        lowered = message.lower()
        if "estimated execution time" in lowered and "exceeds the limit" in lowered:
            # Virtuoso refuses up front a query its planner expects to run past its own limit.
            raise QueryTimeout(f"the backend refused to start the query: it expects it to run past its own "
                               f"time limit (spacecoop's is the time limit of {timeout:g} s)")
        if "s1t00" in lowered or "transaction timed out" in lowered:
            raise QueryTimeout(f"the backend stopped the query at its own time limit (spacecoop's is the "
                               f"time limit of {timeout:g} s)")
        raise BackendError(f"the backend {self.endpoint} answered HTTP {status}: {message[:500]}")

    async def form(self, query: str, kind: str | None) -> str:
        """Checked here with the embedded store's parser and messages, before anything leaves."""
        parsed = await asyncio.to_thread(parse_query, query)
        return kind or _PARSED_FORMS.get(parsed, GRAPH_FORM)

    async def describe(self, request: QueryRequest, timeout: float) -> QueryRequest | None:
        """DESCRIBE as the embedded store answers it: the concise bounded description.

        What DESCRIBE returns is left to each store (Virtuoso adds other triples), so the
        resources are found with a SELECT, then described by one CONSTRUCT: their triples,
        and those of the blank nodes reached from them (to `CBD_DEPTH` levels)."""
        parts = describe_parts(request.query)
        if parts is None:
            return request
        resources: list[str] = []
        if parts.selection:
            selection = QueryRequest(parts.selection, request.default_graph_uris, request.named_graph_uris)
            try:
                found = json.loads(await self.send(selection, SPARQL_JSON, timeout))
                bindings = found["results"]["bindings"]
            except (ValueError, TypeError, KeyError) as error:
                raise BackendError(f"the backend's SPARQL-JSON answer does not parse: {error}") from None
            for binding in bindings:
                for value in binding.values():
                    if value.get("type") == "uri" and value["value"] not in resources:
                        resources.append(value["value"])
        if not resources:
            return None
        return QueryRequest(cbd_query(resources), request.default_graph_uris, request.named_graph_uris)

    async def attach(self) -> None:
        self._client = None  # a client's connections belong to the loop that opened them

    async def detach(self) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def kill(self) -> None:
        pass  # nothing runs here: the connections are closed by aclose, or with the process


def _timeout_message(timeout: float) -> str:
    return f"the query was abandoned at the time limit of {timeout:g} s (the backend had not answered)"


class RemoteStore(SparqlStore):
    """The `spacecoop.store.protocol.Store` of an external SPARQL 1.1 endpoint holding the release.

    The release folder stays local (release id, dumps, pages); queries go to
    `endpoint`. `open` checks that the endpoint holds exactly this release's
    graphs (triples per graph), so a front end never serves a stale or partial
    store under the release's name and ETags.
    """

    backend: HttpBackend

    def __init__(self, endpoint: str, release_id: str, graphs: dict[str, int], *,
                 credentials: Credentials | None = None, union_graph: bool = False) -> None:
        backend = HttpBackend(endpoint, graphs, credentials=credentials)
        if union_graph:
            backend.default_graphs = [UNION_GRAPH]
        super().__init__(backend, release_id, graphs, EngineLoop(), max_nesting=MAX_NESTING)
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
        store = cls(endpoint, release_id, expected, credentials=credentials)
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


__all__ = [
    "BackendError",
    "BackendMismatch",
    "Credentials",
    "RemoteStore",
    "UNION_GRAPH",
    "expand_escaped_prefixed_names",
    "graph_sizes",
    "release_layout",
    "release_quads",
    "union_quads",
]
