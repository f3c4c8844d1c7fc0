"""The IRIs other tools rely on, in one place.

They are fixed: the vocabulary, the resource space, and one named graph per
source document. Everything else derives its IRIs from here.
"""

from __future__ import annotations

from rdflib import Namespace

BASE = "https://w3id.org/spacecoop/"
SCO = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

# Graphs that are not a source document's own.
INFERRED_GRAPH = GRAPH["inferred"]
SOURCES_GRAPH = GRAPH["sources"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
EXAMPLES_GRAPH = GRAPH["examples"]
# Curators' graphs (curation/{name}.ttl): what no single document states.
IDENTIFIERS_GRAPH = GRAPH["identifiers"]  # ISO 3166-1 codes, verified against pycountry by the build
CROSS_DOCUMENT_GRAPH = GRAPH["cross-document"]  # relations between nodes of different documents

OA = Namespace("http://www.w3.org/ns/oa#")
SOSA = Namespace("http://www.w3.org/ns/sosa/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
TIME = Namespace("http://www.w3.org/2006/time#")
# owlrl reports inconsistencies as nodes of this type instead of raising.
OWLRL_ERROR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

# Prefixes written into every serialisation, in this order, so dumps are stable.
PREFIXES: dict[str, str] = {
    "sco": str(SCO),
    "id": str(ID),
    "graph": str(GRAPH),
    "oa": str(OA),
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": str(ORG),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": str(SCHEMA),
    "sosa": str(SOSA),
    "time": str(TIME),
    "vann": str(VANN),
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}


def source_graph(source_id: str) -> str:
    """The named graph holding what one source document says."""
    return f"{GRAPH}{source_id}"


def curated_graph(name: str) -> str:
    """The named graph of a curator's file `curation/{name}.ttl`."""
    return f"{GRAPH}{name}"


def source_iri(source_id: str) -> str:
    """The resource IRI of a source document (its metadata lives in the sources graph)."""
    return f"{ID}source/{source_id}"
