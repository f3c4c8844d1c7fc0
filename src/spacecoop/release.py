"""Stage 6: write the release into dist/, all at once or not at all.

The release is written into a temporary folder beside dist/ and swapped in
with one rename (RENAME_EXCHANGE where the kernel has it), so an interrupted or
failed build never leaves a half-written release and a server reading dist/
sees either the old release or the new one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .describe_release import FileEntry, dcat_description, file_entry, manifest_json, void_description
from .examples import examples_graph, read_questions
from .layout import Release, Repository
from .namespaces import INFERRED_GRAPH, SCO
from .serialization import MEDIA_TYPES, canonical_quads, count_statements, serialize
from .vocabulary_docs import DocsJob as start_docs

if TYPE_CHECKING:
    from .build import BuildReport, Checked

# Dumps that also get a gzip copy (the larger files).
COMPRESSED = ("data.trig", "data.nq", "data.jsonld", "asserted.ttl", "ontology.nt")
NOT_IN_MANIFEST = {"manifest.json", "validation.ttl"}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _gzip(path: Path) -> Path:
    target = path.with_name(path.name + ".gz")
    with open(target, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(path.read_bytes())
    return target


def _rdf_extension(name: str) -> str | None:
    base = name[:-3] if name.endswith(".gz") else name
    ext = base.rsplit(".", 1)[-1]
    return ext if ext in ("ttl", "trig", "nt", "nq", "jsonld", "rdf") else None


def _entry(root: Path, path: Path) -> FileEntry:
    name = path.name
    ext = _rdf_extension(name)
    triples = None
    if ext is not None:
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        triples = count_statements(data, ext)
    media = MEDIA_TYPES["gz"] if name.endswith(".gz") else MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return file_entry(root, path, media, triples)


def write_files(repo: Repository, out: Path, checked: "Checked", inputs: str, docs: start_docs | None = None) -> str:
    """Write every release file into `out`; returns the release id.

    `docs` is the vocabulary documentation already being made (the build starts
    it before reasoning, so that it costs no time); otherwise it starts here.
    """
    if docs is None:
        docs = start_docs(checked.loaded.ontology)
    try:
        return _write_files(repo, out, checked, inputs, docs)
    except BaseException:
        docs.cancel()
        raise


def _write_files(repo: Repository, out: Path, checked: "Checked", inputs: str, docs: start_docs) -> str:
    release = Release(out)
    loaded = checked.loaded

    ontology_quads = canonical_quads({None: loaded.ontology})
    for ext in ("ttl", "rdf", "jsonld", "nt"):
        _write(out / f"ontology.{ext}", serialize(ontology_quads, ext))
    _write(release.shapes_ttl, serialize(canonical_quads({None: loaded.shapes}), "ttl"))

    graphs: dict[str, Graph] = dict(loaded.graphs())
    graphs[str(INFERRED_GRAPH)] = checked.reasoned.inferred
    data_quads = canonical_quads(dict(graphs))
    for ext in ("trig", "nq", "jsonld"):
        _write(out / f"data.{ext}", serialize(data_quads, ext))
    asserted_graph = loaded.asserted()
    _write(release.asserted_ttl, serialize(canonical_quads({None: asserted_graph}), "ttl"))

    questions = read_questions(repo.competency_dir)
    _write(release.examples_ttl, serialize(canonical_quads({None: examples_graph(questions)}), "ttl"))

    for source in sorted(repo.sources_dir.glob("*.txt")):
        _write(out / "sources" / source.name, source.read_bytes())
    _write(release.docs_html, docs.result().encode("utf-8"))
    _write(release.validation_ttl, serialize(canonical_quads({None: checked.validation.report}), "ttl"))

    for name in COMPRESSED:
        _gzip(out / name)

    def entries(exclude: set[str]) -> list[FileEntry]:
        return [
            _entry(out, p)
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).as_posix() not in exclude
        ]

    dumps = [e for e in entries(NOT_IN_MANIFEST) if e.path.startswith(("data.", "asserted."))]
    examples = _example_resources(asserted_graph)
    void = void_description(graphs, dumps, examples)
    _write(release.void_ttl, serialize(canonical_quads({None: void}), "ttl"))
    dcat = dcat_description(entries(NOT_IN_MANIFEST | {"dcat.ttl"}))
    _write(release.dcat_ttl, serialize(canonical_quads({None: dcat}), "ttl"))

    final = entries(NOT_IN_MANIFEST)
    counts = {name: len(g) for name, g in graphs.items()}
    manifest = manifest_json(final, inputs, counts)
    _write(release.manifest, manifest)
    return str(json.loads(manifest)["release"])


def _example_resources(graph: Graph) -> list[URIRef]:
    """One resource of each core class, for void:exampleResource."""
    picks: list[URIRef] = []
    for cls in (SCO.Agreement, SCO.PayloadProject, SCO.CrewedMission, SCO.Agency):
        members = sorted(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))
        if members:
            picks.append(members[0])
    return picks


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _reuse_store(old: Path, new: Path, release_id: str) -> None:
    """Keep the embedded store of an identical release: the server need not reload it."""
    try:
        previous = json.loads((old / "manifest.json").read_text(encoding="utf-8")).get("release")
    except (OSError, ValueError):
        return
    store = Release(old).store_dir
    if previous == release_id and store.is_dir():
        shutil.move(str(store), str(Release(new).store_dir))


def write_release(
    repo: Repository, dist: Path, checked: "Checked", inputs: str, report: "BuildReport", docs: start_docs | None = None
) -> str:
    """Write the release beside `dist` and swap it in; `dist` is untouched on failure."""
    dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}-new-", dir=dist.parent))
    try:
        release_id = write_files(repo, staging, checked, inputs, docs)
        if dist.exists():
            _reuse_store(dist, staging, release_id)
            if not _exchange(staging, dist):
                old = dist.with_name(f".{dist.name}-old-{os.getpid()}")
                dist.rename(old)
                staging.rename(dist)
                staging = old
        else:
            staging.rename(dist)
            staging = Path()
    finally:
        if staging != Path() and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    report.counts["release files"] = sum(1 for p in dist.rglob("*") if p.is_file() and "store" not in p.relative_to(dist).parts)
    return release_id
