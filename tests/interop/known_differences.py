"""Answers an external store is known to get wrong, with the reason.

A query listed here is still run: its test asserts the store's answer is the
documented wrong one (no rows where spacecoop has some), so a fixed store or a
changed query makes the test fail and the entry gets removed. Everything not
listed must match spacecoop's answer exactly.
"""

from __future__ import annotations

VIRTUOSO_7_2 = {
    "cq-004-xi-jinping-meetings": (
        "Virtuoso 7.2.5 returns no rows when a zero-or-more path (`?mission a/rdfs:subClassOf* sco:Mission`) "
        "is joined with a triple pattern that has a constant object (`sco:participant id:person\\/xi-jinping`); "
        "the same pattern without the constant, or Jena/pyoxigraph, give the 3 meetings"
    ),
}

# spacecoop's embedded store holds the RDF merge of the named graphs as its default graph
# (each triple once), so it counts as SPARQL, Jena TDB2 and Virtuoso (with the union graph)
# do. An entry here would name a query where it still answered otherwise.
EMBEDDED_UNION_IS_A_BAG: dict[str, str] = {}
