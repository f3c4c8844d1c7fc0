"""The draft instance file of a new article: what is ready, and stubs for the curator.

Ready (uncommented, accepted by the build as it is): each entity of the graph that the article
mentions, with its types and labels exactly as the graph has them and `prov:wasDerivedFrom` the
new article, and one evidence annotation per mention at its offsets. Stubs (commented out, for the
curator to complete or delete): names the graph does not know, numbers and dates. The article is
followed sentence by sentence, so the draft reads beside the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import Literal

from spacecoop.build.evidence import SourceText, context_for, normalise
from spacecoop.curate.mentions import Candidate, Entity, Mention
from spacecoop.curate.quantities import DateMention, Quantity
from spacecoop.curate.text import sentences, slugify, turtle_string
from spacecoop.iris import ID, PREFIXES

_PREFIXES = ("sco", "id", "oa", "prov", "rdfs", "skos", "xsd", "dcterms")
_CANDIDATE_TYPES = {"person": "person", "place": "place", "organisation": "organization"}


@dataclass(frozen=True)
class Findings:
    """What the article says that a curator may model, each at its offsets."""

    mentions: list[Mention]
    candidates: list[Candidate]
    quantities: list[Quantity]
    dates: list[DateMention]


def _literal(lit: Literal) -> str:
    return turtle_string(str(lit)) + (f"@{lit.language}" if lit.language else "")


def _curie(iri: str) -> str:
    for name in ("sco", "oa", "prov"):
        if iri.startswith(PREFIXES[name]):
            return f"{name}:{iri[len(PREFIXES[name]):]}"
    return f"<{iri}>"


class _Writer:
    """Numbers the evidence annotations (ready ones and stubs alike, so a completed stub keeps its
    number) and writes them."""

    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.prefix = source.source_id[:3]
        self.count = 0

    def annotation(self, bodies: list[str], start: int, end: int, commented: bool = False) -> list[str]:
        self.count += 1
        text = self.source
        exact = text.text[start:end]
        selector = f"[ a oa:TextQuoteSelector ; oa:exact {turtle_string(exact)}"
        if len(text.find(exact)) > 1:
            before, after = context_for(text, start, end)
            selector += f" ; oa:prefix {turtle_string(before)} ; oa:suffix {turtle_string(after)}"
        lines = [
            f"<{ID}evidence/{self.prefix}-{self.count:03d}> a oa:Annotation ;",
            "    oa:motivatedBy oa:describing ;",
            f"    oa:hasBody {' , '.join(f'<{b}>' for b in bodies)} ;",
            "    oa:hasTarget [ a oa:SpecificResource ;",
            f"        oa:hasSource <{text.iri}> ;",
            f"        oa:hasSelector {selector} ] ,",
            f"            [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ] .",
        ]
        return [f"# {line}" for line in lines] if commented else lines


def _entity_block(entity: Entity, source_iri: str) -> list[str]:
    lines = [f"<{entity.iri}> a {' , '.join(_curie(t) for t in entity.types)} ;"]
    if entity.labels:
        lines.append(f"    rdfs:label {' , '.join(_literal(lit) for lit in entity.labels)} ;")
    if entity.alt_labels:
        lines.append(f"    skos:altLabel {' , '.join(_literal(lit) for lit in entity.alt_labels)} ;")
    lines.append(f"    prov:wasDerivedFrom <{source_iri}> .")
    return lines


def _candidate_stub(candidate: Candidate, source: SourceText, lang: str, writer: _Writer) -> list[str]:
    segment = _CANDIDATE_TYPES.get(candidate.kind, "TYPE")
    slug = slugify(candidate.quote) or "SLUG"
    iri = f"{ID}{segment}/{slug}"
    lines = [
        f"# ? {candidate.kind} not in the graph: {turtle_string(candidate.quote)} [{candidate.start}-{candidate.end}]",
        f"# <{iri}> a sco:CLASS ;",
        f"#     rdfs:label {turtle_string(candidate.quote)}@{lang} ;",
        f"#     prov:wasDerivedFrom <{source.iri}> .",
    ]
    return lines + writer.annotation([iri], candidate.start, candidate.end, commented=True)


def _quantity_stub(quantity: Quantity, source: SourceText, published: dt.date, writer: _Writer) -> list[str]:
    iri = f"{ID}count/{slugify(quantity.quote) or 'SLUG'}"
    hedge = f", hedge {turtle_string(quantity.hedge)}" if quantity.hedge else ""
    unit = f", unit or counted noun {turtle_string(quantity.unit)}" if quantity.unit else ""
    lines = [f"# ? number {turtle_string(quantity.quote)} [{quantity.start}-{quantity.end}]{hedge}{unit}",
             f"# <{iri}> a sco:QuantifiedStatement ;",
             f"#     rdfs:label {turtle_string(normalise(quantity.quote))}@en ;"]
    if quantity.value is not None:
        lines.append(f"#     sco:count {quantity.value} ;")
    if quantity.qualifier:
        lines.append(f"#     sco:qualifier {quantity.qualifier} ;")
    elif quantity.hedge:
        lines.append(f"#     # the vocabulary has no sco:Qualifier for {turtle_string(quantity.hedge)} yet")
    lines += [
        f"#     sco:countOf <{ID}kind/KIND> ;",
        f'#     sco:asOf "{published.isoformat()}"^^xsd:date ;',
        f"#     prov:wasDerivedFrom <{source.iri}> .",
    ]
    return lines + writer.annotation([iri], quantity.start, quantity.end, commented=True)


def _date_stub(date: DateMention, published: dt.date, writer: _Writer) -> list[str]:
    how = f"relative to the publication date {published.isoformat()}" if date.relative else "absolute"
    lines = [f"# ? date {turtle_string(date.quote)} [{date.start}-{date.end}], {how}"]
    if date.value is not None:
        lines.append(f'#     sco:date "{date.value}"^^{date.datatype} ;  # or sco:targetDate, sco:asOf')
    else:
        lines.append("#     the words fix no single date: sco:targetPeriodStart and sco:targetPeriodEnd, "
                     "or sco:timeframe")
    if date.relative:
        lines.append(f"#     sco:dateWording {turtle_string(date.quote)}@LANG ; "
                     f'sco:resolvedAgainst "{published.isoformat()}"^^xsd:date ;')
    return lines


def write_draft(source: SourceText, title: str, lang: str, published: dt.date, entities: dict[str, Entity],
                findings: Findings) -> str:
    """The draft instance file of `source` as Turtle text."""
    writer = _Writer(source)
    out = [
        f"# Draft: what {source.source_id} states ({title}).",
        f"# Loaded into the named graph https://w3id.org/spacecoop/graph/{source.source_id}.",
        f"# Evidence offsets are character offsets into sources/{source.source_id}.txt.",
        "# Written by `spacecoop ingest`: uncommented statements are ready (entities the graph already",
        "# knows, as the graph describes them, and the evidence of each mention); lines starting with",
        "# '# ?' are proposals: complete and uncomment them, or delete them (docs/curation.md,",
        "# \"Drafts from new articles\"). A mention that is not what the entity denotes is deleted",
        "# with its annotation.",
        "",
    ]
    out += [f"@prefix {name}: <{PREFIXES[name]}> ." for name in _PREFIXES]
    mentioned = sorted({iri for m in findings.mentions if len(m.iris) == 1 for iri in m.iris})
    out += ["", "# " + "-" * 75, "# Entities of the graph that the article mentions", "# " + "-" * 75, ""]
    for iri in mentioned:
        out += _entity_block(entities[iri], source.iri) + [""]
    out += ["# " + "-" * 75, "# The article, sentence by sentence", "# " + "-" * 75]
    items: list[tuple[int, int, object]] = [
        *((m.start, 0, m) for m in findings.mentions), *((c.start, 1, c) for c in findings.candidates),
        *((q.start, 2, q) for q in findings.quantities), *((d.start, 3, d) for d in findings.dates),
    ]
    items.sort(key=lambda item: (item[0], item[1]))
    index = 0
    for number, (s, e) in enumerate(sentences(source.text, source.body_start, source.body_end), start=1):
        out += ["", f"# --- sentence {number} [{s}-{e}]: {normalise(source.text[s:e])}"]
        while index < len(items) and items[index][0] < e:
            item = items[index][2]
            index += 1
            if isinstance(item, Mention):
                if len(item.iris) == 1:
                    out += writer.annotation(list(item.iris), item.start, item.end)
                else:
                    out.append(f"# ? {turtle_string(item.quote)} [{item.start}-{item.end}] is a label of "
                               f"{' and '.join(f'<{i}>' for i in item.iris)}: annotate the one it denotes")
            elif isinstance(item, Candidate):
                out += _candidate_stub(item, source, lang, writer)
            elif isinstance(item, Quantity):
                out += _quantity_stub(item, source, published, writer)
            elif isinstance(item, DateMention):
                out += _date_stub(item, published, writer)
    return "\n".join(out) + "\n"
