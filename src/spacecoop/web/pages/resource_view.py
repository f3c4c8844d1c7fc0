"""The page view of a resource: what its HTML page shows, built from its description graph.

`ViewBuilder.build` turns the graph of `describe.describe_query` into a
`ResourceView` for one request (the client's languages, the addresses links
point at): labels, types, properties with their values (blank nodes nested),
incoming links, the evidence quotes as numbered notes, and the class-specific
template with its headline facts (`CLASS_FACTS`; a fact with no value is left
out). The RDF representations serialise the graph itself; this module only
reads it.

Evidence is recorded per resource: an annotation's `oa:hasBody` names the
resources its quote supports. A value of the resource is footnoted with a
quote when the quote supports the resource and either also supports the value
(the value is another body of the same annotation) or names it: one of the
value's labels, or the literal as the text writes it (a date as `2 January
2020`, `January 2, 2020`, `2020-01-02` or `2020年1月2日`, a number with or
without thousands separators). Quotes that support the resource but name none
of its values are notes about the resource as a whole. Each note shows the
quote inside its sentence, taken from the release's copy of the article
(`sources/{source-id}.txt`) or, without it, from the selector's prefix and
suffix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import cast
from urllib.parse import quote

from rdflib import RDF, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Identifier
from rdflib.term import Node as RdfNode

from spacecoop.iris import ID, OA, PREFIXES, SCO
from spacecoop.rdf.terms import literal_int
from spacecoop.web.i18n import N_
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.baseiri import IriMap
from spacecoop.web.pages.describe import BLANK_DEPTH
from spacecoop.web.pages.highlight import InSentence, around_prefix, locate, sentence_around
from spacecoop.web.pages.vocabulary import LABEL_PROPERTIES, Vocabulary


@dataclass
class Value:
    """A value shown on a page: a link to a resource, a literal, or a blank node's own properties."""

    kind: str  # 'iri', 'literal' or 'blank'
    value: str
    label: str | None = None
    beside: str | None = None
    href: str | None = None
    language: str | None = None
    datatype: str | None = None
    types: list[str] = field(default_factory=list)
    properties: list[PropertyValues] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)  # the numbers of the evidence notes supporting it


@dataclass
class PropertyValues:
    """One property of a resource with all its values (or, for incoming links, its subjects)."""

    iri: str
    label: str
    href: str
    values: list[Value]


@dataclass
class Quote:
    """One evidence annotation: the verbatim quote, where in which source it is, and (once numbered)
    the note it is on the page with the values it supports."""

    annotation: str
    href: str
    exact: str
    prefix: str | None
    suffix: str | None
    start: int | None
    end: int | None
    source: Value | None
    source_page: str | None  # the source page with this resource's quotes highlighted, at this one
    bodies: frozenset[str] = frozenset()
    context: InSentence | None = None
    number: int = 0
    supports: list[tuple[str, str]] = field(default_factory=list)  # (property label, value shown)


@dataclass
class Fact:
    """A headline fact of a class-specific page (`Parties`, `Signed`, `Crew`, ...): the heading in
    English, translated where the page shows it."""

    heading: str
    values: list[Value]


@dataclass
class ResourceView:
    """Everything a resource page shows; the RDF representations serialise `graph` instead."""

    iri: str
    href: str
    label: str
    beside: str | None
    labels: list[Value]
    types: list[Value]
    definition: str | None
    properties: list[PropertyValues]
    incoming: list[PropertyValues]
    evidence: list[Quote]  # the notes, in their numbers' order
    template: str
    facts: list[Fact]
    graph: Graph
    whole: list[int] = field(default_factory=list)  # notes about the resource, naming none of its values


def short_iri(iri: str) -> str:
    """`https://w3id.org/spacecoop/ontology#party` -> `sco:party` when a prefix fits."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if best and "/" not in iri[len(PREFIXES[best]) :] and "#" not in iri[len(PREFIXES[best]) :]:
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    return iri


def _fallback_label(iri: str) -> str:
    tail = iri.rstrip("/").split("#")[-1].split("/")[-1]
    return tail or iri


def source_id_of(iri: str) -> str | None:
    """`…/id/source/000_x` -> `000_x`."""
    prefix = f"{ID}source/"
    if iri.startswith(prefix) and "/" not in iri[len(prefix) :]:
        return iri[len(prefix) :]
    return None


def annotation_anchor(iri: str) -> str:
    """The element id of an annotation's quote on its source page."""
    return "ev-" + quote(_fallback_label(iri), safe="-_.")


