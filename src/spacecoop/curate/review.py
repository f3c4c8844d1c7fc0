"""What an article's instance file covers: its body with the quoted spans marked, the sentences no
evidence annotation quotes yet, and the SHACL results for the resources derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import PROV

from spacecoop.build.evidence import SourceText, normalise, read_annotations, read_sources
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

    @property
    def uncovered(self) -> list[tuple[int, int, str]]:
        return [(s, e, text) for s, e, text, quoted in self.sentences if not quoted]

    def text(self) -> str:
        lines = [f"{self.source_id}: {len(self.sentences) - len(self.uncovered)}/{len(self.sentences)} "
                 "sentences quoted", "", self.marked, "", "Not yet quoted:"]
        lines += [f"  [{s}-{e}] {text}" for s, e, text in self.uncovered] or ["  (none)"]
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
    for s, e in sentences(source.text, source.body_start, source.body_end):
        quoted = any(qs < e and qe > s for qs, qe in spans)
        result.sentences.append((s, e, normalise(source.text[s:e]), quoted))
    if shapes:
        from spacecoop.build.validate.shape_queries import validate_store

        validation = validate_store(loaded.store(), loaded.shapes, loaded.ontology)
        own = {str(s) for s in graph.subjects(PROV.wasDerivedFrom, URIRef(source.iri))}
        own |= {str(s) for s in graph.subjects()} | {source.iri}
        result.findings = [f for f in validation.findings if f.focus in own]
    return result
