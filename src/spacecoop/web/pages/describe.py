"""The one description of a resource: the SPARQL query every representation of it starts from.

`describe_query(iri)` is a SPARQL CONSTRUCT that every representation of a
resource uses — the RDF formats serialise its graph, the HTML page renders a
`resource_view.ResourceView` built from that same graph. The description of a resource R is:

1. R's outgoing triples, following blank-node objects (up to `BLANK_DEPTH`
   levels, so a blank node's own triples come with it);
2. the incoming links `?s ?p R` from IRIs;
3. the labels (`rdfs:label`, `skos:prefLabel`, `dcterms:title`) and types of
   every IRI it links to or is linked from, classes included;
4. its evidence: every `oa:Annotation` whose `oa:hasBody` is R, with its
   target and selectors (blank nodes followed), and the title of the source.

Triples come from every named graph except the inferred one (entailments are
queryable at `/sparql`, but a page shows what the documents assert).
"""

from __future__ import annotations

import re

from rdflib import RDF

from spacecoop.iris import INFERRED_GRAPH, OA
from spacecoop.web.pages.vocabulary import LABEL_PROPERTIES

BLANK_DEPTH = 3
_NOT_INFERRED = f"FILTER(?g != <{INFERRED_GRAPH}>)"


def _blank_chain(start: str, depth: int, prefix: str) -> str:
    """Triples `?s ?p ?o` of the blank node `depth` steps from `start` through blank nodes only."""
    steps = []
    previous = start
    for level in range(1, depth + 1):
        node = "?s" if level == depth else f"?{prefix}{level}"
        steps.append(f"{previous} ?{prefix}p{level} {node} . FILTER(isBlank({node}))")
        previous = node
    return " ".join(steps) + " ?s ?p ?o ."


_NOT_IN_IRIREF = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def is_safe_iri(iri: str) -> bool:
    """Whether `iri` can be written as a SPARQL IRIREF `<…>` as it is (nothing to escape or inject)."""
    return bool(iri) and _NOT_IN_IRIREF.search(iri) is None


def describe_query(iri: str) -> str:
    """The CONSTRUCT query of the description of `iri` (see the module documentation)."""
    if not is_safe_iri(iri):
        raise ValueError(f"not an IRI that can be queried: {iri!r}")
    r = f"<{iri}>"
    branches = [
        # 1. outgoing triples and the blank nodes they lead to
        f"VALUES ?s {{ {r} }} GRAPH ?g {{ ?s ?p ?o }} {_NOT_INFERRED}",
        *(f"GRAPH ?g {{ {_blank_chain(r, d, 'b')} }} {_NOT_INFERRED}" for d in range(1, BLANK_DEPTH + 1)),
        # 2. incoming links from IRIs
        f"VALUES ?o {{ {r} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?s)) {_NOT_INFERRED}",
        # 4. evidence: the annotations with their targets and selectors
        f"GRAPH ?g {{ ?s <{OA.hasBody}> {r} . ?s ?p ?o }} {_NOT_INFERRED}",
        *(
            f"GRAPH ?g {{ ?ann <{OA.hasBody}> {r} . {_blank_chain('?ann', d, 'e')} }} {_NOT_INFERRED}"
            for d in range(1, BLANK_DEPTH + 1)
        ),
        # 3. labels and types of everything linked (neighbours, IRIs inside blank nodes, evidence sources)
        f"""{{
              {{ GRAPH ?g {{ {r} ?l ?x }} FILTER(isIRI(?x)) {_NOT_INFERRED} }}
              UNION {{ GRAPH ?g {{ ?x ?l {r} }} FILTER(isIRI(?x)) {_NOT_INFERRED} }}
              UNION {{ GRAPH ?g {{ {r} ?l1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?l ?x }} FILTER(isIRI(?x)) {_NOT_INFERRED} }}
              UNION {{ GRAPH ?g {{ {r} ?l1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?l2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?l ?x }}
                       FILTER(isIRI(?x)) {_NOT_INFERRED} }}
              UNION {{ GRAPH ?g {{ ?ann <{OA.hasBody}> {r} . ?ann <{OA.hasTarget}> ?t . ?t <{OA.hasSource}> ?x }}
                       {_NOT_INFERRED} }}
            }}
            GRAPH ?g2 {{ ?x ?p ?o }} FILTER(?p IN (<{RDF.type}>, {", ".join(f"<{p}>" for p in LABEL_PROPERTIES)}))
            FILTER(?g2 != <{INFERRED_GRAPH}>)
            BIND(?x AS ?s)""",
    ]
    body = "\n  UNION\n".join(f"  {{ {b} }}" for b in branches)
    return f"CONSTRUCT {{ ?s ?p ?o }}\nWHERE {{\n{body}\n}}"
