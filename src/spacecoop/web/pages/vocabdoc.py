"""The vocabulary's HTML documentation (pyLODE), anchored at every term's local name.

A browser that follows `https://w3id.org/spacecoop/ontology#partyTo` asks the
server for `/ontology` and then scrolls to `#partyTo`. pyLODE 3.3.4 makes its
element ids from a term's label (`signingdate`, `spaceagency`) rather than
from the IRI, so the served page gets an extra, empty anchor with the local
name at the start of each term's section whenever pyLODE's id differs, and
`<link rel="alternate">` elements for the RDF representations.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# <div class="property entity" id="signingdate"> <h3>…</h3> <table> <tr> <th>IRI</th> <td> <code>IRI</code>
_SECTION = re.compile(
    r'(<div class="[^"]*\bentity\b[^"]*" id="(?P<id>[^"]*)">)(?P<head>.{0,2000}?)'
    r'<th>IRI</th>\s*<td>\s*<code>(?P<iri>[^<]+)</code>',
    re.S,
)
_IDS = re.compile(r'\bid="([^"]*)"')


def term_anchors(page: str) -> dict[str, str]:
    """Term IRI -> the element id pyLODE gave its section."""
    return {html.unescape(m.group("iri")).strip(): m.group("id") for m in _SECTION.finditer(page)}


def anchor_terms(page: str, namespace: str) -> str:
    """Add `<span id="{local name}">` to each section of a `namespace` term whose id differs."""
    taken = set(_IDS.findall(page))

    def add(match: re.Match[str]) -> str:
        iri = html.unescape(match.group("iri")).strip()
        if not iri.startswith(namespace):
            return match.group(0)
        local = iri[len(namespace):]
        if not local or local == match.group("id") or local in taken or not re.fullmatch(r"[A-Za-z0-9_.\-]+", local):
            return match.group(0)
        taken.add(local)
        return match.group(1) + f'<span id="{local}" class="term-anchor"></span>' + match.group(0)[len(match.group(1)):]

    return _SECTION.sub(add, page)


def add_head_links(page: str, links: Iterable[tuple[str, str, str]]) -> str:
    """Insert `<link rel="alternate" type=… href=… title=…>` before `</head>`."""
    tags = "".join(
        f'<link rel="alternate" type="{html.escape(t)}" href="{html.escape(h)}" title="{html.escape(label)}">\n'
        for t, h, label in links
    )
    marker = page.find("</head>")
    if marker < 0:
        return tags + page
    return page[:marker] + tags + page[marker:]


def add_missing_terms(page: str, terms: Iterable[tuple[str, str, str, str | None]]) -> str:
    """A section for the terms pyLODE does not document (concepts, individuals), one anchor each.

    `terms` are (local name, IRI, label, definition); those whose local name is
    already an element id are skipped.
    """
    taken = set(_IDS.findall(page))
    rows = [
        f'<dt id="{html.escape(local)}"><code>{html.escape(iri)}</code> — {html.escape(label)}</dt>'
        f'<dd>{html.escape(definition or "")}</dd>\n'
        for local, iri, label, definition in terms
        if local not in taken and re.fullmatch(r"[A-Za-z0-9_.\-]+", local)
    ]
    if not rows:
        return page
    section = ('<div class="section" id="other-terms"><h2>Concepts and individuals</h2>\n<dl>\n'
               + "".join(rows) + "</dl></div>\n")
    for marker in ('<div id="namespaces"', "</body>"):
        position = page.find(marker)
        if position >= 0:
            return page[:position] + section + page[position:]
    return page + section
