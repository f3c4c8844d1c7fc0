"""DESCRIBE answers with the description the resource pages use.

SPARQL leaves the result of DESCRIBE to the service. Ours is the one
documented description of a resource (`spacecoop.web.pages.describe`):
outgoing triples with their blank nodes, incoming links, labels and types of
neighbours, and the evidence. So `DESCRIBE <iri>` at /sparql, the Turtle at
/id/... and the HTML page all say the same thing, whichever backend serves.

DESCRIBE is answered in two steps, each under the time limit that remains:
`describe_targets` turns the query into a SELECT that finds the resources
(the constant IRIs and the variables' values), then each is described.
"""

from __future__ import annotations

import time

from rdflib import Graph, URIRef

from spacecoop.store.describe_targets import describe_parts
from spacecoop.store.protocol import QuerySyntaxError, QueryTimeout, RowLimitExceeded, Store
from spacecoop.web.pages.describe import describe_query, is_safe_iri


def describe(store: Store, query: str, *, time_limit: float, max_rows: int) -> Graph:
    """The union of the descriptions of every resource the DESCRIBE query names."""
    deadline = time.monotonic() + time_limit
    parts = describe_parts(query)
    if parts is None:
        raise QuerySyntaxError("this is not a DESCRIBE query")
    iris: list[str] = []
    if parts.selection is not None:
        for row in store.select(parts.selection, timeout=_remaining(deadline)):
            for value in row.values():
                if isinstance(value, URIRef) and str(value) not in iris:
                    iris.append(str(value))
    if len(iris) > max_rows:
        raise RowLimitExceeded(max_rows)
    graph = Graph()
    for iri in iris:
        if is_safe_iri(iri):
            graph += store.construct(describe_query(iri), timeout=_remaining(deadline))  # type: ignore[arg-type]
    if len(graph) > max_rows:
        raise RowLimitExceeded(max_rows)
    return graph


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeout("the time limit was reached while describing the resources")
    return left