def highlight_key(iri: str) -> str:
    """How a source page's `?highlight=` names a resource: `mission/shenzhou-15` for a dataset IRI."""
    return iri[len(str(ID)):] if iri.startswith(str(ID)) else iri


def source_page_at(iris: IriMap, source_id: str, resource: str, annotation: str) -> str:
    """The source page with `resource`'s quotes highlighted, scrolled to `annotation`'s."""
    key = quote(highlight_key(resource), safe="/:")
    return iris.path(f"source/{source_id}") + f"?highlight={key}#" + annotation_anchor(annotation)


@lru_cache(maxsize=64)
def _read_text(path: str, stamp: tuple[int, int]) -> str | None:
    """A source file's text (cached by path, modification time and size)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def source_text(sources: Path | None, source_id: str) -> str | None:
    """The release's copy of a source document, if it has one."""
    if sources is None:
        return None
    path = sources / f"{source_id}.txt"
    try:
        info = path.stat()
    except OSError:
        return None
    return _read_text(str(path), (info.st_mtime_ns, info.st_size))


class ViewBuilder:
    """Builds `ResourceView`s from description graphs for one request (language, addresses).

    `gettext` translates the interface's own words the view holds (the readable names of
    `WELL_KNOWN` properties, a blank node's label); the data's labels follow `languages`."""

    def __init__(self, vocabulary: Vocabulary, iris: IriMap, languages: list[str],
                 sources: Path | None = None, gettext: Callable[[str], str] = str) -> None:
        self.vocabulary = vocabulary
        self.iris = iris
        self.languages = languages
        self.sources = sources  # the release's `sources/` folder: the text around each quote
        self.gettext = gettext

    # -- labels ----------------------------------------------------------
    def _labels(self, graph: Graph, node: RdfNode) -> list[Literal]:
        found = [o for p in LABEL_PROPERTIES for o in graph.objects(node, p) if isinstance(o, Literal)]
        if not found and isinstance(node, URIRef):
            found = self.vocabulary.labels_of(str(node))
        return found

    def label_pair(self, graph: Graph, node: RdfNode) -> tuple[str, str | None]:
        labels = self._labels(graph, node)
        chosen = labelling.choose(labels, self.languages)
        if chosen is None:
            return (_fallback_label(str(node)) if isinstance(node, URIRef) else self.gettext("(blank node)")), None
        other = labelling.beside(labels, chosen)
        return str(chosen), (str(other) if other is not None else None)

    def term_label(self, iri: str) -> str:
        known = WELL_KNOWN.get(iri)
        return self.vocabulary.label(iri, self.languages) or (self.gettext(known) if known else short_iri(iri))

    # -- values ----------------------------------------------------------
    def value(self, graph: Graph, node: RdfNode, depth: int = 0) -> Value:
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype else None
            return Value(
                kind="literal",
                value=str(node),
                language=node.language,
                datatype=short_iri(datatype) if datatype and datatype != str(XSD.string) else None,
            )
        if isinstance(node, BNode):
            nested = self.properties(graph, node, depth + 1) if depth < BLANK_DEPTH + 1 else []
            return Value(kind="blank", value=str(node), properties=nested)
        label, beside = self.label_pair(graph, node)
        types = [self.label_pair(graph, t)[0]
                 for t in sorted(cast("Iterable[Identifier]", graph.objects(node, RDF.type)))]
        return Value(kind="iri", value=str(node), label=label, beside=beside, href=self.iris.to_server(str(node)),
                     types=types)

    def properties(self, graph: Graph, subject: RdfNode, depth: int = 0,
                   skip: frozenset[RdfNode] = frozenset()) -> list[PropertyValues]:
        rows: list[PropertyValues] = []
        for predicate in sorted(cast("set[Identifier]", set(graph.predicates(subject, None)))):
            if predicate in skip:
                continue
            values = [self.value(graph, o, depth)
                      for o in sorted(cast("Iterable[Identifier]", graph.objects(subject, predicate)))]
            values.sort(key=lambda v: ((v.label or v.value).lower(), v.value))
            rows.append(PropertyValues(str(predicate), self.term_label(str(predicate)),
                                       self.iris.to_server(str(predicate)), values))
        rows.sort(key=lambda row: (row.iri != str(RDF.type), row.label.lower()))
        return rows

    def incoming(self, graph: Graph, obj: URIRef) -> list[PropertyValues]:
        rows: list[PropertyValues] = []
        for predicate in sorted(
            cast("set[Identifier]", {p for s, p in graph.subject_predicates(obj) if isinstance(s, URIRef)})
        ):
            if predicate == OA.hasBody:
                continue  # shown as evidence
            subjects = [self.value(graph, s) for s in graph.subjects(predicate, obj) if isinstance(s, URIRef)]
            subjects.sort(key=lambda v: ((v.label or v.value).lower(), v.value))
            rows.append(PropertyValues(str(predicate), self.term_label(str(predicate)),
                                       self.iris.to_server(str(predicate)), subjects))
        rows.sort(key=lambda row: row.label.lower())
        return rows

    # -- evidence ----------------------------------------------------------
    def evidence(self, graph: Graph, body: URIRef) -> list[Quote]:
        """The quotes supporting `body`, in reading order (source, position), each in its sentence."""
        quotes: list[Quote] = []
        for annotation in sorted(cast("Iterable[Identifier]", graph.subjects(OA.hasBody, body))):
            bodies = frozenset(str(b) for b in graph.objects(annotation, OA.hasBody))
            for target in graph.objects(annotation, OA.hasTarget):
                exact = prefix = suffix = None
                start = end = None
                for selector in graph.objects(target, OA.hasSelector):
                    exact = exact or _str(graph.value(selector, OA.exact))
                    prefix = prefix or _str(graph.value(selector, OA.prefix))
                    suffix = suffix or _str(graph.value(selector, OA.suffix))
                    start = start if start is not None else literal_int(graph.value(selector, OA.start))
                    end = end if end is not None else literal_int(graph.value(selector, OA.end))
                source = graph.value(target, OA.hasSource)
                sid = source_id_of(str(source)) if source is not None else None
                quotes.append(
                    Quote(
                        annotation=str(annotation),
                        href=self.iris.to_server(str(annotation)),
                        exact=exact or "",
                        prefix=prefix,
                        suffix=suffix,
                        start=start,
                        end=end,
                        source=self.value(graph, source) if source is not None else None,
                        source_page=source_page_at(self.iris, sid, str(body), str(annotation)) if sid else None,
                        bodies=bodies,
                        context=self._context(sid, exact or "", prefix, suffix, start, end),
                    )
                )
        quotes.sort(key=lambda q: (q.source.value if q.source else "", q.start or 0, q.annotation))
        return quotes

    def _context(self, source_id: str | None, exact: str, prefix: str | None, suffix: str | None,
                 start: int | None, end: int | None) -> InSentence:
        """The quote in its sentence from the source text, else between its selector's prefix and suffix."""
        text = source_text(self.sources, source_id) if source_id else None
        place = locate(text, exact, start, end) if text else None
        if text and place:
            return sentence_around(text, *place)
        return around_prefix(exact, prefix, suffix)

    def value_names(self, graph: Graph, value: Value) -> list[str]:
        """How a text may name `value`: its labels, or the literal as it is written."""
        if value.kind == "iri":
            node = URIRef(value.value)
            names = [str(lab) for lab in self._labels(graph, node)]
            names += [str(o) for o in graph.objects(node, SKOS.altLabel) if isinstance(o, Literal)]
            return names
        if value.kind == "literal":
            return literal_forms(value.value, value.datatype)
        return []

    def number_notes(self, graph: Graph, quotes: list[Quote], values: Iterable[tuple[str, Value]]) -> list[int]:
        """Tie each value (in page order, with its property's label, empty for a headline fact) to the
        quotes that support it, number
        the quotes in the order the page first cites them, and return the numbers of the quotes that
        support the resource without naming any value (numbered last)."""
        counter = 0
        names: dict[int, list[str]] = {}
        for label, value in values:
            if value.kind == "blank":
                continue
            known = names.setdefault(id(value), self.value_names(graph, value))
            supporting = [q for q in quotes if _supports(q, value, known)]
            for q in supporting:
                if not q.number:
                    counter += 1
                    q.number = counter
                shown = value.label or value.value
                if label and (label, shown) not in q.supports:
                    q.supports.append((label, shown))
            value.notes = sorted({*value.notes, *(q.number for q in supporting)})
        whole = []
        for q in quotes:
            if not q.number:
                counter += 1
                q.number = counter
                whole.append(q.number)
        quotes.sort(key=lambda q: q.number)
        return whole

    # -- the page ----------------------------------------------------------
    def build(self, iri: str, graph: Graph) -> ResourceView:
        node = URIRef(iri)
        labels = self._labels(graph, node)
        label, beside = self.label_pair(graph, node)
        types = [self.value(graph, t) for t in sorted(cast("Iterable[Identifier]", graph.objects(node, RDF.type)))]
        definition = next(
            (str(o) for p in (URIRef("http://www.w3.org/2004/02/skos/core#definition"),
                              URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))
             for o in graph.objects(node, p)),
            None,
        )
        properties = self.properties(graph, node, skip=frozenset({RDF.type}))
        incoming = self.incoming(graph, node)
        template, facts = self.class_template(graph, node, properties, incoming)
        evidence = self.evidence(graph, node)
        cited = [("", v) for fact in facts for v in fact.values]  # the same values as the property rows
        cited += [(row.label, v) for row in properties for v in row.values]
        cited += [(row.label, v) for row in incoming for v in row.values]
        whole = self.number_notes(graph, evidence, cited)
        return ResourceView(
            iri=iri,
            href=self.iris.to_server(iri),
            label=label,
            beside=beside,
            labels=[self.value(graph, lab) for lab in sorted(labels, key=lambda lit: (lit.language or "", str(lit)))],
            types=types,
            definition=definition,
            properties=properties,
            incoming=incoming,
            evidence=evidence,
            template=template,
            facts=facts,
            graph=graph,
            whole=whole,
        )

    def class_template(
        self, graph: Graph, node: URIRef, properties: list[PropertyValues], incoming: list[PropertyValues]
    ) -> tuple[str, list[Fact]]:
        """The most specific class template that exists, with its headline facts."""
        depth = self.vocabulary.depth
        types = sorted((str(t) for t in graph.objects(node, RDF.type)), key=lambda t: -depth.get(t, -1))
        for type_iri in types:
            for ancestor in self.vocabulary.ancestors(type_iri):
                name = _fallback_label(ancestor).lower()
                if name in CLASS_FACTS:
                    return f"resource-{name}.html", self._facts(CLASS_FACTS[name], properties, incoming)
        return "resource.html", []

    @staticmethod
    def _facts(spec: list[tuple[str, list[str], list[str]]], properties: list[PropertyValues],
               incoming: list[PropertyValues]) -> list[Fact]:
        out_by = {row.iri: row.values for row in properties}
        in_by = {row.iri: row.values for row in incoming}
        facts = []
        for heading, outgoing, inverse in spec:
            values: list[Value] = []
            for predicate in outgoing:
                values.extend(v for v in out_by.get(predicate, []) if v.value not in {x.value for x in values})
            for predicate in inverse:
                values.extend(v for v in in_by.get(predicate, []) if v.value not in {x.value for x in values})
            if values:  # a fact the data does not state is not shown
                facts.append(Fact(heading, values))
        return facts


