"""The search index: every resource of the id space with its labels and classes, and how a query matches.

`index_for(site)` builds the index once per release, on first use (one SELECT
of the labels and types of every IRI under `{base}id/`, outside the inferred
graph) and keeps it for the site's life. Each entry holds the resource's
labels (`rdfs:label`, `skos:prefLabel`, `dcterms:title`), its alternative labels
(`skos:altLabel`, `schema:alternateName`), the acronym of an English name
("European Space Agency" -> "ESA"), its `sco:` classes (most specific first)
and, for the type filter, their superclasses.

Matching is on normalised text (NFKC, then case folding, so "ＥＳＡ" and "esa"
are "ESA"). A label scores by the best of these, in this order: the whole
label (`EXACT`), its beginning (`PREFIX`), every query word a word of the
label (`WORD`), every query word the beginning of one (`WORD_PREFIX`: "shen"
finds "Shenzhou-15"), and the query anywhere in the label (`SUBSTRING`: for
Chinese, written without spaces, "天宫" finds "天宫空间站"; for other scripts
from three characters on). Alternative labels score a little below labels,
acronyms only when the query is the whole acronym. A resource scores by its
best label; hits are ranked by score, then by label.

`SearchIndex.nearest` is the "did you mean" of a missing resource: the
resources whose slug or label is close (`difflib`) to the path asked for,
those of the same kind (`/id/agency/…`) first.
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import DCTERMS

from spacecoop.iris import INFERRED_GRAPH, SCO
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.vocabulary import Vocabulary

if TYPE_CHECKING:
    from spacecoop.web.pages.site import Site

log = logging.getLogger("spacecoop.web.pages")

SCHEMA_ALTERNATE_NAME = URIRef("https://schema.org/alternateName")
SCHEMA_ALTERNATE_NAME_HTTP = URIRef("http://schema.org/alternateName")
LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
ALTERNATIVE_LABELS = (SKOS.altLabel, SCHEMA_ALTERNATE_NAME, SCHEMA_ALTERNATE_NAME_HTTP)

# The kinds of searchable text a resource has.
LABEL, ALTERNATIVE, ACRONYM, SLUG = "label", "alternative", "acronym", "slug"

# Scores of a match, best first.
EXACT, PREFIX, WORD, WORD_PREFIX, SUBSTRING = 100, 80, 60, 40, 20
# What a kind of text takes off its score: a resource's own label wins a tie.
KIND_PENALTY = {LABEL: 0, ALTERNATIVE: 5, ACRONYM: 10, SLUG: 15}

# "Did you mean": how close a slug must be to be suggested, and to the closest one suggested.
NEAR, NEAR_SPREAD, NEAR_START = 0.75, 0.15, 0.9
MAX_NEAR = 200  # a longer slug is compared with nothing

MIN_SUBSTRING = 3  # the shortest query matched inside words (CJK text: any length)
ACRONYM_STOP_WORDS = frozenset({"a", "an", "and", "de", "for", "of", "on", "the", "to"})

_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
_CJK = re.compile("[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                  "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]")


def normalize(text: str) -> str:
    """`text` compared without regard to case or width: NFKC, case folded, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def words(key: str) -> tuple[str, ...]:
    """The words of a normalised text (a run of CJK characters is one word)."""
    return tuple(_WORD.findall(key))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def acronym(name: str) -> str | None:
    """The initials of the capitalised words `name` begins with ("European Space Agency" -> "ESA"),
    if there are at least two of them; words in capitals are acronyms already and end the run."""
    initials = []
    for word in _LETTERS.findall(name):
        if word.lower() in ACRONYM_STOP_WORDS:
            continue
        if not (word[0].isupper() and not word.isupper()):
            break
        initials.append(word[0])
    return "".join(initials) if len(initials) >= 2 else None


@dataclass(frozen=True)
class Text:
    """One searchable text of a resource: a label, an alternative label, an acronym or the slug."""

    text: str
    lang: str  # the primary language subtag, '' when untagged
    kind: str
    key: str = field(init=False)
    tokens: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        key = normalize(self.text)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "tokens", words(key))


@dataclass(frozen=True)
class Query:
    """A normalised query: its text and its words."""

    text: str
    key: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Query:
        key = normalize(text)
        return cls(text, key, words(key))

    @property
    def substring_ok(self) -> bool:
        return has_cjk(self.key) or len(self.key) >= MIN_SUBSTRING


