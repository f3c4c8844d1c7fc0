"""Helpers of the server tests: a small fixture release and a real server process on a free port.

The fixture release is written from the TriG below, so every test knows the
exact answers. The conftest fixtures `server_release`, `server_process` and
`server_client` use these helpers once per session.
"""

from __future__ import annotations

import hashlib
import json
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

FIXTURE_ONTOLOGY = """
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/spacecoop/ontology> a owl:Ontology .
sco:Agency a owl:Class ; rdfs:subClassOf sco:Organization ; rdfs:label "Agency"@en .
sco:Organization a owl:Class ; rdfs:label "Organization"@en .
"""

FIXTURE_EXAMPLES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/spacecoop/example/agencies> a sh:SPARQLSelectExecutable ;
    rdfs:comment "Which agencies are there?"@en ;
    sh:select "SELECT ?agency WHERE { ?agency a <https://w3id.org/spacecoop/ontology#Agency> }" .
"""

FIXTURE_VOID = """
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/spacecoop/dataset> a void:Dataset ;
    dcterms:title "spacecoop fixture"@en ;
    void:sparqlEndpoint <https://w3id.org/spacecoop/sparql> .
"""

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


def write_fixture_release(dist: Path) -> Path:
    """A release folder as `spacecoop build` lays it out, from the fixture TriG."""
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "data.trig").write_text(FIXTURE_TRIG, encoding="utf-8")
    quads = list(ox.parse(FIXTURE_TRIG.encode(), ox.RdfFormat.TRIG))
    (dist / "data.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    (dist / "ontology.ttl").write_text(FIXTURE_ONTOLOGY, encoding="utf-8")
    (dist / "examples.ttl").write_text(FIXTURE_EXAMPLES, encoding="utf-8")
    (dist / "void.ttl").write_text(FIXTURE_VOID, encoding="utf-8")
    files = []
    for name in ("data.nq", "data.trig", "ontology.ttl", "examples.ttl", "void.ttl"):
        data = (dist / name).read_bytes()
        files.append({"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    release = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    (dist / "manifest.json").write_text(
        json.dumps({"generator": "spacecoop", "release": release, "files": files}, indent=1), encoding="utf-8")
    return dist


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
    dataset.graph(URIRef(EXAMPLES_GRAPH)).parse(data=FIXTURE_EXAMPLES, format="turtle")
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
