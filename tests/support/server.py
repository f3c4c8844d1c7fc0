"""Helpers of the server tests: a small fixture release and a real server process on a free port.

The fixture release is built from the TriG below by the build's own release
writer (support.releases), so every test knows the exact answers. The conftest
fixtures `server_release`, `server_process` and `server_client` use these
helpers once per session.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from support.releases import FixtureInputs, build_release, competency_query, questions_graph

FIXTURE_TRIG = r"""
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix id: <https://w3id.org/spacecoop/id/> .
@prefix graph: <https://w3id.org/spacecoop/graph/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

graph:doc-a {
  id:agency\/esa a sco:Agency ;
      rdfs:label "European Space Agency"@en , "欧洲航天局"@zh .
  id:agreement\/a1 a sco:Agreement ;
      rdfs:label "Agreement \"A1\"\twith a tab\nand a newline"@en ;
      sco:party id:agency\/esa , id:agency\/cnsa ;
      sco:signingDate "2020-01-15"^^xsd:date .
}

graph:doc-b {
  id:agency\/cnsa a sco:Agency ;
      rdfs:label "China National Space Administration"@en .
  id:mission\/m1 a sco:Mission ;
      rdfs:label "Mission, one; with <odd> & characters"@en ;
      sco:crewCount 3 ;
      sco:operator id:agency\/cnsa ;
      sco:orbit [ sco:altitudeKm 400.5 ] .
}

graph:sources {
  id:source\/doc-a a sco:NewsArticle ; dcterms:title "Document A" .
  id:source\/doc-b a sco:NewsArticle ; dcterms:title "Document B" .
}

graph:inferred {
  id:agency\/esa a sco:Organization .
  id:agency\/cnsa a sco:Organization .
}
"""

# The title: pyLODE, which the build documents the vocabulary with, needs one.
FIXTURE_ONTOLOGY = """
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/spacecoop/ontology> a owl:Ontology ; dcterms:title "spacecoop fixture vocabulary"@en .
sco:Agency a owl:Class ; rdfs:subClassOf sco:Organization ; rdfs:label "Agency"@en .
sco:Organization a owl:Class ; rdfs:label "Organization"@en .
"""

# The competency questions (tests/competency/{name}.rq): the build publishes them as example queries.
FIXTURE_QUESTIONS = {
    "agencies": competency_query(
        "Which agencies are there?",
        "SELECT ?agency WHERE { ?agency a <https://w3id.org/spacecoop/ontology#Agency> }\n",
    ),
}

SCO = "https://w3id.org/spacecoop/ontology#"
ID = "https://w3id.org/spacecoop/id/"
GRAPH = "https://w3id.org/spacecoop/graph/"
GRAPH_A, GRAPH_B = GRAPH + "doc-a", GRAPH + "doc-b"
SOURCES_GRAPH, INFERRED_GRAPH = GRAPH + "sources", GRAPH + "inferred"
ONTOLOGY_GRAPH, EXAMPLES_GRAPH = GRAPH + "ontology", GRAPH + "examples"

# Settings of the session's server: small limits, so the tests that reach them stay fast.
TIME_LIMIT = 2.0
MAX_ROWS = 100
MAX_BODY = 65536
WORKERS = 3
QUERY_MEMORY = 128  # MB

# A query that runs far longer than any time limit whatever the data: 20^8 rows to count.
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(8)
) + " }"

# A query that needs gigabytes within seconds whatever the data: sorting 20^8 rows.
MEMORY_HOG_QUERY = "SELECT * WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(8)
) + " } ORDER BY DESC(?v7)"


def fixture_inputs() -> FixtureInputs:
    """The fixture as the inputs of a build: FIXTURE_TRIG's graphs as the files they are loaded from.

    Each document graph `graph/{id}` is the instance file `instances/{id}.ttl` (the build names
    a document's graph so), `graph/sources` is `sources/sources.ttl`, `graph/inferred` the
    inferred graph; each written as Turtle from the TriG's own terms."""
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(FIXTURE_TRIG.encode(), ox.RdfFormat.TRIG):
        graphs.setdefault(quad.graph_name.value, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    turtle = {name: (ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b"").decode()
              for name, triples in graphs.items()}
    assert all(name.startswith(GRAPH) for name in turtle), "every graph of FIXTURE_TRIG is one the build makes"
    documents = {name[len(GRAPH):]: ttl for name, ttl in turtle.items() if name not in (SOURCES_GRAPH, INFERRED_GRAPH)}
    return FixtureInputs(
        ontology_ttl=FIXTURE_ONTOLOGY,
        instance_ttls=documents,
        sources_ttl=turtle[SOURCES_GRAPH],
        inferred_ttl=turtle[INFERRED_GRAPH],
        competency=FIXTURE_QUESTIONS,
    )


def write_fixture_release(dist: Path) -> Path:
    """The fixture release, built into `dist` by the build's own release writer (see support.releases).

    Without the embedded store the build also loads: the server (or `prepare()`) loads the
    release from its files, checking them against the manifest, as for a copied release."""
    return build_release(dist, fixture_inputs(), store=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, **options) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **options)

    def children(self) -> list[int]:
        """PIDs of the server's child processes (its query workers)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(dist: Path, log: Path, *args: str, cwd: Path | None = None, env: dict | None = None) -> ServerProcess:
    """`spacecoop serve` on `dist` on a free port, once /health answers."""
    port = free_port()
    if "--processes" not in args:  # one process: what /health counts is the whole server's
        args = (*args, "--processes", "1")
    command = [sys.executable, "-m", "spacecoop.cli", "serve", "--dist", str(dist), "--port", str(port), *args]
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=str(cwd or dist.parent),
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the server did not answer within 300 s:\n{log.read_text(errors='replace')}")


def session_server_args() -> tuple[str, ...]:
    return (
        "--build", "never",
        "--time-limit", str(TIME_LIMIT),
        "--max-rows", str(MAX_ROWS),
        "--max-body", str(MAX_BODY),
        "--workers", str(WORKERS),
        "--query-memory", str(QUERY_MEMORY),
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fixture_dataset():
    """The fixture release as an rdflib Dataset whose default graph is the union: the tests' oracle."""
    from rdflib import Dataset, URIRef

    dataset = Dataset(default_union=True)
    dataset.parse(data=FIXTURE_TRIG, format="trig")
    dataset.graph(URIRef(ONTOLOGY_GRAPH)).parse(data=FIXTURE_ONTOLOGY, format="turtle")
    examples = dataset.graph(URIRef(EXAMPLES_GRAPH))
    for triple in questions_graph(FIXTURE_QUESTIONS):
        examples.add(triple)
    return dataset


def term_key(term) -> tuple:
    """A comparable key for an rdflib or pyoxigraph term (blank nodes compare equal to each other)."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return ("unbound",)
    if isinstance(term, (ox.NamedNode, URIRef)):
        return ("iri", str(term.value if isinstance(term, ox.NamedNode) else term))
    if isinstance(term, (ox.BlankNode, BNode)):
        return ("bnode",)
    if isinstance(term, ox.Literal):
        datatype = None if term.language or term.datatype.value.endswith("#string") else term.datatype.value
        return ("literal", term.value, term.language, datatype)
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype and not str(term.datatype).endswith("#string") else None
        return ("literal", str(term), term.language, datatype)
    raise TypeError(term)
