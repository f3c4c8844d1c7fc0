"""Stage 6: write the release into dist/, all at once or not at all.

The release is written into a marked staging folder beside dist/ and swapped
in with one rename (RENAME_EXCHANGE where the kernel has it), so an interrupted
or failed build never leaves a half-written release and a server reading dist/
sees either the old release or the new one. Only a missing or empty folder, or
a release spacecoop built, is ever replaced (see release_guard).

The release replaced is kept inside the new one, as `previous/` (hard links, without
its store and without the release it kept itself), when its data or vocabulary
differs; VoID and DCAT then name it (`prov:wasRevisionOf`, `dcat:previousVersion`).
A rebuild from unchanged inputs keeps what the release it replaces kept, so it is
the same bytes and the same release id.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import ctypes.util
import errno
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import URIRef

from spacecoop.build.competency import examples_graph, read_questions
from spacecoop.build.release.describe import (
    FileEntry,
    Revision,
    dcat_description,
    file_entry,
    line_statistics,
    manifest_json,
    void_description,
)
from spacecoop.build.release.guard import (
    MARKER,
    STAGING,
    check_target,
    is_release,
    new_folder,
    remove_leftovers,
    unmark,
)
from spacecoop.build.release.vocabulary_docs import DocsJob as start_docs
from spacecoop.errors import BuildError
from spacecoop.iris import INFERRED_GRAPH, SCO
from spacecoop.paths import Release, Repository
from spacecoop.rdf import formats
from spacecoop.rdf.canonical import (
    FORMATS,
    MEDIA_TYPES,
    canonical_lines,
    canonical_quads,
    convert_file,
    prefixes_for_lines,
    serialize,
    serialize_counted,
    to_quads,
    triple_lines,
    write_lines,
)
from spacecoop.rdf.database import install_store, load_store

if TYPE_CHECKING:
    from spacecoop.build.pipeline import BuildReport, Checked

# Dumps that also get a gzip copy (the larger files).
COMPRESSED = ("data.trig", "data.nq", "data.jsonld", "asserted.ttl", "ontology.nt")
NOT_IN_MANIFEST = {"manifest.json", "validation.ttl", MARKER}
STORE_LOADING = "store.loading"  # the embedded store while it loads (then store/, see oxigraph_store)
PREVIOUS = "previous"  # the kept previous release, inside the release (never in its manifest)
CONTENT = ("data.nq", "ontology.nt")  # the files whose change makes a release a new version


@dataclass(frozen=True)
class KeptRelease:
    """A release on disk that a new one may keep and name as its previous version."""

    root: Path
    release_id: str
    content: tuple[str, ...]  # the SHA-256 of its CONTENT files

    @classmethod
    def at(cls, root: Path) -> KeptRelease | None:
        if not is_release(root):
            return None
        try:
            manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
            sha = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
            return cls(root, str(manifest["release"]), tuple(sha[name] for name in CONTENT))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def previous_for(replaced: Path | None, content: tuple[str, ...]) -> KeptRelease | None:
    """The release a new release with `content` keeps when it replaces the release `replaced`:
    that release if its content differs; else the one it kept itself (or None)."""
    current = KeptRelease.at(replaced) if replaced is not None else None
    if current is None:
        return None
    if current.content != content:
        return current
    return KeptRelease.at(current.root / PREVIOUS)


def revision(content: tuple[str, ...], previous: KeptRelease | None) -> Revision:
    version = hashlib.sha256(" ".join(content).encode()).hexdigest()[:16]
    return Revision(version, previous.release_id if previous is not None else None)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _gzip(path: Path) -> Path:
    target = path.with_name(path.name + ".gz")
    # Level 6 (zlib's default): a third of level 9's time for a few percent more bytes.
    with (
        open(path, "rb") as source,
        open(target, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
    ):
        shutil.copyfileobj(source, gz, 2**20)
    return target


def _rdf_extension(name: str) -> str | None:
    base = name[:-3] if name.endswith(".gz") else name
    ext = base.rsplit(".", 1)[-1]
    return ext if ext in FORMATS else None


def _entry(root: Path, path: Path, statements: dict[str, int]) -> FileEntry:
    """A file's manifest entry; `statements`: the triples or quads each RDF dump was written with."""
    name = path.relative_to(root).as_posix()
    base = name[:-3] if name.endswith(".gz") else name
    triples = statements.get(base) if _rdf_extension(path.name) is not None else None
    media = MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return file_entry(root, path, media, triples)