_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
# Readable names of the properties from other vocabularies that pages show most.
WELL_KNOWN: dict[str, str] = {
    str(RDF.type): N_("type"),
    _RDFS + "label": N_("label"),
    _RDFS + "comment": N_("comment"),
    _RDFS + "seeAlso": N_("see also"),
    _SKOS + "altLabel": N_("also known as"),
    _SKOS + "prefLabel": N_("preferred label"),
    _SKOS + "definition": N_("definition"),
    "http://www.w3.org/2002/07/owl#sameAs": N_("same as"),
    "http://www.w3.org/ns/prov#wasDerivedFrom": N_("derived from"),
    _DCT + "title": N_("title"),
    _DCT + "issued": N_("issued"),
    _DCT + "modified": N_("modified"),
    _DCT + "language": N_("language"),
    _DCT + "publisher": N_("publisher"),
    _DCT + "creator": N_("creator"),
    _DCT + "source": N_("source"),
    str(OA.hasBody): N_("evidence for"),
    str(OA.hasTarget): N_("target"),
    str(OA.hasSource): N_("source document"),
    str(OA.hasSelector): N_("selector"),
    str(OA.exact): N_("exact quote"),
    str(OA.prefix): N_("text before"),
    str(OA.suffix): N_("text after"),
    str(OA.start): N_("start"),
    str(OA.end): N_("end"),
    str(OA.motivatedBy): N_("motivation"),
}

