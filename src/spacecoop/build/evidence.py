"""Evidence: every fact points at a verbatim quote of its source document.

An evidence annotation is a W3C Web Annotation whose body is the instance it
supports and whose target is the source document, selected twice: by the quote
(`oa:TextQuoteSelector`: `oa:exact`, with `oa:prefix`/`oa:suffix` where the quote
alone is ambiguous) and by its position (`oa:TextPositionSelector`: `oa:start`,
`oa:end`, character offsets into the decoded file). The build checks both
against the article body, so a quote can neither drift nor be invented.

Whitespace is normalised before comparing (runs of any Unicode whitespace count
as one space): the documents contain non-breaking and en spaces that curators
cannot type reliably, and line breaks never change what a sentence says.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF
from rdflib.term import Identifier

from spacecoop.errors import EvidenceProblem, SourceProblem
from spacecoop.iris import OA, SCO, source_iri
from spacecoop.rdf.terms import literal_int

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class SourceText:
    """A source document's text and the character range of its article body."""

    source_id: str
    iri: str
    text: str
    body_start: int
    body_end: int

    @property
    def body(self) -> str:
        return self.text[self.body_start : self.body_end]

    def find(self, quote: str) -> list[tuple[int, int]]:
        """Every (start, end) in the body where `quote` occurs, whitespace-insensitively."""
        words = normalise(quote).split(" ")
        if not words or words == [""]:
            return []
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        return [
            (m.start(), m.end())
            for m in pattern.finditer(self.text, self.body_start, self.body_end)
        ]


def read_sources(sources: Graph, sources_dir: Path) -> dict[str, SourceText]:
    """Read each described document, checking its file, SHA-256 and body range."""
    texts: dict[str, SourceText] = {}
    for iri in sorted(set(cast("Iterable[Identifier]", sources.subjects(RDF.type, SCO.NewsArticle)))):
        name = sources.value(iri, SCO.fileName)
        digest = sources.value(iri, SCO.sha256)
        start = sources.value(iri, SCO.bodyStart)
        end = sources.value(iri, SCO.bodyEnd)
        if name is None or digest is None or start is None or end is None:
            raise SourceProblem(f"{iri}: sources.ttl must give sco:fileName, sco:sha256, sco:bodyStart and sco:bodyEnd")
        path = sources_dir / str(name)
        if not path.is_file():
            raise SourceProblem(f"{iri}: file {path} does not exist")
        raw = path.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if actual != str(digest):
            raise SourceProblem(f"{path}: SHA-256 is {actual}, sources.ttl says {digest}")
        text = raw.decode("utf-8")
        source_id = path.stem
        if str(iri) != source_iri(source_id):
            raise SourceProblem(f"{iri}: a source's IRI must be {source_iri(source_id)}")
        s, e = int(cast(Literal, start)), int(cast(Literal, end))
        if not 0 <= s < e <= len(text):
            raise SourceProblem(f"{path}: body range {s}-{e} lies outside the text (0-{len(text)})")
        texts[source_id] = SourceText(source_id, str(iri), text, s, e)
    return texts


@dataclass(frozen=True)
class Annotation:
    """One evidence annotation as read from an instance graph."""

    iri: str
    bodies: tuple[str, ...]
    source: str | None
    exact: str | None
    prefix: str | None
    suffix: str | None
    start: int | None
    end: int | None


def read_annotations(graph: Graph) -> list[Annotation]:
    """Every `oa:Annotation` of a graph with its quote and position selectors."""
    found = []
    for ann in sorted(set(cast("Iterable[Identifier]", graph.subjects(RDF.type, OA.Annotation)))):
        bodies = tuple(sorted(str(b) for b in graph.objects(ann, OA.hasBody)))
        source = exact = prefix = suffix = None
        start = end = None
        for target in graph.objects(ann, OA.hasTarget):
            src = graph.value(target, OA.hasSource)
            source = str(src) if src is not None else None
            for selector in graph.objects(target, OA.hasSelector):
                if (selector, RDF.type, OA.TextQuoteSelector) in graph:
                    exact = _text(graph.value(selector, OA.exact))
                    prefix = _text(graph.value(selector, OA.prefix))
                    suffix = _text(graph.value(selector, OA.suffix))
                elif (selector, RDF.type, OA.TextPositionSelector) in graph:
                    start = literal_int(graph.value(selector, OA.start))
                    end = literal_int(graph.value(selector, OA.end))
        found.append(Annotation(str(ann), bodies, source, exact, prefix, suffix, start, end))
    return found


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, Literal) else None


def annotation_problems(ann: Annotation, source: SourceText, graph: Graph) -> list[str]:
    """What is wrong with one annotation against its document (empty when it holds)."""
    problems: list[str] = []
    if not ann.bodies:
        problems.append("has no oa:hasBody (the instance it supports)")
    for body in ann.bodies:
        if (URIRef(body), PROV.wasDerivedFrom, URIRef(source.iri)) not in graph:
            problems.append(f"supports <{body}>, which is not prov:wasDerivedFrom <{source.iri}> in this file")
    if ann.exact is None:
        return problems + ["has no oa:TextQuoteSelector with oa:exact"]
    if ann.start is None or ann.end is None:
        return problems + ["has no oa:TextPositionSelector with oa:start and oa:end"]
    if not source.body_start <= ann.start < ann.end <= source.body_end:
        problems.append(
            f"offsets {ann.start}-{ann.end} lie outside the article body ({source.body_start}-{source.body_end})"
        )
        return problems
    found = normalise(source.text[ann.start : ann.end])
    if found != normalise(ann.exact):
        places = source.find(ann.exact)
        hint = (
            f"; the quote occurs at {', '.join(f'{s}-{e}' for s, e in places)}"
            if places
            else "; the quote is not in the article body"
        )
        problems.append(f"text at {ann.start}-{ann.end} is {found!r}, not the quote{hint}")
        return problems
    if ann.prefix is not None and not normalise(source.text[: ann.start]).endswith(normalise(ann.prefix)):
        problems.append(f"oa:prefix {ann.prefix!r} does not precede the quote")
    if ann.suffix is not None and not normalise(source.text[ann.end :]).startswith(normalise(ann.suffix)):
        problems.append(f"oa:suffix {ann.suffix!r} does not follow the quote")
    if ann.prefix is None and ann.suffix is None and len(source.find(ann.exact)) > 1:
        problems.append("the quote occurs more than once in the body: add oa:prefix or oa:suffix")
    return problems


def check_evidence(
    documents: dict[str, Graph], files: dict[str, Path], sources: dict[str, SourceText]
) -> int:
    """Stage 2: verify every annotation of every instance file; returns how many were checked."""
    problems: list[str] = []
    checked = 0
    for source_id, graph in sorted(documents.items()):
        path = files[source_id]
        if source_id not in sources:
            problems.append(f"{path}: no source document {source_id!r} is described in sources.ttl")
            continue
        source = sources[source_id]
        for ann in read_annotations(graph):
            checked += 1
            if ann.source != source.iri:
                problems.append(f"{path}: <{ann.iri}> targets {ann.source}, not this file's document <{source.iri}>")
                continue
            for problem in annotation_problems(ann, source, graph):
                problems.append(f"{path}: <{ann.iri}> quote {ann.exact!r}: {problem}")
    if problems:
        raise EvidenceProblem(problems)
    return checked


def context_for(source: SourceText, start: int, end: int, width: int = 24) -> tuple[str, str]:
    """Prefix and suffix around a match, for a curator disambiguating a quote."""
    return (
        source.text[max(source.body_start, start - width) : start],
        source.text[end : min(source.body_end, end + width)],
    )
