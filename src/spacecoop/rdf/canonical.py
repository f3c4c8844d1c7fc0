"""Byte-stable RDF files: canonical blank nodes, sorted statements, fixed prefixes.

rdflib's serialisers follow hash order and label blank nodes at random, so two
builds of the same inputs would differ. Here the statements are moved into a
pyoxigraph Dataset, blank nodes are relabelled with RDFC-1.0, the quads are
sorted (types first), and pyoxigraph writes every format from that order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph

from spacecoop.iris import ID, PREFIXES
from spacecoop.rdf import formats

# The RDF formats of the release files, by extension.
FORMATS: dict[str, ox.RdfFormat] = {
    fmt.extension: fmt.rdf for fmt in formats.REGISTRY if fmt.extension is not None and fmt.rdf is not None
}

# The media types of the release files (those the manifest and DCAT name), by extension.
MEDIA_TYPES: dict[str, str] = {
    fmt.extension: fmt.media_type
    for fmt in formats.of_kind(formats.GRAPH, formats.DATASET, formats.PAGE, formats.FILE)
    if fmt.extension is not None
}

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def to_quads(graphs: dict[str | None, Graph]) -> list[ox.Quad]:
    """The triples of rdflib graphs as pyoxigraph quads (None = the default graph)."""
    quads: list[ox.Quad] = []
    for name, graph in graphs.items():
        target = ox.DefaultGraph() if name is None else ox.NamedNode(name)
        data = graph.serialize(format="nt", encoding="utf-8")
        quads.extend(
            ox.Quad(t.subject, t.predicate, t.object, target) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        )
    return quads


def _key(quad: ox.Quad) -> tuple[str, int, str, str, str]:
    predicate = str(quad.predicate)
    return (
        "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name),
        1 if str(quad.subject).startswith("_:") else 0,
        str(quad.subject),
        "0" if predicate == _RDF_TYPE else predicate,
        str(quad.object),
    )


def canonical_quads(graphs: dict[str | None, Graph], quads: Iterable[ox.Quad] = ()) -> list[ox.Quad]:
    """The quads of the graphs (and of `quads`) with RDFC-1.0 blank node labels, in a stable order."""
    dataset = ox.Dataset([*quads, *to_quads(graphs)])
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=_key)


# Large datasets: the same canonical order, computed on N-Quads lines.
#
# For a million statements, Python-level work per quad (term objects, string
# conversions in a sort key) is what costs. The data dumps are therefore made
# from the canonical dataset's N-Quads text: its lines are sorted with the key
# of `_key` read off the line itself, and statistics and the asserted graph are
# read off the lines too. Every line of the data names its graph (the data has
# no default graph), so the graph is the line's last IRI.


def _line_key(line: str) -> tuple[str, int, str, str, str]:
    """`_key` of one N-Quads line of a named graph."""
    subject, predicate, rest = line.split(" ", 2)
    obj, graph = rest[:-2].rsplit(" ", 1)
    return (graph, 1 if subject.startswith("_:") else 0, subject, "0" if predicate == _RDF_TYPE else predicate, obj)


def _triple_line_key(line: str) -> tuple[int, str, str, str]:
    """`_key` of one N-Triples line (the default graph)."""
    subject, predicate, rest = line.split(" ", 2)
    return (1 if subject.startswith("_:") else 0, subject, "0" if predicate == _RDF_TYPE else predicate, rest[:-2])


def _mentions_blank_node(quad: ox.Quad) -> bool:
    # A triple term (RDF 1.2) is counted in: canonicalising a quad without a blank node changes nothing.
    return not all(
        isinstance(term, (ox.NamedNode, ox.Literal, ox.DefaultGraph))
        for term in (quad.subject, quad.object, quad.graph_name)
    )


def canonical_lines(quads: Iterable[ox.Quad]) -> list[str]:
    """The distinct N-Quads lines of named-graph quads with RDFC-1.0 blank node labels, in `_key` order.

    RDFC-1.0 labels a blank node from the quads that mention blank nodes and from
    nothing else, so only those quads are put into a Dataset and canonicalised; the
    others are written as lines at once. A million statements are then never held
    twice (a Dataset of them all, and its text) besides the lines themselves.
    """
    lines: list[str] = []
    blank = ox.Dataset()
    for quad in quads:
        if _mentions_blank_node(quad):
            blank.add(quad)
        else:
            lines.append(f"{quad} .")
    if len(blank):
        blank.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        lines.extend(str(blank).splitlines())
    lines.sort(key=_line_key)
    kept = 0  # the same quad given twice is one line, as in a Dataset
    for line in lines:
        if kept == 0 or line != lines[kept - 1]:
            lines[kept] = line
            kept += 1
    del lines[kept:]
    return lines


def triple_lines(lines: Iterable[str], leave_out: str | None = None) -> list[str]:
    """The distinct triples of N-Quads lines (but those of graph `leave_out`), as sorted N-Triples lines."""
    triples: set[str] = set()
    for line in lines:
        head, graph = line[:-2].rsplit(" ", 1)
        if graph != leave_out:
            triples.add(head + " .")
    return sorted(triples, key=_triple_line_key)


def write_lines(lines: Iterable[str], path: Path) -> None:
    """Write N-Quads or N-Triples lines to a file, a newline after each."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(line + "\n" for line in lines)