def score(query: Query, text: Text) -> int:
    """How well `text` matches `query` (0: not at all); see the module's documentation."""
    if not query.key or not text.key:
        return 0
    if text.kind == ACRONYM:
        found = EXACT if text.key == query.key else 0
    elif text.key == query.key:
        found = EXACT
    elif text.key.startswith(query.key):
        found = PREFIX
    elif query.tokens and all(token in text.tokens for token in query.tokens):
        found = WORD
    elif query.tokens and all(any(t.startswith(token) for t in text.tokens) for token in query.tokens):
        found = WORD_PREFIX
    elif query.substring_ok and query.key in text.key:
        found = SUBSTRING
    else:
        found = 0
    return found - KIND_PENALTY[text.kind] if found else 0


@dataclass(frozen=True)
class Entry:
    """A resource of the id space as the index holds it."""

    iri: str
    segment: str  # the kind in its path: `agency` in /id/agency/cnsa
    slug: str  # the rest of its path: `cnsa`
    labels: tuple[Literal, ...]  # its labels (what a page is headed with)
    texts: tuple[Text, ...]  # everything a query is matched against
    classes: tuple[str, ...]  # its `sco:` classes, most specific first (without one, its other classes)
    within: frozenset[str]  # those classes and their superclasses (the type filter)

    def label(self, languages: Sequence[str]) -> Literal:
        """The label to show for a client that prefers `languages`; the slug if it has none."""
        chosen = labelling.choose(self.labels, languages)
        return chosen if chosen is not None else Literal(self.slug)


@dataclass(frozen=True)
class Hit:
    """A resource that matches a query: its score, and the text that matched best."""

    entry: Entry
    score: int
    matched: Text


