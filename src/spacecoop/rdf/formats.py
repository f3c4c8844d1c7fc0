"""Every format spacecoop reads, writes or serves, described once.

A `Format` says what the rest of the package needs to know about one format:
its media type and the other media types clients send for it, its file
extension, its label for people, the values of the `format` request parameter
that name it, the pyoxigraph and rdflib names of its reader and writer, and its
W3C format IRI (for the SPARQL service description). Every table of formats in
the package (content negotiation, the release files, the store's writers, the
service description, the pages' format links, `spacecoop query --format`) is
derived from `REGISTRY`.

Within a kind, the order of `REGISTRY` is the server's order of preference: a
client that accepts any RDF graph format gets Turtle, any results format
SPARQL JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

# SPARQL query results (SELECT, ASK).
SPARQL_RESULTS_JSON = "application/sparql-results+json"
SPARQL_RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

# RDF graphs (CONSTRUCT, DESCRIBE, resource descriptions).
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

# Datasets (named graphs, dumps).
N_QUADS = "application/n-quads"
TRIG = "application/trig"

# Pages, error bodies and the release's other files.
HTML = "text/html"
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
GZIP = "application/gzip"
PLAIN_TEXT = "text/plain"
SPARQL_QUERY = "application/sparql-query"

Kind = Literal["results", "graph", "dataset", "page", "problem", "file"]
# What a format is served for:
#   results  the answers of SELECT and ASK queries
#   graph    RDF graphs: CONSTRUCT and DESCRIBE answers, resource descriptions, the vocabulary
#   dataset  RDF datasets only (named graphs and dumps): formats that name the graph of each statement
#   page     pages for people
#   problem  error bodies for programs
#   file     the release's other files, served as they are (JSON: also the twin of the listing pages)
RESULTS: Kind = "results"
GRAPH: Kind = "graph"
DATASET: Kind = "dataset"
PAGE: Kind = "page"
PROBLEM: Kind = "problem"
FILE: Kind = "file"

W3C_FORMATS = "http://www.w3.org/ns/formats/"  # the namespace of the W3C format IRIs


@dataclass(frozen=True)
class Format:
    """One format: how it is named, negotiated, written and read."""

    name: str  # the registry's key: "turtle", "sparql-json", ...
    label: str  # for people, among the formats of its kind: "Turtle", "N-Triples", ...
    media_type: str  # the one the server answers with
    extension: str | None  # of its files and of the addresses that name it (`/id/agency/cnsa.ttl`)
    kind: Kind
    aliases: tuple[str, ...] = ()  # other media types clients ask for it with
    parameters: tuple[str, ...] = ()  # values of the `format` request parameter; links use the first
    rdf: ox.RdfFormat | None = None  # pyoxigraph's reader and writer
    results: ox.QueryResultsFormat | None = None  # pyoxigraph's reader and writer of query results
    rdflib: str | None = None  # rdflib's parser and serializer
    w3c: str | None = None  # the format's IRI in http://www.w3.org/ns/formats/
    holds_datasets: bool = False  # the syntax can name the graph of a statement
    prefixes: bool = False  # the syntax abbreviates IRIs with prefixes (the writer is given the release's)


REGISTRY: tuple[Format, ...] = (
    # SELECT and ASK answers
    Format("sparql-json", "JSON", SPARQL_RESULTS_JSON, "srj", RESULTS,
           aliases=(JSON,), parameters=("json", "srj"),
           results=ox.QueryResultsFormat.JSON, w3c=W3C_FORMATS + "SPARQL_Results_JSON"),
    Format("sparql-xml", "XML", SPARQL_RESULTS_XML, "srx", RESULTS,
           aliases=("application/xml", "text/xml"), parameters=("xml", "srx"),
           results=ox.QueryResultsFormat.XML, w3c=W3C_FORMATS + "SPARQL_Results_XML"),
    Format("csv", "CSV", CSV, "csv", RESULTS,
           parameters=("csv",),
           results=ox.QueryResultsFormat.CSV, w3c=W3C_FORMATS + "SPARQL_Results_CSV"),
    Format("tsv", "TSV", TSV, "tsv", RESULTS,
           parameters=("tsv",),
           results=ox.QueryResultsFormat.TSV, w3c=W3C_FORMATS + "SPARQL_Results_TSV"),
    # RDF graphs
    Format("turtle", "Turtle", TURTLE, "ttl", GRAPH,
           aliases=("application/x-turtle",), parameters=("ttl", "turtle"),
           rdf=ox.RdfFormat.TURTLE, rdflib="turtle", w3c=W3C_FORMATS + "Turtle", prefixes=True),
    Format("n-triples", "N-Triples", N_TRIPLES, "nt", GRAPH,
           parameters=("nt", "ntriples", "n-triples"),
           rdf=ox.RdfFormat.N_TRIPLES, rdflib="nt", w3c=W3C_FORMATS + "N-Triples"),
    Format("json-ld", "JSON-LD", JSON_LD, "jsonld", GRAPH,
           aliases=(JSON,), parameters=("jsonld", "json-ld", "json"),
           rdf=ox.RdfFormat.JSON_LD, rdflib="json-ld", w3c=W3C_FORMATS + "JSON-LD", holds_datasets=True,
           prefixes=True),
    Format("rdf-xml", "RDF/XML", RDF_XML, "rdf", GRAPH,
           aliases=("application/xml", "text/xml"), parameters=("rdf", "rdfxml", "xml", "owl"),
           rdf=ox.RdfFormat.RDF_XML, rdflib="xml", w3c=W3C_FORMATS + "RDF_XML", prefixes=True),
    # RDF datasets
    Format("trig", "TriG", TRIG, "trig", DATASET,
           aliases=("application/x-trig",), parameters=("trig",),
           rdf=ox.RdfFormat.TRIG, rdflib="trig", w3c=W3C_FORMATS + "TriG", holds_datasets=True, prefixes=True),
    Format("n-quads", "N-Quads", N_QUADS, "nq", DATASET,
           parameters=("nq", "nquads", "n-quads"),
           rdf=ox.RdfFormat.N_QUADS, rdflib="nquads", w3c=W3C_FORMATS + "N-Quads", holds_datasets=True),
    # pages, errors and the release's other files
    Format("html", "HTML", HTML, "html", PAGE, aliases=("application/xhtml+xml",), parameters=("html",)),
    Format("problem-json", "problem details", PROBLEM_JSON, None, PROBLEM, aliases=(JSON,)),
    Format("json", "JSON", JSON, "json", FILE, parameters=("json",)),
    Format("gzip", "gzip", GZIP, "gz", FILE),
    Format("text", "text", PLAIN_TEXT, "txt", FILE),
    Format("sparql-query", "SPARQL query", SPARQL_QUERY, "rq", FILE),
)

BY_NAME: dict[str, Format] = {fmt.name: fmt for fmt in REGISTRY}
BY_MEDIA_TYPE: dict[str, Format] = {fmt.media_type: fmt for fmt in REGISTRY}
BY_EXTENSION: dict[str, Format] = {fmt.extension: fmt for fmt in REGISTRY if fmt.extension is not None}


def named(*names: str) -> tuple[Format, ...]:
    """The formats of these registry names, in this order."""
    return tuple(BY_NAME[name] for name in names)


def of_kind(*kinds: Kind) -> tuple[Format, ...]:
    """The formats of these kinds, in the registry's order (the server's order of preference)."""
    return tuple(fmt for fmt in REGISTRY if fmt.kind in kinds)


def of_media_types(media_types: Iterable[str]) -> tuple[Format, ...]:
    """The formats of these media types, in this order."""
    return tuple(BY_MEDIA_TYPE[media_type] for media_type in media_types)


def rdf_format(media_type: str) -> ox.RdfFormat:
    """pyoxigraph's writer of an RDF format; KeyError for a format that is not RDF."""
    fmt = BY_MEDIA_TYPE[media_type].rdf
    if fmt is None:
        raise KeyError(media_type)
    return fmt


def rdflib_name(media_type: str) -> str:
    """rdflib's name of an RDF format; KeyError for a format that is not RDF."""
    name = BY_MEDIA_TYPE[media_type].rdflib
    if name is None:
        raise KeyError(media_type)
    return name
