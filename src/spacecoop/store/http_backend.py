"""The transport to an external SPARQL 1.1 endpoint: form-encoded POSTs, and what stores say back.

`HttpBackend` is the `sparql_store.Backend` of `remote.RemoteStore`. It sends
every query as a form-encoded POST (some stores, Virtuoso 7 among them, never
answer a POST of `application/sparql-query`), with the release's dataset unless
the request or the query names one, and its prefixed names rewritten for
stores whose parser lacks SPARQL 1.1 escapes. It reads the ways stores say they
stopped a query (HTTP statuses, Virtuoso's partial "anytime" answers and its
refusals) as timeouts, never as answers; checks a query's syntax here
(`parse_query`, nothing evaluated); and answers DESCRIBE with a CONSTRUCT of
concise bounded descriptions (`cbd_query`), as the embedded store does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from spacecoop.rdf.escaped_names import expand_escaped_prefixed_names
from spacecoop.store.describe_targets import describe_parts
from spacecoop.store.policy import ASK, SELECT, names_dataset
from spacecoop.store.policy import GRAPH as GRAPH_FORM
from spacecoop.store.protocol import (
    BackendUnavailable,
    QueryRequest,
    QuerySyntaxError,
    QueryTimeout,
)
from spacecoop.store.sparql_store import SPARQL_JSON

FORM = "application/x-www-form-urlencoded"
CONNECT_TIMEOUT = 5.0  # seconds to reach the backend (within the query's own limit)
USER_AGENT = "spacecoop-remote-store"


class BackendError(BackendUnavailable):
    """The backend failed or could not be reached (the client should get 502)."""


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
