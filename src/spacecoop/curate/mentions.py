"""Mentions in an article: entities the graph already knows, and names it does not know yet.

Known entities are found by their labels (`rdfs:label`, `skos:altLabel`, English and Chinese) as
the instance files give them: whole words (a Latin label never matches inside a longer word),
case-aware (the label's own case; a label that starts in lower case also matches with a capital,
at the start of a sentence), longest label first. Unknown names are proposed: capitalised
multi-word names and acronyms in English; in Chinese, the person, place and organisation names
(`nr`, `ns`, `nt`) that jieba's part-of-speech tagger finds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from spacecoop.curate.text import has_cjk
from spacecoop.iris import ID

# The kinds of named things whose labels occur in running text (statements, counts, plans and
# the like carry descriptive labels that a text never repeats).
NAMED_TYPES = (
    "agency", "organization", "country", "place", "person", "station", "spacecraft", "programme",
    "mechanism", "mission", "document", "role", "sample",
)


@dataclass(frozen=True)
class Entity:
    """A resource of the graph, with its types and labels exactly as the instance files give them."""

    iri: str
    types: tuple[str, ...]
    labels: tuple[Literal, ...]
    alt_labels: tuple[Literal, ...]


@dataclass(frozen=True)
class Mention:
    """A label of known entities at [start, end) of the text."""

    start: int
    end: int
    quote: str
    iris: tuple[str, ...]  # more than one when two entities share the label: the curator chooses


@dataclass(frozen=True)
class Candidate:
    """A name the graph does not know yet at [start, end), with how it was found."""

    start: int
    end: int
    quote: str
    kind: str  # "name", "acronym", "person", "place", "organisation"


def read_entities(documents: Iterable[Graph]) -> dict[str, Entity]:
    """The named things the instance files describe, by IRI (types and labels over all files)."""
    types: dict[str, set[str]] = {}
    labels: dict[str, set[Literal]] = {}
    alts: dict[str, set[Literal]] = {}
    for graph in documents:
        for subject in set(graph.subjects(PROV.wasDerivedFrom, None)):
            if not isinstance(subject, URIRef) or not _is_named(str(subject)):
                continue
            iri = str(subject)
            types.setdefault(iri, set()).update(str(t) for t in graph.objects(subject, RDF.type))
            labels.setdefault(iri, set()).update(cast(Literal, o) for o in graph.objects(subject, RDFS.label))
            alts.setdefault(iri, set()).update(cast(Literal, o) for o in graph.objects(subject, SKOS.altLabel))
    return {
        iri: Entity(iri, tuple(sorted(types[iri])), _sorted(labels[iri]), _sorted(alts[iri]))
        for iri in sorted(types)
    }


def _is_named(iri: str) -> bool:
    return iri.startswith(str(ID)) and iri[len(str(ID)):].split("/", 1)[0] in NAMED_TYPES


def _sorted(literals: set[Literal]) -> tuple[Literal, ...]:
    return tuple(sorted(literals, key=lambda lit: (lit.language or "", str(lit))))


def find_mentions(text: str, start: int, end: int, entities: dict[str, Entity]) -> list[Mention]:
    """Every mention of a known entity in text[start:end], in order, longest label first."""
    by_label: dict[str, set[str]] = {}
    for entity in entities.values():
        for label in (*entity.labels, *entity.alt_labels):
            words = str(label).strip()
            if words:
                by_label.setdefault(words, set()).add(entity.iri)
                if words[0].islower():
                    by_label.setdefault(words[0].upper() + words[1:], set()).add(entity.iri)
    if not by_label:
        return []
    alternatives = [_label_pattern(label) for label in sorted(by_label, key=lambda w: (-len(w), w))]
    pattern = re.compile("|".join(alternatives))
    found = []
    for match in pattern.finditer(text, start, end):
        iris = by_label.get(" ".join(match.group().split()))
        if iris:
            found.append(Mention(match.start(), match.end(), match.group(), tuple(sorted(iris))))
    return found


def _label_pattern(label: str) -> str:
    """A label as a regular expression: its words with any whitespace between them; whole words
    at a Latin edge (Chinese has no spaces between words, so a Chinese edge is not bounded)."""
    body = r"\s+".join(re.escape(word) for word in label.split())
    before = "" if has_cjk(label[0]) else r"(?<![\w-])"
    after = "" if has_cjk(label[-1]) else r"(?![\w-])"
    return before + body + after


# English names: two or more capitalised words, joined by spaces or by of/for/and/the/on;
# acronyms: two or more capitals (with digits or a hyphenated number).
_CAP = r"[A-Z][a-zA-Z'’-]*[a-zA-Z0-9]"
_NAME = re.compile(rf"(?<![\w-]){_CAP}(?:(?:[ \t]+(?:of|for|and|the|on|de|du|von)[ \t]+|[ \t]+){_CAP})+(?![\w-])")
_ACRONYM = re.compile(r"(?<![\w-])[A-Z]{2,}[0-9]*(?:-[0-9]+)?s?(?![\w-])")
# Words that start a sentence or a name in capitals without being part of a name.
_LEADING = frozenset(
    "The A An In On At By For From To And But As It Its This That These Those He She They We Our "
    "His Her Their With Since During After Before Over Under Among Meanwhile According Also".split()
)


def english_candidates(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> list[Candidate]:
    """Capitalised multi-word names and acronyms of text[start:end] that no span of `taken` overlaps."""
    found: list[Candidate] = []
    for match in _NAME.finditer(text, start, end):
        s, e = match.start(), match.end()
        words = match.group().split()
        while words and words[0] in _LEADING:
            s = text.index(words[1], s + len(words[0])) if len(words) > 1 else e
            words = words[1:]
        if len(words) >= 2:
            found.append(Candidate(s, e, text[s:e], "name"))
    for match in _ACRONYM.finditer(text, start, end):
        found.append(Candidate(match.start(), match.end(), match.group(), "acronym"))
    return _keep_free(found, taken)


# jieba's tags for person (nr, nrfg, nrt), place (ns) and organisation (nt) names.
_CHINESE_KINDS = {"nr": "person", "ns": "place", "nt": "organisation"}


def chinese_candidates(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> list[Candidate]:
    """The person, place and organisation names jieba's tagger finds in text[start:end]."""
    import jieba  # type: ignore[import-untyped]
    import jieba.posseg  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)
    found: list[Candidate] = []
    cursor = start
    for pair in jieba.posseg.cut(text[start:end]):
        word, flag = str(pair.word), str(pair.flag)
        at = text.find(word, cursor, end)
        if at < 0:
            continue
        cursor = at + len(word)
        kind = next((k for tag, k in _CHINESE_KINDS.items() if flag.startswith(tag)), None)
        if kind is not None and len(word) > 1 and has_cjk(word):
            found.append(Candidate(at, cursor, word, kind))
    return _keep_free(found, taken)


def _keep_free(found: list[Candidate], taken: list[tuple[int, int]]) -> list[Candidate]:
    """The candidates that overlap no taken span nor an earlier candidate, in text order."""
    kept: list[Candidate] = []
    spans = list(taken)
    for candidate in sorted(found, key=lambda c: (c.start, -c.end)):
        if any(candidate.start < e and candidate.end > s for s, e in spans):
            continue
        kept.append(candidate)
        spans.append((candidate.start, candidate.end))
    return kept