def write_files(repo: Repository, out: Path, checked: Checked, inputs: str, docs: start_docs | None = None,
                replaced: Path | None = None) -> str:
    """Write every release file into `out`; returns the release id.

    `replaced` is the release `out` will replace, if any: VoID and DCAT name the release
    kept (see `previous_for`), which the caller then links in (see `keep_previous`).

    `docs` is the vocabulary documentation already being made (the build starts
    it before reasoning, so that it costs no time); otherwise it starts here.
    """
    if docs is None:
        docs = start_docs(checked.loaded.ontology)
    try:
        return _write_files(repo, out, checked, inputs, docs, replaced)
    except BaseException:
        docs.cancel()
        raise


def _write_files(
    repo: Repository, out: Path, checked: Checked, inputs: str, docs: start_docs, replaced: Path | None
) -> str:
    release = Release(out)
    loaded = checked.loaded
    statements: dict[str, int] = {}  # file name -> statements written (no file is parsed back)

    def dump(name: str, quads: list[ox.Quad], prefixes: dict[str, str] | None = None) -> None:
        data, count = serialize_counted(quads, name.rsplit(".", 1)[-1], prefixes)
        _write(out / name, data)
        statements[name] = count

    ontology_quads = canonical_quads({None: loaded.ontology})
    for fmt in formats.of_kind(formats.GRAPH):  # the vocabulary in every RDF graph format
        dump(f"ontology.{fmt.extension}", ontology_quads)
    dump(release.shapes_ttl.name, canonical_quads({None: loaded.shapes}))
    questions = read_questions(repo.competency_dir)
    dump(release.examples_ttl.name, canonical_quads({None: examples_graph(questions)}))

    # The data: the asserted quads as pyoxigraph parsed them, with the inferred graph,
    # handled as canonical N-Quads lines (see serialization.canonical_lines). The other
    # data dumps are converted from data.nq file to file, never held whole in memory.
    lines = canonical_lines(chain(loaded.quads(), to_quads({str(INFERRED_GRAPH): checked.reasoned.inferred})))
    write_lines(lines, out / "data.nq")
    statements["data.nq"] = len(lines)
    # The embedded store loads from data.nq while the other files are written (pyoxigraph
    # lets go of the interpreter while it loads): a server then starts without loading.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as background:
        store = background.submit(load_store, release, out / STORE_LOADING, verify=False)
        data_prefixes = prefixes_for_lines(lines)
        for name in ("data.trig", "data.jsonld"):
            convert_file(out / "data.nq", "nq", out / name, name.rsplit(".", 1)[-1], data_prefixes)
            statements[name] = len(lines)
        asserted = triple_lines(lines, leave_out=f"<{INFERRED_GRAPH}>")
        with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
            write_lines(asserted, Path(scratch) / "asserted.nt")
            # Same terms as the data, so the same prefixes (the inferred graph names no new resource).
            convert_file(Path(scratch) / "asserted.nt", "nt", release.asserted_ttl, "ttl", data_prefixes)
        statements[release.asserted_ttl.name] = len(asserted)
        del asserted
        for source in sorted(repo.sources_dir.glob("*.txt")):
            _write(out / "sources" / source.name, source.read_bytes())
        _write(release.docs_html, docs.result().encode("utf-8"))
        _write(release.validation_ttl, serialize(canonical_quads({None: checked.validation.report}), "ttl"))
        list(background.map(_gzip, [out / name for name in COMPRESSED]))  # zlib too lets go of the interpreter

        known: dict[Path, FileEntry] = {}  # each file hashed once

        def entries(exclude: set[str]) -> list[FileEntry]:
            found = [p for p in sorted(out.rglob("*")) if p.is_file() and p.relative_to(out).parts[0] != STORE_LOADING]
            for path in found:
                if path not in known and path.relative_to(out).as_posix() not in exclude:
                    known[path] = _entry(out, path, statements)
            return [known[p] for p in found if p.relative_to(out).as_posix() not in exclude]

        listed = entries(NOT_IN_MANIFEST)
        dumps = [e for e in listed if e.path.startswith(("data.", "asserted."))]
        statistics = line_statistics(lines)
        content = tuple(known[out / name].sha256 for name in CONTENT)
        version = revision(content, previous_for(replaced, content))
        void = void_description(statistics, dumps, _example_resources(loaded.store()), version)
        dump(release.void_ttl.name, canonical_quads({None: void}))
        dcat = dcat_description(entries(NOT_IN_MANIFEST | {"dcat.ttl"}), version)
        dump(release.dcat_ttl.name, canonical_quads({None: dcat}))
        final = entries(NOT_IN_MANIFEST)
        counts = {name: stats["triples"] for name, stats in statistics.items() if name is not None}
        manifest = manifest_json(final, inputs, counts)
        _write(release.manifest, manifest)
        release_id = str(json.loads(manifest)["release"])
        install_store(release, out / STORE_LOADING, release_id, store.result())
    return release_id


