"""Parse the repository's Turtle into graphs, reporting syntax errors by file and line.

Each instance file `instances/{source-id}.ttl` becomes the named graph
`https://w3id.org/spacecoop/graph/{source-id}`; sources.ttl becomes the
sources graph. Nothing is written anywhere: loading is the first, pure stage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from spacecoop.errors import SyntaxProblem
from spacecoop.iris import SOURCES_GRAPH, source_graph
from spacecoop.paths import Repository


def parse_turtle(path: Path) -> Graph:
    """Parse one Turtle file; a syntax error becomes a SyntaxProblem naming file and line."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as error:
        # rdflib counts the lines *before* the error; editors count from 1.
        raise SyntaxProblem(path, error.lines + 1, error._why) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise SyntaxProblem(path, None, str(error)) from None
    return graph


def parse_folder(folder: Path) -> Graph:
    """Parse and merge every `.ttl` file of a folder (sorted, so errors are reported stably)."""
    merged = Graph()
    for path in sorted(folder.glob("*.ttl")):
        merged += parse_turtle(path)
    return merged


@dataclass
class LoadedRepository:
    """Everything a build reasons over, still apart."""

    ontology: Graph
    shapes: Graph
    sources: Graph
    documents: dict[str, Graph]  # source-id -> that document's asserted graph
    instance_files: dict[str, Path]  # source-id -> the file it came from
    sources_file: Path

    def graphs(self) -> dict[str, Graph]:
        """Named graph IRI -> graph, for the asserted data (documents and sources)."""
        named = {source_graph(sid): g for sid, g in sorted(self.documents.items())}
        named[str(SOURCES_GRAPH)] = self.sources
        return named

    _asserted: Graph | None = field(default=None, repr=False, compare=False)
    _store: ox.Store | None = field(default=None, repr=False, compare=False)

    def asserted(self) -> Graph:
        """The union of the asserted data (documents and sources) as one graph (made once)."""
        if self._asserted is None:
            union = Graph()
            for graph in self.graphs().values():
                union += graph
            self._asserted = union
        return self._asserted

    def quads(self) -> Iterator[ox.Quad]:
        """The asserted data as pyoxigraph quads, one named graph per file, as the files are read.

        The files are parsed again by pyoxigraph rather than copied out of
        rdflib: at a million triples that is ten times faster, and the quads
        keep each literal exactly as the file writes it. Nothing is kept: the
        release is written from this stream without a second copy of the data.
        """
        named = {source_graph(sid): path for sid, path in sorted(self.instance_files.items())}
        named[str(SOURCES_GRAPH)] = self.sources_file
        for name, path in named.items():
            graph = ox.NamedNode(name)
            for triple in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

    def store(self) -> ox.Store:
        """The asserted data merged into the default graph of an in-memory store (made once):
        what the reasoning and validation stages query, with the store's own SPARQL engine."""
        if self._store is None:
            store = ox.Store()
            for path in [*(p for _, p in sorted(self.instance_files.items())), self.sources_file]:
                # Each file is parsed on its own, so its blank nodes stay its own: an RDF merge.
                store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
            self._store = store
        return self._store


def load_repository(repo: Repository) -> LoadedRepository:
    """Stage 1: parse every Turtle file of ontology/, shapes/, instances/, sources/."""
    ontology = parse_folder(repo.ontology_dir)
    shapes = parse_folder(repo.shapes_dir)
    sources = parse_turtle(repo.sources_ttl)
    documents: dict[str, Graph] = {}
    files: dict[str, Path] = {}
    for path in sorted(repo.instances_dir.glob("*.ttl")):
        documents[path.stem] = parse_turtle(path)
        files[path.stem] = path
    return LoadedRepository(ontology, shapes, sources, documents, files, repo.sources_ttl)
