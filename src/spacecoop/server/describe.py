"""DESCRIBE answers with the description the resource pages use.

SPARQL leaves the result of DESCRIBE to the service. Ours is the one
documented description of a resource (`spacecoop.linkeddata.describe`):
outgoing triples with their blank nodes, incoming links, labels and types of
neighbours, and the evidence. So `DESCRIBE <iri>` at /sparql, the Turtle at
/id/... and the HTML page all say the same thing, whichever backend serves.

A DESCRIBE with variables is answered in two steps, each under the time
limit that remains: its head is rewritten to `SELECT DISTINCT` over the same
WHERE clause to find the resources, then each is described.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from rdflib import Graph, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from pyparsing import ParseException

from spacecoop.linkeddata.describe import describe_query, is_safe_iri
from spacecoop.store import QuerySyntaxError, QueryTimeout, RowLimitExceeded, Store

# Tokens of the part of a query before its WHERE clause, with their positions.
_HEAD_TOKEN = re.compile(r"#[^\n\r]*|<[^<>\"{}|^`\\\x00-\x20]*>|[^\s#<{]+|\{")


@dataclass(frozen=True)
class DescribeTargets:
    """What a DESCRIBE names: constant IRIs, and a SELECT that finds the variables' values."""

    iris: tuple[str, ...]
    select: str | None


def targets(query: str) -> DescribeTargets:
    """Read a DESCRIBE query's targets; QuerySyntaxError when it does not parse."""
    try:
        parsed = translateQuery(parseQuery(query))
    except ParseException as error:
        raise QuerySyntaxError(f"line {error.lineno}, column {error.col}: {error.msg}") from None
    except Exception as error:  # rdflib raises bare Exceptions for unknown prefixes and the like
        raise QuerySyntaxError(str(error)) from None
    projection = parsed.algebra.get("PV") or []
    iris = tuple(str(t) for t in projection if isinstance(t, URIRef))
    variables = [t for t in projection if isinstance(t, Variable)]
    star = not projection  # DESCRIBE * describes every variable of the WHERE clause
    if not variables and not star:
        return DescribeTargets(iris, None)
    return DescribeTargets(iris, _as_select(query, variables))


def _as_select(query: str, variables: list[Variable]) -> str:
    """The query with `DESCRIBE <head>` replaced by `SELECT DISTINCT <variables>`."""
    start = end = None
    for match in _HEAD_TOKEN.finditer(query):
        word = match.group()
        if word.startswith("#"):
            continue
        if start is None:
            if word.upper() == "DESCRIBE":
                start = match.start()
            continue
        if word == "{" or word.upper() in ("WHERE", "FROM"):
            end = match.start()
            break
    if start is None or end is None:
        raise QuerySyntaxError("a DESCRIBE with variables needs a WHERE clause")
    head = " ".join(f"?{v}" for v in variables) if variables else "*"
    return f"{query[:start]}SELECT DISTINCT {head}\n{query[end:]}"


def describe(store: Store, query: str, *, time_limit: float, max_rows: int) -> Graph:
    """The union of the descriptions of every resource the DESCRIBE query names."""
    deadline = time.monotonic() + time_limit
    found = targets(query)
    iris = list(found.iris)
    if found.select is not None:
        for row in store.select(found.select, timeout=_remaining(deadline)):
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