def _example_resources(store: ox.Store) -> list[URIRef]:
    """One resource of each core class, for void:exampleResource."""
    picks: list[URIRef] = []
    for cls in (SCO.Agreement, SCO.PayloadProject, SCO.CrewedMission, SCO.Agency):
        query = f"SELECT ?s WHERE {{ ?s a <{cls}> FILTER(isIRI(?s)) }} ORDER BY STR(?s) LIMIT 1"
        picks.extend(URIRef(row["s"].value) for row in store.query(query))  # type: ignore[union-attr]
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
    result: int = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


class ReleaseWriteError(BuildError):
    """The release could not be written (a full disk, a folder that cannot be written)."""

    def __init__(self, dist: Path, error: OSError) -> None:
        hint = " (the disk is full)" if error.errno == errno.ENOSPC else ""
        super().__init__(f"the release could not be written{hint}: {error}; {dist} is unchanged")


def write_release(
    repo: Repository, dist: Path, checked: Checked, inputs: str, report: BuildReport, docs: start_docs | None = None
) -> str:
    """Write the release beside `dist` and swap it in; `dist` is untouched on failure.

    `dist` must be missing, empty or a spacecoop release (release_guard.UnsafeTarget
    otherwise), checked again just before the swap: the build may have taken minutes."""
    target = check_target(dist, repo.root)
    remove_leftovers(target)
    staging: Path | None = None
    try:
        staging = new_folder(target, STAGING)
        replaced = target if is_release(target) else None
        release_id = write_files(repo, staging, checked, inputs, docs, replaced)
        written = KeptRelease.at(staging)
        keep_previous(staging, previous_for(replaced, written.content) if written is not None else None)
        unmark(staging)
        check_target(target, repo.root)
        staging = _swap_in(staging, target)  # now the old release, or None
    except OSError as error:
        raise ReleaseWriteError(target, error) from error
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    report.counts["release files"] = sum(
        1 for p in target.rglob("*") if p.is_file() and p.relative_to(target).parts[0] not in ("store", PREVIOUS)
    )
    return release_id


def keep_previous(out: Path, previous: KeptRelease | None) -> None:
    """Link the files of `previous` (but its store and the release it kept) into `out/previous`."""
    if previous is None:
        return
    kept = out / PREVIOUS
    for source in sorted(previous.root.rglob("*")):
        relative = source.relative_to(previous.root)
        if relative.parts[0] in ("store", PREVIOUS, MARKER) or source.is_symlink():
            continue
        copy = kept / relative
        if source.is_dir():
            copy.mkdir(parents=True, exist_ok=True)
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, copy)
        except OSError:  # another file system, or links not allowed: a copy
            shutil.copy2(source, copy)


def _swap_in(staging: Path, target: Path) -> Path | None:
    """Put `staging` at `target` at once; the folder that was at `target`, to be removed, or None."""
    if not target.exists():
        staging.rename(target)
        return None
    if _exchange(staging, target):
        return staging
    # Without RENAME_EXCHANGE: two renames, with a moment where `target` is missing.
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    target.rename(retired)  # replaces the empty folder just made
    try:
        staging.rename(target)
    except OSError:
        retired.rename(target)
        raise
    return retired
