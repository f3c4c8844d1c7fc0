"""HTML documentation of the vocabulary, made by pyLODE.

pyLODE (OntPub profile) lists every class and property with labels,
definitions, domains, ranges and super-classes/properties. Two things are
ours: pyLODE iterates Python sets and prints blank node ids, so its output
follows the process's string-hash seed and rdflib's random blank node ids; it
runs in a child process with a fixed `PYTHONHASHSEED` and numbered blank
nodes, so the same vocabulary gives the same bytes. And every term gets an anchor at
`#LocalName`, so the server can send a browser from a term IRI to its entry.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from spacecoop.errors import BuildError
from spacecoop.iris import SCO
from spacecoop.rdf.canonical import canonical_quads, serialize

_RENDER = """
import itertools, logging, sys, uuid
import rdflib.term
# Blank node ids come from uuid4: number them instead, so they repeat.
_serial = itertools.count(1)
rdflib.term.uuid4 = lambda: uuid.UUID(int=next(_serial))
from rdflib import Graph
from pylode import OntPub
logging.disable(logging.CRITICAL)
graph = Graph().parse(data=sys.stdin.read(), format="nt")
sys.stdout.write(OntPub(ontology=graph).make_html())
"""


LABEL_SEPARATOR = " · "


def _docs_graph(ontology: Graph) -> Graph:
    """What pyLODE is shown: no concept schemes (it would take one for the document's
    subject), the header's English title and description only (it shows one), and each
    term's labels as one (pyLODE writes a term's labels one after the other with nothing
    between them: "achievement成就"; it is shown "achievement · 成就", English first)."""
    graph = Graph()
    graph += ontology
    graph.remove((None, RDF.type, SKOS.ConceptScheme))
    for prop in (DCTERMS.title, DCTERMS.description):
        for value in list(graph.objects(None, prop)):
            if isinstance(value, Literal) and value.language not in (None, "en"):
                graph.remove((None, prop, value))
    for subject in set(graph.subjects(RDFS.label, None)):
        labels = [value for value in graph.objects(subject, RDFS.label) if isinstance(value, Literal)]
        if len(labels) < 2:
            continue
        labels.sort(key=lambda label: (label.language != "en", label.language or "", str(label)))
        graph.remove((subject, RDFS.label, None))
        graph.add((subject, RDFS.label, Literal(LABEL_SEPARATOR.join(str(label) for label in labels), lang="en")))
    return graph


class DocsJob:
    """pyLODE running in its child process; `result()` waits for the page.

    The build starts it first and writes the dumps meanwhile: on two cores the
    documentation then costs almost nothing of the build's time.
    """

    def __init__(self, ontology: Graph) -> None:
        triples = serialize(canonical_quads({None: _docs_graph(ontology)}), "nt")
        env = dict(os.environ, PYTHONHASHSEED="0")
        self._process = subprocess.Popen(
            [sys.executable, "-c", _RENDER],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self._input = triples

    def cancel(self) -> None:
        """Stop the child if the build ends before it needs the page."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()

    def result(self) -> str:
        try:
            out, err = self._process.communicate(self._input, timeout=120)
        except BaseException:
            self._process.kill()
            self._process.wait()
            raise
        if self._process.returncode != 0:
            raise BuildError("pyLODE failed to document the vocabulary:\n" + err.decode(errors="replace")[-2000:])
        return _add_term_anchors(_sort_class_unions(out.decode("utf-8")))


def ontology_html(ontology: Graph) -> str:
    """The pyLODE page for the vocabulary, with an `id` anchor per local name."""
    return DocsJob(ontology).result()


_SET_CLASS = re.compile(
    r"<td>(?P<body>(?:(?!</td>).)*?<span class=\"cardinality\">(?:or|and)</span>.*?)</td>", re.DOTALL
)
_JOIN = re.compile(r'(\s*<span class="cardinality">(?:or|and)</span>)')


def _sort_class_unions(html: str) -> str:
    """Put the members of 'A or B or C' in a stable order (pyLODE collects them in a set)."""

    def sort(match: re.Match[str]) -> str:
        parts = _JOIN.split(match.group("body"))
        members, joins = parts[0::2], parts[1::2]
        trailing = members[-1][len(members[-1].rstrip()) :]
        members = sorted(m.rstrip() for m in members)
        body = "".join(m + (joins[i] if i < len(joins) else "") for i, m in enumerate(members))
        return f"<td>{body}{trailing}</td>"

    return _SET_CLASS.sub(sort, html)


_ENTRY = re.compile(
    r'<div class="[^"]*entity[^"]*" id="(?P<id>[^"]+)">\s*<h3>.*?</h3>\s*<table>\s*<tr>\s*'
    r'<th>IRI</th>\s*<td>\s*<code>(?P<iri>[^<]+)</code>',
    re.DOTALL,
)


def _add_term_anchors(html: str) -> str:
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
