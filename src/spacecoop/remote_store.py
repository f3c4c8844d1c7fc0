"""A `Store` backed by an external SPARQL 1.1 endpoint (Virtuoso, Fuseki, GraphDB, QLever, ...).

`spacecoop serve --backend URL` puts spacecoop's front end (the endpoint's
safety rules, the Linked Data pages, the dumps) over a store that can grow
beyond one machine. Queries leave only after the front end has accepted them;
this module adds what a remote store needs on top:

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
  abandoned (the connection is closed) and `QueryTimeout` raised.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlencode

import pyoxigraph as ox

from spacecoop.describe_targets import DescribeParts, describe_parts
from spacecoop.escaped_names import expand_escaped_prefixed_names
from spacecoop.layout import Release
from spacecoop.namespaces import EXAMPLES_GRAPH, GRAPH, ONTOLOGY_GRAPH, PREFIXES
from spacecoop.query_policy import MAX_NESTING
from spacecoop.store import (
    BackendUnavailable,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    StoreError,
)

log = logging.getLogger(__name__)

SPARQL_JSON = "application/sparql-results+json"
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

        def local(term: Any) -> Any:
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
        sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
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


class _Terms:
    """SPARQL-JSON terms as pyoxigraph terms; blank-node labels made valid, one node per label."""

    def __init__(self) -> None:
        self._bnodes: dict[str, ox.BlankNode] = {}

    def term(self, value: dict[str, Any]) -> Any:
        kind = value.get("type")
        text = value.get("value", "")
        if kind == "uri":
            return ox.NamedNode(text)
        if kind == "bnode":
            return self._bnodes.setdefault(text, ox.BlankNode())
        if kind in ("literal", "typed-literal"):
            lang = value.get("xml:lang")
            if lang:
                return ox.Literal(text, language=lang)
            datatype = value.get("datatype")
            return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)
        raise BackendError(f"the backend answered a term of unknown type {kind!r}")


def _solutions_body(variables: list[str], rows: list[list[Any]], media_type: str) -> bytes:
    """Serialise rows exactly as the embedded store does (spacecoop.engine_store)."""
    from spacecoop.engine_store import serialize_solutions

    return serialize_solutions(variables, rows, media_type)  # type: ignore[arg-type]


def _boolean_body(value: bool, media_type: str) -> bytes:
    from spacecoop.engine_store import RESULTS_FORMATS

    parsed = ox.parse_query_results(json.dumps({"head": {}, "boolean": value}), ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=RESULTS_FORMATS[media_type])


def _graph_body(triples: list[ox.Triple], media_type: str) -> bytes:
    from spacecoop.engine_store import RDF_FORMATS

    return ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=PREFIXES) or b""


_PARSED_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "graph", "DescribeQuery": "graph"}


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


class RemoteStore:
    """The `spacecoop.store.Store` of an external SPARQL 1.1 endpoint holding the release.

    The release folder stays local (release id, dumps, pages); queries go to
    `endpoint`. `open` checks that the endpoint holds exactly this release's
    graphs (triples per graph), so a front end never serves a stale or partial
    store under the release's name and ETags.
    """

    def __init__(self, endpoint: str, release_id: str, graphs: dict[str, int], *,
                 credentials: Credentials | None = None, union_graph: bool = False) -> None:
        import httpx

        self.endpoint = endpoint
        self._release_id = release_id
        self._counts = dict(graphs)
        self._graphs = sorted(graphs)
        # The default graph sent with a query that names no dataset: the union graph when the
        # backend holds it (exactly), else every graph of the release.
        self.default_graphs = [UNION_GRAPH] if union_graph else list(self._graphs)
        self.on_close: list[Any] = []  # called by close(), last first
        self.max_nesting = MAX_NESTING  # the query check's limit; the server sets its own
        self._client = httpx.Client(
            auth=credentials.auth() if credentials else None,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    # -- opening ------------------------------------------------------------

    @classmethod
    def open(cls, dist: Path, endpoint: str, *, credentials: Credentials | None = None,
             check: bool = True) -> "RemoteStore":
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
                store.default_graphs = [UNION_GRAPH]
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
        rows = self._select_terms(query, timeout=timeout, dataset=False)[1]
        return {row[0].value: int(row[1].value) for row in rows if row[0] is not None}

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
                f"the backend {self.endpoint} does not hold release {self._release_id} "
                f"({'; '.join(details)}{' ...' if len(missing) + len(different) > 5 else ''}): "
                f"load it with `spacecoop load --into URL` (see docs/import.md)")
        if extra:
            log.warning("the backend holds graphs that are not in release %s: %s (they are not queried)",
                        self._release_id, ", ".join(extra[:5]))
        return found

    # -- the Store protocol ---------------------------------------------------

    @property
    def release_id(self) -> str:
        return self._release_id

    def query_kind(self, query: str) -> str:
        """The query's form, after the front end's rules and a local parse.

        Updates and SERVICE are refused, and a query that does not parse is reported with
        the same parser (and messages) as the embedded store, before anything leaves.
        """
        from spacecoop.query_policy import check_query

        kind = check_query(query, self.max_nesting)
        parsed = parse_query(query)
        return kind or _PARSED_FORMS.get(parsed, "graph")

    def execute(self, request: QueryRequest, media_type: str, *, timeout: float,
                max_rows: int | None) -> QueryResult:
        kind = self.query_kind(request.query)
        if kind == "graph":
            triples = self._triples(request, timeout=timeout, max_rows=max_rows)
            return QueryResult(kind, media_type, _graph_body(triples, media_type), len(triples))
        response = self._post(request, SPARQL_JSON, timeout=timeout)
        document = self._json(response)
        if kind == "ask" or "boolean" in document:
            return QueryResult("ask", media_type, _boolean_body(bool(document.get("boolean")), media_type), None)
        variables, rows = self._rows(document, max_rows)
        return QueryResult(kind, media_type, _solutions_body(variables, rows, media_type), len(rows))

    def select(self, query: str, *, timeout: float) -> list[dict[str, object]]:
        from spacecoop.oxigraph_store import to_rdflib

        if self.query_kind(query) != "select":
            raise QuerySyntaxError("this is not a SELECT query")
        variables, rows = self._select_terms(query, timeout=timeout)
        return [{name: to_rdflib(term) for name, term in zip(variables, row) if term is not None} for row in rows]

    def construct(self, query: str, *, timeout: float) -> Any:
        import rdflib

        from spacecoop.oxigraph_store import to_rdflib

        if self.query_kind(query) != "graph":
            raise QuerySyntaxError("this is not a CONSTRUCT or DESCRIBE query")
        graph = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for t in self._triples(QueryRequest(query), timeout=timeout, max_rows=None):
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph

    def describe(self, iri: str, *, timeout: float) -> Any:
        return self.construct(f"DESCRIBE <{ox.NamedNode(iri).value}>", timeout=timeout)

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def close(self) -> None:
        self._client.close()
        while self.on_close:
            self.on_close.pop()()

    # -- talking to the backend -----------------------------------------------

    def _form(self, request: QueryRequest, dataset: bool = True) -> list[tuple[str, str]]:
        """The protocol's form: the query (rewritten if needed) and its dataset.

        A request that names graphs keeps them; a query with FROM / FROM NAMED keeps its
        own; otherwise the release's graphs are the default graph (their merge) and the
        named graphs, so the backend's other graphs (system graphs) stay out of sight.
        """
        from spacecoop.query_policy import names_dataset

        form = [("query", expand_escaped_prefixed_names(request.query))]
        if request.default_graph_uris or request.named_graph_uris:
            form += [("default-graph-uri", g) for g in request.default_graph_uris]
            form += [("named-graph-uri", g) for g in request.named_graph_uris]
        elif dataset and not names_dataset(request.query):
            form += [("default-graph-uri", g) for g in self.default_graphs]
            form += [("named-graph-uri", g) for g in self._graphs]
        return form

    def _post(self, request: QueryRequest, accept: str, *, timeout: float, dataset: bool = True) -> bytes:
        """One form-encoded POST; the answer's body, or QueryTimeout once `timeout` has passed.

        Past the deadline the request is abandoned: the connection is closed, whatever
        the backend does with the query it was running.
        """
        import httpx

        deadline = time.monotonic() + timeout
        body = urlencode(self._form(request, dataset))
        limits = httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
        try:
            with self._client.stream(
                "POST", self.endpoint, content=body.encode("utf-8"), timeout=limits,
                headers={"Content-Type": FORM, "Accept": accept},
            ) as response:
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise QueryTimeout(self._timeout_message(timeout))
                data = b"".join(chunks)
                status = response.status_code
                headers = response.headers
        except QueryTimeout:
            raise
        except httpx.TimeoutException as error:
            if isinstance(error, httpx.ConnectTimeout) and time.monotonic() < deadline:
                raise BackendError(f"the backend {self.endpoint} cannot be reached: {error}") from None
            raise QueryTimeout(self._timeout_message(timeout)) from None
        except httpx.HTTPError as error:
            raise BackendError(f"the backend {self.endpoint} cannot be reached: {error}") from None
        if time.monotonic() > deadline:
            raise QueryTimeout(self._timeout_message(timeout))
        if status == 200:
            if headers.get("x-sql-state") or headers.get("x-exec-db-activity", "").startswith("partial"):
                # Virtuoso's "anytime" answers are partial: never serve them as the answer.
                raise QueryTimeout(self._timeout_message(timeout) + " (the backend returned a partial answer)")
            return data
        message = data.decode("utf-8", "replace").strip()[:2000]
        if status == 400:
            raise QuerySyntaxError(f"the backend rejected the query: {message}")
        if status in (408, 503, 504) and "timeout" in message.lower():
            raise QueryTimeout(self._timeout_message(timeout))
        lowered = message.lower()
        if "estimated execution time" in lowered and "exceeds the limit" in lowered:
            # Virtuoso refuses up front a query its planner expects to run past its own limit.
            raise QueryTimeout(f"the backend refused to start the query: it expects it to run past its own "
                               f"time limit (spacecoop's is the time limit of {timeout:g} s)")
        if "s1t00" in lowered or "transaction timed out" in lowered:
            raise QueryTimeout(f"the backend stopped the query at its own time limit (spacecoop's is the "
                               f"time limit of {timeout:g} s)")
        raise BackendError(f"the backend {self.endpoint} answered HTTP {status}: {message[:500]}")

    @staticmethod
    def _timeout_message(timeout: float) -> str:
        return f"the query was abandoned at the time limit of {timeout:g} s (the backend had not answered)"

    @staticmethod
    def _json(data: bytes) -> dict[str, Any]:
        try:
            document = json.loads(data)
        except ValueError as error:
            raise BackendError(f"the backend's SPARQL-JSON answer does not parse: {error}") from None
        if not isinstance(document, dict):
            raise BackendError("the backend's SPARQL-JSON answer is not an object")
        return document

    @staticmethod
    def _rows(document: dict[str, Any], max_rows: int | None) -> tuple[list[str], list[list[Any]]]:
        variables = list(document.get("head", {}).get("vars", []))
        bindings = document.get("results", {}).get("bindings", [])
        if max_rows is not None and len(bindings) > max_rows:
            raise RowLimitExceeded(max_rows)
        terms = _Terms()
        rows = [[terms.term(b[v]) if v in b else None for v in variables] for b in bindings]
        return variables, rows

    def _select_terms(self, query: str, *, timeout: float, dataset: bool = True) -> tuple[list[str], list[list[Any]]]:
        document = self._json(self._post(QueryRequest(query), SPARQL_JSON, timeout=timeout, dataset=dataset))
        return self._rows(document, None)

    def _describe_as_construct(self, request: QueryRequest, parts: "DescribeParts",
                               timeout: float) -> QueryRequest | None:
        """DESCRIBE as the embedded store answers it: the concise bounded description.

        What DESCRIBE returns is left to each store (Virtuoso adds other triples), so the
        resources are found with a SELECT, then described by one CONSTRUCT: their triples,
        and those of the blank nodes reached from them (to `CBD_DEPTH` levels).
        """
        deadline = time.monotonic() + timeout
        resources: list[str] = []
        if parts.selection:
            selection = QueryRequest(parts.selection, request.default_graph_uris, request.named_graph_uris)
            found = self._json(self._post(selection, SPARQL_JSON, timeout=timeout))
            for binding in found.get("results", {}).get("bindings", []):
                for value in binding.values():
                    if value.get("type") == "uri" and value["value"] not in resources:
                        resources.append(value["value"])
        if not resources:
            return None
        if time.monotonic() > deadline:
            raise QueryTimeout(self._timeout_message(timeout))
        return QueryRequest(cbd_query(resources), request.default_graph_uris, request.named_graph_uris)

    def _triples(self, request: QueryRequest, *, timeout: float, max_rows: int | None) -> list[ox.Triple]:
        deadline = time.monotonic() + timeout
        describe = describe_parts(request.query)
        if describe is not None:
            request = self._describe_as_construct(request, describe, timeout)
            if request is None:
                return []
        data = self._post(request, N_TRIPLES, timeout=max(deadline - time.monotonic(), 0.001))
        try:
            parsed = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as error:
            raise BackendError(f"the backend's N-Triples answer does not parse: {error}") from None
        triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in parsed))
        if max_rows is not None and len(triples) > max_rows:
            raise RowLimitExceeded(max_rows)
        return triples


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
