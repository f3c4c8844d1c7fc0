"""The vocabulary's HTML documentation (pyLODE), anchored at every term's local name.

A browser that follows `https://w3id.org/spacecoop/ontology#partyTo` asks the
server for `/ontology` and then scrolls to `#partyTo`. pyLODE 3.3.4 makes its
element ids from a term's label (`signingdate`, `spaceagency`) rather than
from the IRI, so the served page gets an extra, empty anchor with the local
name at the start of each term's section whenever pyLODE's id differs,
`<link rel="alternate">` elements for the RDF representations, and the site's
bar at the top (pyLODE's page has no way back to the site).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

import jinja2

from spacecoop.web.pages.site import TEMPLATES_DIR

# <div class="property entity" id="signingdate"> <h3>…</h3> <table> <tr> <th>IRI</th> <td> <code>IRI</code>
_SECTION = re.compile(
    r'(<div class="[^"]*\bentity\b[^"]*" id="(?P<id>[^"]*)">)(?P<head>.{0,2000}?)'
    r'<th>IRI</th>\s*<td>\s*<code>(?P<iri>[^<]+)</code>',
    re.S,
)
_IDS = re.compile(r'\bid="([^"]*)"')


@cache
def _additions() -> Any:
    """The macros of `_vocabdoc.html`: what the served page adds to pyLODE's."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                                     undefined=jinja2.StrictUndefined, auto_reload=False)
    return environment.get_template("_vocabdoc.html").module


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
    tags = str(_additions().head_links(list(links)))
    marker = page.find("</head>")
    if marker < 0:
        return tags + page
    return page[:marker] + tags + page[marker:]


def add_site_bar(page: str, home: str, links: Iterable[tuple[str, str]]) -> str:
    """The site's bar (home and `links`, (href, label)) at the top of the body: a way back from pyLODE's page."""
    bar = str(_additions().site_bar(home, list(links)))
    match = re.search(r"<body[^>]*>", page)
    if match is None:
        return bar + page
    return page[: match.end()] + bar + page[match.end():]


def add_missing_terms(page: str, terms: Iterable[tuple[str, str, str, str | None]]) -> str:
    """A section for the terms pyLODE does not document (concepts, individuals), one anchor each.

    `terms` are (local name, IRI, label, definition); those whose local name is
    already an element id are skipped.
    """
    taken = set(_IDS.findall(page))
    rows = [(local, iri, label, definition) for local, iri, label, definition in terms
            if local not in taken and re.fullmatch(r"[A-Za-z0-9_.\-]+", local)]
    if not rows:
        return page
    section = str(_additions().other_terms(rows))
    for marker in ('<div id="namespaces"', "</body>"):
        position = page.find(marker)
        if position >= 0:
            return page[:position] + section + page[position:]
    return page + section
