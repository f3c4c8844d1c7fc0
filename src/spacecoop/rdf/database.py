"""The release as an RDF database: the one graph layout, loaded into pyoxigraph's on-disk store.

`prepare(release)` makes sure `dist/store/` holds the release (the build loads
it; a copied or older release is loaded here), which the query engines then
open read-only (see `engine_store`). Layout of the dataset:

- `data.nq` as it is: one named graph per source document, `graph/sources`
  and `graph/inferred`;
- `ontology.ttl` in `graph/ontology`, `examples.ttl` in `graph/examples`.

A query's default graph is the RDF merge of all graphs (unless the query or
the protocol names a dataset); `GRAPH ?g` reaches each graph. The merge is
stored as the store's real default graph, each triple once: pyoxigraph 0.5's
`use_default_graph_as_union` evaluates the union as a bag, so a triple stated
by two documents would match twice and COUNT would disagree with the SPARQL
specification, Jena and Virtuoso.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from spacecoop.errors import StoreError
from spacecoop.iris import EXAMPLES_GRAPH, ONTOLOGY_GRAPH
from spacecoop.paths import Release

MARKER = "spacecoop-store.json"
MARKER_FORMAT = 2  # 2: the default graph holds the merge of the named graphs


class ReleaseError(StoreError):
    """The release directory is missing, incomplete or inconsistent with its manifest."""


@dataclass(frozen=True)
class LoadedRelease:
    release_id: str
    counts: dict[str, int]
    path: Path


def read_release_id(release: Release) -> str:
    try:
        manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{release.root} holds no release (no manifest.json): run `spacecoop build`") from None
    except json.JSONDecodeError as error:
        raise ReleaseError(f"{release.manifest} is not valid JSON: {error}") from None
    release_id = manifest.get("release") if isinstance(manifest, dict) else None
    if not isinstance(release_id, str) or not release_id:
        raise ReleaseError(f"{release.manifest} has no release id")
    return release_id


def _check_checksums(release: Release, paths: list[Path]) -> None:
    """Every file loaded must be the one the manifest describes."""
    manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    expected = {entry["path"]: entry.get("sha256") for entry in manifest.get("files", [])}
    for path in paths:
        name = path.relative_to(release.root).as_posix()
        digest = expected.get(name)
        if digest and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ReleaseError(f"{path} does not match its checksum in manifest.json: rebuild the release")


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on a directory (two servers starting at once load the store once)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def merge_into_default_graph(store: ox.Store) -> None:
    """Make the default graph every triple of every named graph, once (the same terms, blank
    nodes included). The bulk loader takes them: a SPARQL INSERT would hold all of them in
    one transaction (at a million triples, twice the time and 300 MB more)."""
    store.bulk_extend(
        ox.Quad(quad.subject, quad.predicate, quad.object)
        for quad in store.quads_for_pattern(None, None, None, None)
        if not isinstance(quad.graph_name, ox.DefaultGraph)
    )


def _count_graphs(store: ox.Store) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {row["g"].value: int(row["n"].value) for row in cast(ox.QuerySolutions, store.query(query))}


def load_store(release: Release, target: Path, *, verify: bool = True) -> dict[str, int]:
    """Load the release's data into a new on-disk store at `target`; the triples per graph.

    `verify`: check the files against the manifest first (the build, which has
    just written them and has no manifest yet, does not)."""
    if not release.data_nq.is_file():
        raise ReleaseError(f"{release.data_nq} is missing: rebuild the release")
    graphs = [(release.ontology_ttl, ONTOLOGY_GRAPH), (release.examples_ttl, EXAMPLES_GRAPH)]
    graphs = [(path, graph) for path, graph in graphs if path.is_file()]
    if verify:
        _check_checksums(release, [release.data_nq, *(path for path, _ in graphs)])
    store = ox.Store(str(target))
    store.bulk_load(path=release.data_nq, format=ox.RdfFormat.N_QUADS)
    for path, graph in graphs:
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph)))
    merge_into_default_graph(store)
    store.flush()
    counts = _count_graphs(store)
    del store
    gc.collect()  # closes the database before workers open it read-only
    return counts


def prepare(release: Release) -> LoadedRelease:
    """The on-disk store of this release: reused if it holds it, else loaded afresh and swapped in."""
    release_id = read_release_id(release)
    marker = release.store_dir / MARKER
    with _locked(release.root):
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            recorded = json.loads(marker.read_text(encoding="utf-8"))
            if recorded.get("release") == release_id and recorded.get("format") == MARKER_FORMAT:
                return LoadedRelease(release_id, recorded["counts"], release.store_dir)
        loading = release.root / f"store.loading-{os.getpid()}"
        shutil.rmtree(loading, ignore_errors=True)
        counts = load_store(release, loading)
        install_store(release, loading, release_id, counts)
    return LoadedRelease(release_id, counts, release.store_dir)


def install_store(release: Release, loaded: Path, release_id: str, counts: dict[str, int]) -> None:
    """Mark a store loaded by `load_store` as this release's and move it to `release.store_dir`."""
    record = {"format": MARKER_FORMAT, "release": release_id, "counts": counts}
    (loaded / MARKER).write_text(json.dumps(record, indent=1), encoding="utf-8")
    retired = release.root / f"store.old-{os.getpid()}"
    if release.store_dir.exists():
        release.store_dir.rename(retired)
    loaded.rename(release.store_dir)
    shutil.rmtree(retired, ignore_errors=True)
