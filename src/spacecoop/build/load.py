"""Parse the repository's Turtle into graphs, reporting syntax errors by file and line.

Each instance file `instances/{source-id}.ttl` becomes the named graph
`https://w3id.org/spacecoop/graph/{source-id}`; sources.ttl becomes the
sources graph; each curator's file `curation/{name}.ttl` (statements no single
document makes: ISO 3166 codes, relations between documents' nodes) becomes
the graph `https://w3id.org/spacecoop/graph/{name}`. Nothing is written anywhere: loading is the first, pure stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from spacecoop.errors import SyntaxProblem
from spacecoop.iris import SOURCES_GRAPH, curated_graph, source_graph
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
    curated: dict[str, Graph] = field(default_factory=dict)  # name -> a curator's graph (curation/{name}.ttl)
    curated_files: dict[str, Path] = field(default_factory=dict)  # name -> the file it came from

    def graphs(self) -> dict[str, Graph]:
        """Named graph IRI -> graph, for the asserted data (documents, sources, curators' graphs)."""
        named = {source_graph(sid): g for sid, g in sorted(self.documents.items())}
        named[str(SOURCES_GRAPH)] = self.sources
        named.update({curated_graph(name): g for name, g in sorted(self.curated.items())})
        return named

    def files(self) -> dict[str, Path]:
        """Named graph IRI -> the file it is parsed from (in the order of `graphs`)."""
        named = {source_graph(sid): path for sid, path in sorted(self.instance_files.items())}
        named[str(SOURCES_GRAPH)] = self.sources_file
        named.update({curated_graph(name): path for name, path in sorted(self.curated_files.items())})
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
        for name, path in self.files().items():
            graph = ox.NamedNode(name)
            for triple in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

    def store(self) -> ox.Store:
        """The asserted data merged into the default graph of an in-memory store (made once):
        what the reasoning and validation stages query, with the store's own SPARQL engine."""
        if self._store is None:
            store = ox.Store()
            for path in self.files().values():
                # Each file is parsed on its own, so its blank nodes stay its own: an RDF merge.
                store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
            self._store = store
        return self._store


# A curator's graph is named by its file: words and hyphens, so that it can be neither a
# source document's graph ({digits}_{hex}) nor one of the build's own.
_CURATED_NAME = re.compile(r"^[a-z]+(-[a-z]+)*$")
_RESERVED = frozenset({"sources", "inferred", "ontology", "examples"})


def load_curated(folder: Path) -> tuple[dict[str, Graph], dict[str, Path]]:
    """Parse `curation/*.ttl` (a missing folder is no curated graph): name -> graph, name -> file."""
    graphs: dict[str, Graph] = {}
    files: dict[str, Path] = {}
    if not folder.is_dir():
        return graphs, files
    for path in sorted(folder.glob("*.ttl")):
        if not _CURATED_NAME.match(path.stem) or path.stem in _RESERVED:
            raise SyntaxProblem(path, None, f"a curator's file is named {{word}}(-{{word}}).ttl, not one of "
                                            f"{sorted(_RESERVED)}: its name is its graph's, graph/{path.stem}")
        graphs[path.stem] = parse_turtle(path)
        files[path.stem] = path
    return graphs, files


def load_repository(repo: Repository) -> LoadedRepository:
    """Stage 1: parse every Turtle file of ontology/, shapes/, instances/, sources/ and curation/."""
    ontology = parse_folder(repo.ontology_dir)
    shapes = parse_folder(repo.shapes_dir)
    sources = parse_turtle(repo.sources_ttl)
    documents: dict[str, Graph] = {}
    files: dict[str, Path] = {}
    for path in sorted(repo.instances_dir.glob("*.ttl")):
        documents[path.stem] = parse_turtle(path)
        files[path.stem] = path
    curated, curated_files = load_curated(repo.curation_dir)
    return LoadedRepository(ontology, shapes, sources, documents, files, repo.sources_ttl, curated, curated_files)