class SearchIndex:
    """The resources of one release, searchable by label."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = tuple(sorted(entries, key=lambda e: e.iri))

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, text: str, *, limit: int, within: str | None = None,
               languages: Sequence[str] = (labelling.FALLBACK,)) -> list[Hit]:
        """The best `limit` matches of `text` (of class `within` only, if given), best first;
        equal scores in the order of the label shown for `languages`."""
        query = Query.of(text)
        if not query.key:
            return []
        hits = []
        for entry in self.entries:
            if within is not None and within not in entry.within:
                continue
            hit = best_match(query, entry)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, normalize(str(h.entry.label(languages))), h.entry.iri))
        return hits[:limit]

    def nearest(self, segment: str, slug: str, *, limit: int = 5, cutoff: float = NEAR) -> list[Entry]:
        """The resources whose slug or label is close to `slug` (`difflib`'s ratio at least `cutoff`, and
        not much below the closest one's), those under `segment` first, then the closest."""
        wanted = normalize(slug)
        if not MIN_SUBSTRING <= len(wanted) <= MAX_NEAR:
            return []
        phrase = " ".join(words(wanted))
        scored = []
        for entry in self.entries:
            closeness = _closeness(wanted, phrase, entry)
            if closeness >= cutoff:
                scored.append((entry.segment != segment, -closeness, entry.iri, entry))
        if not scored:
            return []
        closest = -min(s[1] for s in scored)
        scored = [s for s in scored if -s[1] >= closest - NEAR_SPREAD]
        scored.sort(key=lambda s: s[:3])
        return [s[3] for s in scored[:limit]]


def best_match(query: Query, entry: Entry) -> Hit | None:
    """The entry's best-matching text, or None if none matches."""
    best: Hit | None = None
    for text in entry.texts:
        found = score(query, text)
        if found and (best is None or found > best.score):
            best = Hit(entry, found, text)
    return best


def _ratio(a: str, b: str) -> float:
    """`difflib`'s similarity of `a` and `b`; 0 when its quick upper bounds show it is below `NEAR`."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < NEAR or matcher.quick_ratio() < NEAR:
        return 0.0
    return matcher.ratio()


def _closeness(wanted: str, phrase: str, entry: Entry) -> float:
    """How close a slug asked for is to the entry's slug or one of its labels; a phrase of several words
    that is nearly a label's first words (`european-space-agency` for "European Space Agency (ESA)")
    counts a little less."""
    best = _ratio(wanted, normalize(entry.slug))
    size = len(phrase.split())
    for text in entry.texts:
        if text.kind not in (LABEL, ALTERNATIVE) or not text.tokens:
            continue
        best = max(best, _ratio(phrase, " ".join(text.tokens)))
        if 1 < size < len(text.tokens):
            start = _ratio(phrase, " ".join(text.tokens[:size]))
            if start >= NEAR_START:
                best = max(best, start * NEAR_START)
    return best


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def index_query(id_space: str) -> str:
    """Labels, alternative labels and types of every IRI under `id_space`, outside the inferred graph."""
    properties = " ".join(f"<{p}>" for p in (RDF.type, *LABELS, *ALTERNATIVE_LABELS))
    return f"""SELECT DISTINCT ?s ?p ?o WHERE {{
    VALUES ?p {{ {properties} }}
    GRAPH ?g {{ ?s ?p ?o }}
    FILTER(?g != <{INFERRED_GRAPH}>)
    FILTER(isIRI(?s) && STRSTARTS(STR(?s), {_string(id_space)}))
}}"""


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _language(literal: Literal) -> str:
    return (literal.language or "").lower().split("-")[0]


def build_index(rows: Iterable[dict[str, object]], id_space: str, vocabulary: Vocabulary) -> SearchIndex:
    """The index of the rows of `index_query`."""
    labels: dict[str, set[Literal]] = {}
    alternatives: dict[str, set[Literal]] = {}
    types: dict[str, set[str]] = {}
    for row in rows:
        subject, predicate, value = str(row["s"]), row["p"], row["o"]
        if predicate == RDF.type:
            types.setdefault(subject, set())
            if isinstance(value, URIRef):
                types[subject].add(str(value))
        elif isinstance(value, Literal):
            into = labels if predicate in LABELS else alternatives
            into.setdefault(subject, set()).add(value)
    subjects = set(labels) | set(alternatives) | set(types)
    return SearchIndex(_entry(s, id_space, sorted(labels.get(s, ()), key=str),
                              sorted(alternatives.get(s, ()), key=str), types.get(s, set()), vocabulary)
                       for s in subjects)


def _entry(iri: str, id_space: str, labels: list[Literal], alternatives: list[Literal], classes: set[str],
           vocabulary: Vocabulary) -> Entry:
    path = iri[len(id_space):]
    segment, _, slug = path.partition("/")
    texts = [Text(str(label), _language(label), LABEL) for label in labels]
    texts += [Text(str(label), _language(label), ALTERNATIVE) for label in alternatives]
    acronyms = {name for label in labels if _language(label) in ("en", "")
                if (name := acronym(str(label))) is not None}
    acronyms -= {str(label) for label in alternatives}
    texts += [Text(name, "en", ACRONYM) for name in sorted(acronyms)]
    if not labels and not alternatives:
        texts.append(Text(slug or segment, "", SLUG))
    within = frozenset(a for c in classes for a in vocabulary.ancestors(c))
    return Entry(iri, segment, slug or segment, tuple(labels), tuple(texts), most_specific(classes, vocabulary),
                 within)


def most_specific(classes: set[str], vocabulary: Vocabulary) -> tuple[str, ...]:
    """The resource's `sco:` classes, deepest in the vocabulary's hierarchy first; a resource without one
    (an example query, an evidence annotation) has its other classes instead."""
    own = {c for c in classes if c.startswith(str(SCO))} or classes
    depth = vocabulary.depth
    return tuple(sorted(own, key=lambda c: (-depth.get(c, 0), c)))


_indexes: weakref.WeakKeyDictionary[Site, tuple[str, SearchIndex]] = weakref.WeakKeyDictionary()
_building = threading.Lock()


def index_for(site: Site) -> SearchIndex:
    """The site's index of its release, built on first use (one query; `StoreError` if it fails)."""
    release = site.store.release_id
    held = _indexes.get(site)
    if held is not None and held[0] == release:
        return held[1]
    with _building:  # one build at a time; the others wait for it
        held = _indexes.get(site)
        if held is not None and held[0] == release:
            return held[1]
        id_space = site.config.base_iri + "id/"
        rows = site.store.select(index_query(id_space), timeout=site.config.query_timeout)
        index = build_index(rows, id_space, site.vocabulary)
        _indexes[site] = (release, index)
        log.info("search index of release %s: %d resources", release, len(index))
        return index
