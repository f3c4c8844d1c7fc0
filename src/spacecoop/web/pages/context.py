"""The JSON-LD `@context` of the dataset, generated from the vocabulary.

Published at `/context.jsonld` and used to compact every JSON-LD
representation, so that a resource reads as plain JSON:
`{"id": "…/id/agreement/x", "type": "Agreement", "party": ["…"], "label": {"en": "…"}}`.

Rules: each `sco:` class is a bare term; an object property is an `@id`-typed
term (an `@set` unless functional, so its value is always an array); a
datatype property whose range is an XSD datatype other than `xsd:string` is
coerced to it; labels are language maps. A few Web Annotation, PROV, SKOS and
Dublin Core terms used by the evidence and the source metadata are added;
the vocabulary's own terms win on a clash.
"""

from __future__ import annotations

from typing import Any

from rdflib import XSD

from spacecoop.iris import PREFIXES, SCO
from spacecoop.web.pages.vocabulary import Vocabulary

# Prefixes that would clash with the `id`/`type` keyword aliases or add nothing.
_SKIPPED_PREFIXES = {"id", "graph"}

_SHARED_TERMS: dict[str, Any] = {
    "label": {"@id": "rdfs:label", "@container": "@language"},
    "altLabel": {"@id": "skos:altLabel", "@container": "@language"},
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "definition": {"@id": "skos:definition", "@container": "@language"},
    "comment": {"@id": "rdfs:comment", "@container": "@language"},
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id", "@container": "@set"},
    "title": {"@id": "dcterms:title", "@container": "@language"},
    "issued": {"@id": "dcterms:issued", "@type": "xsd:date"},
    "modified": {"@id": "dcterms:modified", "@type": "xsd:dateTime"},
    "creator": {"@id": "dcterms:creator", "@type": "@id"},
    "publisher": {"@id": "dcterms:publisher", "@type": "@id"},
    "language": {"@id": "dcterms:language"},
    "Annotation": "oa:Annotation",
    "SpecificResource": "oa:SpecificResource",
    "TextQuoteSelector": "oa:TextQuoteSelector",
    "TextPositionSelector": "oa:TextPositionSelector",
    "hasBody": {"@id": "oa:hasBody", "@type": "@id"},
    "hasTarget": {"@id": "oa:hasTarget", "@type": "@id"},
    "hasSource": {"@id": "oa:hasSource", "@type": "@id"},
    "hasSelector": {"@id": "oa:hasSelector", "@type": "@id"},
    "motivatedBy": {"@id": "oa:motivatedBy", "@type": "@id"},
    "exact": "oa:exact",
    "prefix": "oa:prefix",
    "suffix": "oa:suffix",
    "start": "oa:start",
    "end": "oa:end",
}


def _datatype_coercion(range_iri: str | None) -> str | None:
    if range_iri and range_iri.startswith(str(XSD)) and range_iri != str(XSD.string):
        return "xsd:" + range_iri[len(str(XSD)) :]
    return None


def build_context(vocabulary: Vocabulary) -> dict[str, Any]:
    """The value of `@context` (a JSON object) for this vocabulary."""
    context: dict[str, Any] = {"@version": 1.1}
    for prefix, namespace in PREFIXES.items():
        if prefix not in _SKIPPED_PREFIXES:
            context[prefix] = namespace
    context["id"] = "@id"
    context["type"] = "@type"
    context.update(_SHARED_TERMS)
    for term in sorted(vocabulary.terms.values(), key=lambda t: t.iri):
        if not term.iri.startswith(str(SCO)):
            continue
        name = term.local_name
        if not name or name in ("id", "type") or name in PREFIXES:
            continue
        curie = "sco:" + name
        if term.kind in ("class", "concept", "other", "annotation"):
            context[name] = curie
        elif term.kind == "object":
            definition: dict[str, Any] = {"@id": curie, "@type": "@id"}
            if not term.functional:
                definition["@container"] = "@set"
            context[name] = definition
        elif term.kind == "datatype":
            coercion = _datatype_coercion(term.range)
            context[name] = {"@id": curie, "@type": coercion} if coercion else curie
    return context
