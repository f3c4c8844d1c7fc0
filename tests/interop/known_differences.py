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

# spacecoop's embedded store (pyoxigraph 0.5, `use_default_graph_as_union`) evaluates the
# union default graph as a bag of quads: a triple stated by several documents matches once
# per document. SPARQL's default graph is their RDF merge (a set), as in Jena TDB2 and in
# Virtuoso with the union graph. Fixed in Oxigraph after 0.5 (its issue 1919); or the
# embedded store can hold the merge as its default graph. Only answers that count or list
# such triples without DISTINCT differ; the competency questions do not.
EMBEDDED_UNION_IS_A_BAG = {
    "any-count-default": "COUNT(*) over the default graph counts shared statements once per document",
}
