"""What changed between two releases: vocabulary terms, resources, statements per document.

A release's `data.nq` holds canonical N-Quads lines (`spacecoop.rdf.canonical`): every
term is spelled one way, so two releases are compared line by line. The older file is
read into a set and the newer one streamed against it, so a million statements cost a
few seconds and one file's lines in memory.

Blank nodes carry RDFC-1.0 labels, which a change anywhere in the dataset may shift.
Statements that mention one are therefore counted with their labels masked (a
statement whose blank nodes were only relabelled is not a change), while the
changeset (`changeset_sparql`) stays exact: a document graph whose blank-node
statements differ at all is replaced whole (see `ReleaseDiff.replaced_graphs`).

The vocabulary is compared term by term from `ontology.nt`: a term is an IRI that is
the subject of vocabulary statements, and it changed when its statements differ.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacecoop.errors import BuildError
from spacecoop.iris import BASE, ID

PREVIOUS = "previous"  # the folder inside a release that holds the release it replaced
BLANK = "_:"  # how masked blank-node statements name their resource
_ID_SPACE = f"<{ID}"
_BLANK_LABEL = re.compile(r"(?:^|(?<= ))_:[A-Za-z0-9_-]+")


def is_release(path: Path) -> bool:
    """A folder holding a release spacecoop wrote (the build's test, without importing the build)."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == "spacecoop" and not path.is_symlink()


class NotAReleaseToCompare(BuildError):
    """A folder or release id given to `diff` is not a release: exit status 2."""

    exit_status = 2

    def __init__(self, given: str, why: str) -> None:
        super().__init__(f"{given}: {why}")


@dataclass(frozen=True)
class ReleaseFolder:
    """A release to compare: its folder and its id (from `manifest.json`)."""

    root: Path
    release_id: str

    @property
    def data_nq(self) -> Path:
        return self.root / "data.nq"

    @property
    def ontology_nt(self) -> Path:
        return self.root / "ontology.nt"


def open_release(given: str | Path, search: Iterable[Path] = ()) -> ReleaseFolder:
    """The release at folder `given`, or the release whose id is `given` among the folders
    `search` and the releases they keep (`{folder}/previous`); NotAReleaseToCompare otherwise."""
    path = Path(given)
    candidates = [path] if path.exists() else []
    if not candidates:
        for folder in search:
            candidates.extend([folder, folder / PREVIOUS])
    for candidate in candidates:
        if not is_release(candidate):
            continue
        manifest = json.loads((candidate / "manifest.json").read_text(encoding="utf-8"))
        release_id = str(manifest.get("release", ""))
        if candidate == path or release_id == str(given):
            if not (candidate / "data.nq").is_file() or not (candidate / "ontology.nt").is_file():
                raise NotAReleaseToCompare(str(given), "the release has no data.nq or ontology.nt")
            return ReleaseFolder(candidate, release_id)
    if path.exists():
        raise NotAReleaseToCompare(str(given), "is not a spacecoop release (no manifest.json with generator "
                                               "'spacecoop')")
    raise NotAReleaseToCompare(str(given), "is neither a release folder nor the id of a release kept in "
                                           + (", ".join(str(f) for f in search) or "no folder"))


def kept_previous(release: Path) -> ReleaseFolder | None:
    """The previous release kept inside `release`, or None."""
    folder = release / PREVIOUS
    if not is_release(folder):
        return None
    try:
        return open_release(folder)
    except NotAReleaseToCompare:
        return None


@dataclass
class Counts:
    """Statements added and removed."""

    added: int = 0
    removed: int = 0

    def as_json(self) -> dict[str, int]:
        return {"added": self.added, "removed": self.removed}


@dataclass
class TermDiff:
    """The vocabulary's terms (IRIs) added, removed, and whose statements changed."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class ReleaseDiff:
    """The difference between two releases. Statement lists hold canonical N-Quads lines."""

    old: ReleaseFolder
    new: ReleaseFolder
    old_statements: int
    new_statements: int
    added: list[str]  # lines without blank nodes, only in the new release
    removed: list[str]  # lines without blank nodes, only in the old release
    blank_added: list[str]  # lines with blank nodes masked, only in the new release (with repeats)
    blank_removed: list[str]
    terms: TermDiff
    resources_added: list[str]
    resources_removed: list[str]
    replaced_graphs: list[str]  # graphs the changeset replaces whole (their blank-node statements differ)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.blank_added or self.blank_removed
                    or self.terms.added or self.terms.removed or self.terms.changed)

    def per_graph(self) -> dict[str, Counts]:
        """Statements added and removed per named graph (IRI without brackets), by name."""
        counts: dict[str, Counts] = {}
        for lines, added in ((self.added, True), (self.removed, False),
                             (self.blank_added, True), (self.blank_removed, False)):
            for line in lines:
                entry = counts.setdefault(graph_of(line)[1:-1], Counts())
                if added:
                    entry.added += 1
                else:
                    entry.removed += 1
        return dict(sorted(counts.items()))

    def per_resource(self) -> dict[str, Counts]:
        """Statements added and removed per subject IRI (`_:` for blank nodes), by subject."""
        counts: dict[str, Counts] = {}
        for lines, added in ((self.added, True), (self.removed, False),
                             (self.blank_added, True), (self.blank_removed, False)):
            for line in lines:
                subject = line.split(" ", 1)[0]
                key = BLANK if subject.startswith(BLANK) else subject[1:-1]
                entry = counts.setdefault(key, Counts())
                if added:
                    entry.added += 1
                else:
                    entry.removed += 1
        return dict(sorted(counts.items()))

    def totals(self) -> Counts:
        return Counts(len(self.added) + len(self.blank_added), len(self.removed) + len(self.blank_removed))


def graph_of(line: str) -> str:
    """The graph of an N-Quads line of a named graph, with its brackets (the last term)."""
    return line[line.rindex(" <", 0, len(line) - 2) + 1:-2]


def _mentions_blank(line: str) -> bool:
    if BLANK not in line:
        return False
    subject, _predicate, rest = line.split(" ", 2)
    return subject.startswith(BLANK) or rest.startswith(BLANK)


def _mask(line: str) -> str:
    return _BLANK_LABEL.sub(BLANK + "x", line)


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.rstrip("\n")
            if line:
                yield line


def _labels(lines: Iterable[str]) -> set[str]:
    return set(_BLANK_LABEL.findall(" ".join(lines)))


def compare(old: ReleaseFolder, new: ReleaseFolder) -> ReleaseDiff:
    """Compare the data and the vocabulary of two releases."""
    old_plain: set[str] = set()
    old_blank: dict[str, list[str]] = {}
    old_subjects: set[str] = set()
    old_count = 0
    for line in _lines(old.data_nq):
        old_count += 1
        old_subjects.add(line[:line.index(" ")])
        if _mentions_blank(line):
            old_blank.setdefault(graph_of(line), []).append(line)
        else:
            old_plain.add(line)
    added: list[str] = []
    new_blank: dict[str, list[str]] = {}
    new_subjects: set[str] = set()
    new_count = 0
    for line in _lines(new.data_nq):
        new_count += 1
        new_subjects.add(line[:line.index(" ")])
        if _mentions_blank(line):
            new_blank.setdefault(graph_of(line), []).append(line)
        elif line in old_plain:
            old_plain.discard(line)
        else:
            added.append(line)
    removed = sorted(old_plain)
    del old_plain
    blank_added: list[str] = []
    blank_removed: list[str] = []
    differing: set[str] = set()
    for graph in sorted(set(old_blank) | set(new_blank)):
        before, after = old_blank.get(graph, []), new_blank.get(graph, [])
        if sorted(before) == sorted(after):
            continue
        differing.add(graph)
        masked_before, masked_after = Counter(map(_mask, before)), Counter(map(_mask, after))
        blank_added.extend((masked_after - masked_before).elements())
        blank_removed.extend((masked_before - masked_after).elements())
    replaced = _replaced_graphs(differing, old_blank, new_blank)

    def resources(subjects: set[str]) -> list[str]:
        return sorted(s[1:-1] for s in subjects if s.startswith(_ID_SPACE))

    return ReleaseDiff(
        old=old, new=new, old_statements=old_count, new_statements=new_count,
        added=added, removed=removed, blank_added=sorted(blank_added), blank_removed=sorted(blank_removed),
        terms=compare_vocabulary(old.ontology_nt, new.ontology_nt),
        resources_added=resources(new_subjects - old_subjects),
        resources_removed=resources(old_subjects - new_subjects),
        replaced_graphs=sorted(replaced),
    )


def _replaced_graphs(differing: set[str], old_blank: dict[str, list[str]],
                     new_blank: dict[str, list[str]]) -> set[str]:
    """The graphs whose blank-node statements differ, with every graph that shares a blank node
    with one of them (in either release): replacing them together keeps shared nodes shared."""
    graphs_of: dict[str, set[str]] = {}
    for side in (old_blank, new_blank):
        for graph, lines in side.items():
            for label in _labels(lines):
                graphs_of.setdefault(label, set()).add(graph)
    replaced = set(differing)
    pending = list(differing)
    while pending:
        graph = pending.pop()
        for side in (old_blank, new_blank):
            for label in _labels(side.get(graph, [])):
                for other in graphs_of.get(label, ()):
                    if other not in replaced:
                        replaced.add(other)
                        pending.append(other)
    return replaced


def compare_vocabulary(old: Path, new: Path) -> TermDiff:
    """Terms added, removed and changed between two `ontology.nt` files."""

    def terms(path: Path) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for line in _lines(path):
            subject = line[:line.index(" ")]
            if subject.startswith("<"):
                found.setdefault(subject[1:-1], set()).add(_mask(line))
        return found

    before, after = terms(old), terms(new)
    return TermDiff(
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=sorted(t for t in set(before) & set(after) if before[t] != after[t]),
    )


# --- Output: the text summary and the changesets ---


def text_summary(diff: ReleaseDiff) -> str:
    """Counts first, then the vocabulary, the resources, each document and each resource."""
    totals = diff.totals()
    out = [
        f"spacecoop diff {diff.old.release_id} -> {diff.new.release_id}",
        f"statements: +{totals.added} -{totals.removed} ({diff.old_statements} -> {diff.new_statements})",
        f"vocabulary terms: +{len(diff.terms.added)} -{len(diff.terms.removed)} ~{len(diff.terms.changed)}",
        f"resources: +{len(diff.resources_added)} -{len(diff.resources_removed)}",
    ]
    if diff.unchanged:
        out.append("the releases hold the same statements and vocabulary")
    for title, marks in (("vocabulary", (("+", diff.terms.added), ("-", diff.terms.removed),
                                         ("~", diff.terms.changed))),
                         ("resources", (("+", diff.resources_added), ("-", diff.resources_removed)))):
        if any(items for _mark, items in marks):
            out.append(f"\n{title}:")
            out.extend(f"  {mark} {item}" for mark, items in marks for item in items)
    for title, table in (("per document", diff.per_graph()), ("per resource", diff.per_resource())):
        if table:
            out.append(f"\n{title} (statements +added -removed):")
            out.extend(f"  +{c.added} -{c.removed} {name}" for name, c in table.items())
    return "\n".join(out) + "\n"


def as_json(diff: ReleaseDiff) -> dict[str, object]:
    """The diff's counts and lists (not the statements), for the server's JSON twin."""
    return {
        "old": diff.old.release_id,
        "new": diff.new.release_id,
        "statements": {"old": diff.old_statements, "new": diff.new_statements, **diff.totals().as_json()},
        "terms": {"added": diff.terms.added, "removed": diff.terms.removed, "changed": diff.terms.changed},
        "resources": {"added": diff.resources_added, "removed": diff.resources_removed},
        "graphs": {name: c.as_json() for name, c in diff.per_graph().items()},
    }


def _by_graph(lines: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for line in lines:
        graph = graph_of(line)
        grouped.setdefault(graph, []).append(line[:-len(graph) - 3] + " .")
    return grouped


def _block(keyword: str, grouped: dict[str, list[str]]) -> Iterator[str]:
    if not grouped:
        return
    yield f"{keyword} {{"
    for graph in sorted(grouped):
        yield f"  GRAPH {graph} {{"
        yield from (f"    {triple}" for triple in grouped[graph])
        yield "  }"
    yield "} ;"


def changeset_sparql(diff: ReleaseDiff) -> Iterator[str]:
    """A SPARQL 1.1 Update that turns the old release's data into the new one's, line by line.

    `DELETE DATA` and `INSERT DATA` (one graph block per document) hold the statements
    without blank nodes; SPARQL Update forbids blank nodes in `DELETE DATA`, so each
    graph in `replaced_graphs` is dropped and inserted whole from the new release, in one
    `INSERT DATA` (blank nodes shared between those graphs stay one node)."""
    replaced = {f"<{g}>" for g in diff.replaced_graphs}
    yield f"# spacecoop changeset {diff.old.release_id} -> {diff.new.release_id}"
    yield from _block("DELETE DATA", {g: t for g, t in _by_graph(diff.removed).items() if g not in replaced})
    yield from _block("INSERT DATA", {g: t for g, t in _by_graph(diff.added).items() if g not in replaced})
    if replaced:
        yield from (f"DROP SILENT GRAPH {graph} ;" for graph in sorted(replaced))
        whole = (line for line in _lines(diff.new.data_nq) if graph_of(line) in replaced)
        yield from _block("INSERT DATA", _by_graph(whole))
    yield "# end"


CS = "http://purl.org/vocab/changeset/schema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SD_NAME = "http://www.w3.org/ns/sparql-service-description#name"


def changeset_turtle(diff: ReleaseDiff) -> Iterator[str]:
    """The changes in Turtle with the Changeset vocabulary: one `cs:ChangeSet` per resource and
    document (its `sd:name`), whose `cs:removal` and `cs:addition` are reified statements.

    Statements with blank nodes appear with their labels masked (`_:x`): the Turtle form
    describes them; `changeset_sparql` is the form that applies them exactly."""
    yield f"@prefix cs: <{CS}> ."
    yield f"@prefix rdf: <{RDF_NS}> ."
    yield "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> ."
    yield ""
    changes: dict[tuple[str, str], dict[str, list[str]]] = {}
    for kind, lines in (("removal", diff.removed + diff.blank_removed), ("addition", diff.added + diff.blank_added)):
        for line in lines:
            subject = line.split(" ", 1)[0]
            changes.setdefault((graph_of(line), subject), {}).setdefault(kind, []).append(line)
    for number, ((graph, subject), kinds) in enumerate(sorted(changes.items())):
        node = hashlib.sha256(f"{graph} {subject} {number}".encode()).hexdigest()[:12]
        about = subject if subject.startswith("<") else f'"{BLANK}"'
        yield f"<{BASE}changes/{diff.old.release_id}-{diff.new.release_id}#{node}> a cs:ChangeSet ;"
        yield f"  cs:subjectOfChange {about} ;"
        yield f"  sd:name {graph}"
        for kind in ("removal", "addition"):
            for line in kinds.get(kind, []):
                s, p, rest = line.split(" ", 2)
                obj = rest[:-len(graph) - 3]
                s = s if s.startswith("<") else "[]"
                obj = obj if not obj.startswith(BLANK) else "[]"
                yield f"  ; cs:{kind} [ a rdf:Statement ; rdf:subject {s} ; rdf:predicate {p} ; rdf:object {obj} ]"
        yield "  ."
