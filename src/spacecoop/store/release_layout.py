"""What a store holds for a release, read from the release folder: its quads, graph by graph.

The embedded store loads the release itself; an external store is loaded by
`spacecoop load` and checked by `remote.RemoteStore.open`. Both go by this
module: the files of a release and the graph each goes into (`release_layout`),
their quads (`release_quads`), the union graph of them (`union_quads`), the
triples per graph (`graph_sizes`), and whether a folder holds a complete
release at all (`check_release`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from spacecoop.iris import EXAMPLES_GRAPH, GRAPH, ONTOLOGY_GRAPH
from spacecoop.paths import Release
from spacecoop.store.protocol import StoreError


def release_layout(release: Release) -> list[tuple[Path, str | None]]:
    """What a store holds for a release, as the embedded store loads it: (file, graph) pairs.

    `data.nq` keeps its graphs (one per source document, sources, inferred); the
    vocabulary goes into `graph/ontology` and the example queries into `graph/examples`.
    """
    layout: list[tuple[Path, str | None]] = [(release.data_nq, None)]
    for path, graph in ((release.ontology_ttl, ONTOLOGY_GRAPH), (release.examples_ttl, EXAMPLES_GRAPH)):
        if path.is_file():
            layout.append((path, str(graph)))
    return layout


def release_quads(release: Release) -> list[ox.Quad]:
    """Every quad of the release's layout; blank nodes kept apart between files."""
    quads: list[ox.Quad] = []
    for path, graph in release_layout(release):
        fmt = ox.RdfFormat.N_QUADS if graph is None else ox.RdfFormat.TURTLE
        fresh: dict[str, ox.BlankNode] = {}

        def local(term: Any, fresh: dict[str, ox.BlankNode] = fresh) -> Any:  # called in this iteration only
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term.value, ox.BlankNode())
            return term

        for quad in ox.parse(path=str(path), format=fmt):
            target = ox.NamedNode(graph) if graph is not None else quad.graph_name
            quads.append(ox.Quad(local(quad.subject), quad.predicate, local(quad.object), target))
    return quads


# The merge of every graph of the release, each triple once. A quad store such as Virtuoso
# evaluates a default graph made of several graphs as a bag (a triple stated by two documents
# matches twice); with this one graph as the default graph it answers as the embedded store.
UNION_GRAPH = f"{GRAPH}union"


def union_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The union graph of `quads`: each distinct triple once, in UNION_GRAPH."""
    graph = ox.NamedNode(UNION_GRAPH)
    triples = dict.fromkeys((q.subject, q.predicate, q.object) for q in quads)
    return [ox.Quad(s, p, o, graph) for s, p, o in triples]


def graph_sizes(quads: Iterable[ox.Quad]) -> dict[str, int]:
    """Distinct triples per named graph."""
    seen = {q for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    sizes: dict[str, int] = {}
    for quad in seen:
        name = cast(ox.NamedNode, quad.graph_name).value  # `seen` holds only named graphs
        sizes[name] = sizes.get(name, 0) + 1
    return sizes


def _read_release_id(release: Release) -> str:
    try:
        manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{release.root} holds no release (no manifest.json): run `spacecoop build`") from None
    release_id = manifest.get("release") if isinstance(manifest, dict) else None
    if not isinstance(release_id, str) or not release_id:
        raise StoreError(f"{release.manifest} has no release id")
    return release_id


def check_release(dist: Path) -> str:
    """The release id of `dist`, or StoreError if it holds no complete release."""
    release = Release(dist)
    release_id = _read_release_id(release)
    if not release.data_nq.is_file():
        raise StoreError(f"{release.data_nq} is missing: rebuild the release")
    return release_id