def convert_file(source: Path, source_extension: str, target: Path, extension: str, prefixes: dict[str, str]) -> None:
    """Write the statements of an N-Quads or N-Triples file, in its order, in the format of
    `extension`: both files are streamed, so a dump of millions of statements is never
    held in memory."""
    ox.serialize(
        ox.parse(path=source, format=FORMATS[source_extension]),
        output=target,
        format=FORMATS[extension],
        prefixes=prefixes,
    )


_ID_IRI = re.compile(r"<" + re.escape(str(ID)) + r"([a-z][a-z0-9-]*)/[^/>]+>")
_CHUNK = 10_000  # lines searched at once: one pass of the regex, without the whole text in memory


def prefixes_for_lines(lines: list[str]) -> dict[str, str]:
    """`prefixes_for` the statements of N-Quads or N-Triples lines."""
    segments: set[str] = set()
    for start in range(0, len(lines), _CHUNK):
        segments.update(_ID_IRI.findall("\n".join(lines[start : start + _CHUNK])))
    return _prefixes_with(segments)


def serialize(quads: Iterable[ox.Quad], extension: str) -> bytes:
    """Write quads (or, for triple formats, their triples) in the format of `extension`."""
    return serialize_counted(quads, extension)[0]


def serialize_counted(
    quads: Iterable[ox.Quad], extension: str, prefixes: dict[str, str] | None = None
) -> tuple[bytes, int]:
    """`serialize`, with the number of statements written (quads, or distinct triples).
    `prefixes`: those of `prefixes_for(quads)` when the caller has them already."""
    fmt = FORMATS[extension]
    items: list[ox.Quad] | list[ox.Triple]
    if formats.BY_EXTENSION[extension].holds_datasets:
        items = list(quads)
    else:
        seen: set[ox.Triple] = set()
        items = cast("list[ox.Triple]", [])
        for quad in quads:
            triple = quad.triple
            if triple not in seen:
                seen.add(triple)
                items.append(triple)
        items.sort(key=lambda t: _key(ox.Quad(t.subject, t.predicate, t.object)))
    if not formats.BY_EXTENSION[extension].prefixes:
        prefixes = None
    elif prefixes is None:
        prefixes = prefixes_for(items)
    return ox.serialize(items, format=fmt, prefixes=prefixes) or b"", len(items)


_TYPE_SEGMENT = re.compile(r"^([a-z][a-z0-9-]*)/[^/]+$")


def prefixes_for(items: Iterable[ox.Quad] | Iterable[ox.Triple]) -> dict[str, str]:
    """The fixed prefixes, plus one per resource type (`agency:` for .../id/agency/).

    With only `id:`, a resource would be written `id:agency\\/cnsa`: valid Turtle,
    but Virtuoso's reader keeps the backslash. A prefix per type gives
    `agency:cnsa`, which every reader takes, and reads better.
    """
    base = str(ID)
    terms: set[object] = set()  # distinct terms first: a term recurs in many statements
    for item in items:
        terms.add(item.subject)
        terms.add(item.predicate)
        terms.add(item.object)
    types: set[str] = set()
    for term in terms:
        if isinstance(term, ox.NamedNode) and term.value.startswith(base):
            match = _TYPE_SEGMENT.match(term.value[len(base) :])
            if match:
                types.add(match.group(1))
    return _prefixes_with(types)


def _prefixes_with(segments: set[str]) -> dict[str, str]:
    """The fixed prefixes but `id:`, and one per resource type segment (`agency:` for .../id/agency/)."""
    prefixes = {name: iri for name, iri in PREFIXES.items() if name != "id"}
    for segment in sorted(segments):
        if segment not in prefixes:
            prefixes[segment] = f"{ID}{segment}/"
    return prefixes
