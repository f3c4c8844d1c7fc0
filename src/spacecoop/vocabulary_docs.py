"""HTML documentation of the vocabulary, made by pyLODE.

pyLODE (OntPub profile) lists every class and property with labels,
definitions, domains, ranges and super-classes/properties. We only make its
anchors predictable (every term is reachable at `#LocalName`) so that the
server can send a browser from a term IRI to its entry.
"""

from __future__ import annotations

import logging
import re

from rdflib import Graph

from .namespaces import SCO


def ontology_html(ontology: Graph) -> str:
    """The pyLODE page for the vocabulary, with an `id` anchor per local name."""
    from pylode import OntPub  # imported late: it loads its background ontologies on import

    # pyLODE sets the root logger to INFO when imported; keep the build's output readable.
    logging.getLogger().setLevel(logging.WARNING)

    html = OntPub(ontology=ontology).make_html()
    return _add_term_anchors(html, ontology)


_ENTRY = re.compile(
    r'<div class="[^"]*entity[^"]*" id="(?P<id>[^"]+)">\s*<h3>.*?</h3>\s*<table>\s*<tr>\s*<th>IRI</th>\s*<td>\s*<code>(?P<iri>[^<]+)</code>',
    re.DOTALL,
)


def _add_term_anchors(html: str, ontology: Graph) -> str:
    """Make `#LocalName` reach each term's entry even where pyLODE chose another id."""
    ids = set(re.findall(r'id="([^"]+)"', html))
    insertions: list[tuple[int, str]] = []
    for match in _ENTRY.finditer(html):
        iri = match.group("iri")
        if not iri.startswith(str(SCO)):
            continue
        local = iri[len(str(SCO)) :]
        if local in ids:
            continue
        ids.add(local)
        # An empty anchor right inside the entry's <div>, before its heading.
        insertions.append((html.index(">", match.start()) + 1, f'<span id="{local}"></span>'))
    for position, anchor in reversed(insertions):
        html = html[:position] + anchor + html[position:]
    return html
