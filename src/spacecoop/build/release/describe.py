"""The release's self-description: VoID statistics, the DCAT catalogue, the manifest.

VoID and DCAT use the canonical IRIs (`https://w3id.org/spacecoop/...`); the
server maps them onto its own address. Neither holds a timestamp, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from spacecoop import __version__
from spacecoop.build.release.guard import GENERATOR
from spacecoop.iris import BASE, ID, SCO

SPDX = Namespace("http://spdx.org/rdf/terms#")
DATASET = URIRef(BASE + "void#dataset")
CATALOG = URIRef(BASE + "dcat#catalog")
SPARQL_ENDPOINT = URIRef(BASE + "sparql")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


PROV = Namespace("http://www.w3.org/ns/prov#")
PREVIOUS_VERSION = URIRef("http://www.w3.org/ns/dcat#previousVersion")  # DCAT 3, not in rdflib's DCAT


def dump_iri(path: str) -> URIRef:
    return URIRef(f"{BASE}dumps/{path}")


def release_iri(release_id: str) -> URIRef:
    """The IRI naming a release by its id (the `release` of its manifest.json)."""
    return URIRef(f"{BASE}release/{release_id}")


@dataclass(frozen=True)
class Revision:
    """Where a release stands among releases: its version, and the release it revises.

    `version` is a digest of the release's data and vocabulary (a release cannot name its
    own id, which hashes its files, these descriptions among them); `previous` is the id
    of the kept release it replaced, whose data or vocabulary differed, or None."""

    version: str
    previous: str | None = None


def _add_revision(graph: Graph, node: URIRef, revision: Revision | None) -> None:
    if revision is None:
        return
    graph.bind("prov", PROV)
    graph.bind("owl", OWL)
    graph.add((node, OWL.versionInfo, Literal(revision.version)))
    if revision.previous is not None:
        graph.add((node, PROV.wasRevisionOf, release_iri(revision.previous)))
        graph.add((node, PREVIOUS_VERSION, release_iri(revision.previous)))


@dataclass(frozen=True)
class FileEntry:
    """One file of the release, as the manifest and DCAT describe it."""

    path: str
    media_type: str
    bytes: int
    sha256: str
    triples: int | None

    def as_json(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "path": self.path,
            "media_type": self.media_type,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }
        if self.triples is not None:
            entry["triples"] = self.triples
        return entry


def file_entry(root: Path, path: Path, media_type: str, triples: int | None) -> FileEntry:
    with open(path, "rb") as file:  # hashed as it is read: a dump can be larger than memory allows
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    return FileEntry(
        path=path.relative_to(root).as_posix(),
        media_type=media_type,
        bytes=path.stat().st_size,
        sha256=digest,
        triples=triples,
    )


_OX_TYPE = ox.NamedNode(str(RDF.type))


def _iri(term: object) -> str | None:
    """The IRI of an rdflib or a pyoxigraph named node; None for any other term."""
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, ox.NamedNode):
        return term.value
    return None


def graph_statistics(triples: Iterable[Any]) -> dict[str, int]:
    """VoID's counts for one graph: an rdflib Graph, or (s, p, o) triples of pyoxigraph terms
    (quads too; each triple counts once)."""
    distinct = {(t[0], t[1], t[2]) for t in triples}
    subjects = {s for s, _p, _o in distinct}
    id_space = str(ID)
    return {
        "triples": len(distinct),
        "distinctSubjects": len(subjects),
        "distinctObjects": len({o for _s, _p, o in distinct}),
        "properties": len({p for _s, p, _o in distinct}),
        "classes": len({o for _s, p, o in distinct if p == RDF.type or p == _OX_TYPE}),
        "entities": len({s for s in subjects if (_iri(s) or "").startswith(id_space)}),
    }


def _add_statistics(void: Graph, node: URIRef, stats: dict[str, int]) -> None:
    for key, value in stats.items():
        void.add((node, VOID[key], Literal(value, datatype=XSD.integer)))


_TYPE_LINE = f"<{RDF.type}>"


def line_statistics(lines: Iterable[str]) -> dict[str | None, dict[str, int]]:
    """VoID's counts per graph of N-Quads lines (named graphs only), and of their union (key None).

    The same counts as `graph_statistics`: an N-Triples term is its term, spelled one way."""
    per_graph: dict[str, list[tuple[str, str, str]]] = {}
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        obj, graph = rest[:-2].rsplit(" ", 1)
        per_graph.setdefault(graph[1:-1], []).append((subject, predicate, obj))
    entity = f"<{ID}"
    type_line = _TYPE_LINE

    def stats(triples: Iterable[tuple[str, str, str]]) -> dict[str, int]:
        distinct = set(triples)
        subjects = {s for s, _p, _o in distinct}
        return {
            "triples": len(distinct),
            "distinctSubjects": len(subjects),
            "distinctObjects": len({o for _s, _p, o in distinct}),
            "properties": len({p for _s, p, _o in distinct}),
            "classes": len({o for _s, p, o in distinct if p == type_line}),
            "entities": len({s for s in subjects if s.startswith(entity)}),
        }

    result: dict[str | None, dict[str, int]] = {name: stats(triples) for name, triples in per_graph.items()}
    result[None] = stats(t for triples in per_graph.values() for t in triples)
    return result


def void_description(
    graphs: Mapping[str, Iterable[Any]] | Mapping[str | None, dict[str, int]],
    dumps: list[FileEntry],
    examples: list[URIRef],
    revision: Revision | None = None,
) -> Graph:
    """VoID: the dataset, one subset per named graph, statistics, dumps, endpoint.

    `graphs`: graph name -> its triples (an rdflib Graph, or pyoxigraph quads),
    or the statistics of `line_statistics` (graph name -> counts, None -> the union)."""
    void = Graph()
    void.bind("void", VOID)
    void.bind("dcterms", DCTERMS)
    if None in graphs:
        statistics: dict[str | None, dict[str, int]] = dict(graphs)  # type: ignore[arg-type]
    else:
        listed = {name: list(triples) for name, triples in graphs.items()}
        statistics = {name: graph_statistics(triples) for name, triples in listed.items()}
        statistics[None] = graph_statistics(t for triples in listed.values() for t in triples)
    void.add((DATASET, RDF.type, VOID.Dataset))
    void.add((DATASET, DCTERMS.title, Literal("spacecoop: international space cooperation", lang="en")))
    void.add((DATASET, DCTERMS.description, Literal(
        "Facts about international space cooperation stated by five news articles, each with its verbatim evidence.",
        lang="en")))
    void.add((DATASET, DCTERMS.license, LICENSE))
    void.add((DATASET, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    void.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    void.add((DATASET, VOID.vocabulary, URIRef(str(SCO))))
    void.add((DATASET, VOID.rootResource, URIRef(BASE + "ontology")))
    for example in examples:
        void.add((DATASET, VOID.exampleResource, example))
    for entry in dumps:
        void.add((DATASET, VOID.dataDump, dump_iri(entry.path)))
    _add_statistics(void, DATASET, statistics[None])
    _add_revision(void, DATASET, revision)
    for name in sorted(n for n in statistics if n is not None):
        subset = URIRef(f"{BASE}void#{name.rsplit('/', 1)[-1]}")
        void.add((DATASET, VOID.subset, subset))
        void.add((subset, RDF.type, VOID.Dataset))
        void.add((subset, VOID.inDataset, DATASET))
        void.add((subset, URIRef("http://www.w3.org/ns/sparql-service-description#name"), URIRef(name)))
        _add_statistics(void, subset, statistics[name])
    return void


def dcat_description(entries: list[FileEntry], revision: Revision | None = None) -> Graph:
    """DCAT: the catalogue, the dataset, one distribution per release file with its checksum."""
    dcat = Graph()
    dcat.bind("dcat", DCAT)
    dcat.bind("dcterms", DCTERMS)
    dcat.bind("spdx", SPDX)
    dcat.add((CATALOG, RDF.type, DCAT.Catalog))
    dcat.add((CATALOG, DCTERMS.title, Literal("The spacecoop release catalogue", lang="en")))
    dcat.add((CATALOG, DCAT.dataset, DATASET))
    dcat.add((DATASET, RDF.type, DCAT.Dataset))
    dcat.add((DATASET, DCTERMS.title, Literal("spacecoop: international space cooperation", lang="en")))
    dcat.add((DATASET, DCTERMS.license, LICENSE))
    dcat.add((DATASET, URIRef("http://www.w3.org/ns/dcat#version"),
              Literal(revision.version if revision is not None else __version__)))
    _add_revision(dcat, DATASET, revision)
    dcat.add((DATASET, DCTERMS.conformsTo, URIRef(BASE + "ontology")))
    service = URIRef(BASE + "sparql#service")
    dcat.add((service, RDF.type, DCAT.DataService))
    dcat.add((service, DCAT.endpointURL, SPARQL_ENDPOINT))
    dcat.add((service, DCAT.servesDataset, DATASET))
    dcat.add((CATALOG, DCAT.service, service))
    for entry in entries:
        dist = URIRef(f"{BASE}dcat#{entry.path.replace('/', '-')}")
        dcat.add((DATASET, DCAT.distribution, dist))
        dcat.add((dist, RDF.type, DCAT.Distribution))
        dcat.add((dist, DCTERMS.title, Literal(entry.path)))
        dcat.add((dist, DCAT.downloadURL, dump_iri(entry.path)))
        dcat.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{entry.media_type}")))
        dcat.add((dist, DCAT.byteSize, Literal(entry.bytes, datatype=XSD.nonNegativeInteger)))
        checksum = BNode(f"checksum-{entry.path.replace('/', '-')}")
        dcat.add((dist, SPDX.checksum, checksum))
        dcat.add((checksum, RDF.type, SPDX.Checksum))
        dcat.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        dcat.add((checksum, SPDX.checksumValue, Literal(entry.sha256, datatype=XSD.hexBinary)))
        if entry.triples is not None:
            dcat.add((dist, VOID.triples, Literal(entry.triples, datatype=XSD.integer)))
    return dcat


def manifest_json(entries: list[FileEntry], inputs_digest: str, graphs: dict[str, int]) -> bytes:
    """The manifest: every file with size, SHA-256, media type and count; the release id."""
    files = sorted(entries, key=lambda e: e.path)
    release = hashlib.sha256("".join(f"{e.path} {e.sha256}\n" for e in files).encode()).hexdigest()[:16]
    document = {
        "generator": GENERATOR,  # how release_guard knows a release: only one spacecoop wrote is ever replaced
        "release": release,
        "version": __version__,
        "inputs": inputs_digest,
        "graphs": dict(sorted(graphs.items())),
        "files": [e.as_json() for e in files],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
