"""External identifiers: every ISO 3166-1 code the data states is the one ISO 3166-1 gives.

The documents never state a country's ISO code, so the codes are a curator's
statements in their own graph (`curation/identifiers.ttl`, graph
`https://w3id.org/spacecoop/graph/identifiers`), and the build verifies each of
them, in whatever graph it stands, against the ISO 3166-1 table that `pycountry`
ships: the country is looked up by its English `rdfs:label` (or by the name in
`ISO_NAMES` where ISO 3166 names it otherwise), and a code that differs from the
table's stops the build, naming the file and the country. A country without any
code is a warning: a curator adds its codes to `curation/identifiers.ttl`.

No other identifier is stated: none of the installed packages ships, for
instance, Wikidata's item of a country, and a guessed identifier is worse than none
(docs/curation.md, "External identifiers").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pycountry
import pycountry.db
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from spacecoop.iris import SCO

# Property -> the attribute of a pycountry record that holds that code.
ISO_CODES: dict[URIRef, str] = {
    SCO.isoAlpha2Code: "alpha_2",
    SCO.isoAlpha3Code: "alpha_3",
    SCO.isoNumericCode: "numeric",
}

# English label in the data -> ISO 3166-1's short name, where they differ (checked by a test:
# every name here is one pycountry knows).
ISO_NAMES: dict[str, str] = {
    "Russia": "Russian Federation",
}


@dataclass
class IdentifierReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: int = 0


def _english_label(graphs: dict[str, Graph], node: URIRef) -> str | None:
    for graph in graphs.values():
        for label in graph.objects(node, RDFS.label):
            if isinstance(label, Literal) and label.language == "en":
                return str(label)
    return None


def _is_country(graphs: dict[str, Graph], node: URIRef) -> bool:
    return any((node, RDF.type, SCO.Country) in graph for graph in graphs.values())


def iso_record(label: str) -> pycountry.db.Country | None:
    """pycountry's ISO 3166-1 record for a country's English label (None when it has none)."""
    return pycountry.countries.get(name=ISO_NAMES.get(label, label))


def check_identifiers(graphs: dict[str, Graph], files: dict[str, Path]) -> IdentifierReport:
    """Verify every ISO 3166-1 code of every graph (graph IRI -> graph; `files`: graph IRI -> its file)."""
    report = IdentifierReport()
    table = f"ISO 3166-1 (pycountry {version('pycountry')})"
    coded: set[URIRef] = set()
    for name, graph in graphs.items():
        where = files.get(name, name)
        for prop, attribute in ISO_CODES.items():
            for node, code in sorted(graph.subject_objects(prop)):
                report.checked += 1
                if not isinstance(node, URIRef):
                    report.errors.append(
                        f"{where}: a blank node has {prop.n3()} {code.n3()}: codes belong to a country's IRI")
                    continue
                coded.add(node)
                label = _english_label(graphs, node)
                if not _is_country(graphs, node) or label is None:
                    report.errors.append(f"{where}: <{node}> has {prop.n3()} {code.n3()} but is no sco:Country "
                                         f"with an English rdfs:label, so the code cannot be verified")
                    continue
                record = iso_record(label)
                if record is None:
                    report.errors.append(
                        f"{where}: <{node}> ({label}): {table} has no country named {ISO_NAMES.get(label, label)!r}, "
                        f"so {prop.n3()} {code.n3()} cannot be verified (if ISO 3166 names it otherwise, add the "
                        f"name to ISO_NAMES in spacecoop.build.identifiers)")
                    continue
                expected = str(getattr(record, attribute))
                if str(code) != expected:
                    report.errors.append(f"{where}: <{node}> ({label}) has {prop.n3()} {code.n3()}, but {table} "
                                         f"gives {expected!r} for {record.name}")
    countries = {c for graph in graphs.values() for c in graph.subjects(RDF.type, SCO.Country) if isinstance(c, URIRef)}
    for country in sorted(countries - coded):
        report.warnings.append(f"<{country}> has no ISO 3166-1 code: add its codes to curation/identifiers.ttl")
    return report
