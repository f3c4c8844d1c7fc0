"""What an article's instance file covers: its body with the quoted spans marked, the sentences no
evidence annotation quotes yet (those `sources/unquoted.tsv` leaves out, with its reason), the
instances quoting each sentence, and the SHACL results for the resources derived from it.

`coverage(repo)` is the same reading for every document (`scripts/coverage.py` prints it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import PROV

from spacecoop.build.evidence import Annotation, SourceText, normalise, read_annotations, read_sources
from spacecoop.build.load import load_repository
from spacecoop.build.validate.reference import Finding
from spacecoop.curate.text import sentences
from spacecoop.errors import BuildError
from spacecoop.paths import Repository


class UnknownSource(BuildError):
    exit_status = 2


@dataclass
class Review:
    source_id: str
    marked: str  # the body, each quoted span between [[ and ]]
    sentences: list[tuple[int, int, str, bool]] = field(default_factory=list)  # start, end, text, quoted
    findings: list[Finding] = field(default_factory=list)
    left_out: dict[tuple[int, int], str] = field(default_factory=dict)  # unquoted on purpose: why

    @property
    def uncovered(self) -> list[tuple[int, int, str]]:
        """The sentences nothing quotes and `sources/unquoted.tsv` does not leave out."""
        return [(s, e, text) for s, e, text, quoted in self.sentences
                if not quoted and (s, e) not in self.left_out]

    def text(self) -> str:
        lines = [f"{self.source_id}: {len(self.sentences) - len(self.uncovered)}/{len(self.sentences)} "
                 "sentences quoted", "", self.marked, "", "Not yet quoted:"]
        lines += [f"  [{s}-{e}] {text}" for s, e, text in self.uncovered] or ["  (none)"]
        if self.left_out:
            lines += ["", "Left out (sources/unquoted.tsv):"]
            lines += [f"  [{s}-{e}] {reason}" for (s, e), reason in sorted(self.left_out.items())]
        lines += ["", "SHACL results for this document's resources:"]
        lines += [f"  {finding.line()}" for finding in self.findings] or ["  (none)"]
        return "\n".join(lines)


def quoted_spans(graph: Graph, source: SourceText) -> list[tuple[int, int]]:
    """The merged spans that the annotations of `graph` quote in `source`."""
    spans = sorted((a.start, a.end) for a in read_annotations(graph)
                   if a.source == source.iri and a.start is not None and a.end is not None)
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def mark(source: SourceText, spans: list[tuple[int, int]]) -> str:
    """The body with each span between [[ and ]]."""
    out, cursor = [], source.body_start
    for s, e in spans:
        s, e = max(s, source.body_start), min(e, source.body_end)
        if s < e and s >= cursor:
            out += [source.text[cursor:s], "[[", source.text[s:e], "]]"]
            cursor = e
    out.append(source.text[cursor:source.body_end])
    return "".join(out)


def read_exemptions(path: Path) -> dict[tuple[str, str], str]:
    """`sources/unquoted.tsv`: (source id, the sentence's first words, normalised) -> why it is left out."""
    exemptions: dict[tuple[str, str], str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                source, words, reason = line.split("\t", 2)
                exemptions[(source, normalise(words))] = reason
    return exemptions


@dataclass(frozen=True)
class Sentence:
    """One sentence of a body: its span, its text, the instances quoting it, or why none does."""

    start: int
    end: int
    text: str
    quoted_by: tuple[str, ...]  # `type/slug` of each instance an overlapping annotation supports
    left_out: str | None = None  # the reason `sources/unquoted.tsv` gives, for an unquoted sentence


def covered_sentences(source_id: str, source: SourceText, annotations: list[Annotation],
                      exemptions: dict[tuple[str, str], str]) -> Iterator[Sentence]:
    """Each sentence of the body with the instances whose annotations overlap it."""
    for s, e in sentences(source.text, source.body_start, source.body_end):
        supporters = tuple(sorted({body.rsplit("/id/", 1)[-1] for a in annotations
                                   if a.start is not None and a.end is not None and a.start < e and a.end > s
                                   for body in a.bodies}))
        text = normalise(source.text[s:e])
        reason = None if supporters else next(
            (r for (sid, words), r in exemptions.items() if sid == source_id and text.startswith(words)), None)
        yield Sentence(s, e, text, supporters, reason)


def coverage(repo: Repository) -> dict[str, tuple[int, list[Sentence]]]:
    """For every source document: its number of annotations and its sentences, in order."""
    loaded = load_repository(repo)
    sources = read_sources(loaded.sources, repo.sources_dir)
    exemptions = read_exemptions(repo.sources_dir / "unquoted.tsv")
    report = {}
    for source_id, source in sorted(sources.items()):
        annotations = read_annotations(loaded.documents.get(source_id, Graph()))
        report[source_id] = (len(annotations), list(covered_sentences(source_id, source, annotations, exemptions)))
    return report


def review(repo: Repository, source_id: str, shapes: bool = True) -> Review:
    """The review of one source document; with `shapes`, the SHACL results of its resources."""
    repo.require_inputs()
    loaded = load_repository(repo)
    sources = read_sources(loaded.sources, repo.sources_dir)
    if source_id not in sources:
        raise UnknownSource(f"unknown source {source_id!r}; known: {', '.join(sorted(sources))}")
    source = sources[source_id]
    graph = loaded.documents.get(source_id, Graph())
    spans = quoted_spans(graph, source)
    result = Review(source_id, mark(source, spans))
    exemptions = read_exemptions(repo.sources_dir / "unquoted.tsv")
    annotations = [a for a in read_annotations(graph) if a.source == source.iri]
    for sentence in covered_sentences(source_id, source, annotations, exemptions):
        result.sentences.append((sentence.start, sentence.end, sentence.text, bool(sentence.quoted_by)))
        if sentence.left_out is not None:
            result.left_out[(sentence.start, sentence.end)] = sentence.left_out
    if shapes:
        from spacecoop.build.validate.shape_queries import validate_store

        validation = validate_store(loaded.store(), loaded.shapes, loaded.ontology)
        own = {str(s) for s in graph.subjects(PROV.wasDerivedFrom, URIRef(source.iri))}
        own |= {str(s) for s in graph.subjects()} | {source.iri}
        result.findings = [f for f in validation.findings if f.focus in own]
    return result