# Class-specific pages: template `resource-{name}.html` and its headline facts
# (heading, outgoing properties, properties whose subjects are the values).
CLASS_FACTS: dict[str, list[tuple[str, list[str], list[str]]]] = {
    "agreement": [
        (N_("Parties"), [str(SCO.party)], [str(SCO.partyTo)]),
        (N_("Signed"), [str(SCO.signingDate), str(SCO.date)], []),
        (N_("Kind"), [str(SCO.agreementType)], []),
    ],
    "mission": [
        (N_("Launch"), [str(SCO.launchDate), str(SCO.launchEvent)], []),
        (N_("Crew"), [str(SCO.commander), str(SCO.crewMember)], []),
        (N_("Platform"), [str(SCO.spacecraft), str(SCO.destination)], []),
    ],
}


def _str(node: RdfNode | None) -> str | None:
    return str(node) if node is not None else None


# ---------------------------------------------------------------------------
# Does a quote name a value?
# ---------------------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Text as compared: lower case, one space for any whitespace, straight apostrophes."""
    return _SPACES.sub(" ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def date_forms(text: str) -> list[str]:
    """The ways an English or Chinese article writes an `xsd:date` (or the date of an `xsd:dateTime`)."""
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return []
    month = _MONTHS[day.month - 1]
    short = month[:3]
    d, y = day.day, day.year
    return [f"{d} {month} {y}", f"{month} {d}, {y}", f"{month} {d} {y}", f"{short}. {d}, {y}",
            f"{short} {d}, {y}", f"{d} {short} {y}", day.isoformat(), f"{y}年{day.month}月{d}日"]


def literal_forms(text: str, datatype: str | None) -> list[str]:
    """The ways a text may write a literal: dates in words, numbers with separators, strings as they are."""
    if datatype in ("xsd:date", "xsd:dateTime"):
        return date_forms(text)
    if datatype == "xsd:gYearMonth" and len(text) >= 7 and text[5:7].isdigit() and 1 <= int(text[5:7]) <= 12:
        return [f"{_MONTHS[int(text[5:7]) - 1]} {text[:4]}", f"{text[:4]}年{int(text[5:7])}月", text[:7]]
    if _NUMBER.fullmatch(text) and datatype is not None:
        forms = [text]
        whole, _, fraction = text.partition(".")
        if len(whole.lstrip("-")) > 3:
            forms.append(f"{int(whole):,}" + (f".{fraction}" if fraction else ""))
        return forms
    return [text] if len(text.strip()) >= 3 else []


def names_in(quote_text: str, names: Iterable[str]) -> bool:
    """Whether the quote contains one of `names`: as whole words (a plural `s` allowed) where the name
    starts or ends with a letter or digit, whitespace, case and apostrophes aside."""
    haystack = _fold(quote_text)
    for name in names:
        needle = _fold(name)
        if len(needle) < 2:
            continue
        left = r"(?<![0-9a-z])" if needle[0].isascii() and needle[0].isalnum() else ""
        # a plural counts as naming the thing (`cooperation agreements` names a cooperation agreement)
        plural = "(?:e?s)?" if needle[-1].isascii() and needle[-1].isalpha() else ""
        right = plural + r"(?![0-9a-z])" if needle[-1].isascii() and needle[-1].isalnum() else ""
        if re.search(left + re.escape(needle) + right, haystack):
            return True
    return False


def _supports(quote_: Quote, value: Value, names: list[str]) -> bool:
    """Whether a quote supporting the resource also supports `value` (see the module documentation)."""
    if value.kind == "iri" and value.value in quote_.bodies:
        return True
    return names_in(quote_.exact, names)
