"""Start and stop the SPARQL endpoints the benchmark compares, all on the same data.

Every peer serves one N-Quads file (`bench_data`): the release's `data.nq`, with
`ontology.ttl` in graph `.../graph/ontology` and `examples.ttl` in
`.../graph/examples`, which is what `spacecoop serve` loads from the release.
Each peer's default graph is the RDF merge of the named graphs (each triple
once), and `GRAPH ?g` reaches exactly the release's graphs:

  spacecoop        `spacecoop serve --dist DIST --build never` (default settings)
  bare             scripts/bench/bare_server.py: pyoxigraph in memory behind plain uvicorn
  oxigraph         Oxigraph's own Rust server (`oxigraph serve-read-only`, the `oxigraph` package)
                   on a copy of the release's store (`dist/store`, which holds the same quads, its
                   default graph the merge); its endpoint is /query
  virtuoso         a private Virtuoso 7.2, bulk-loaded (see `start_virtuoso` for the settings)
  rdflib-endpoint  rdflib-endpoint's FastAPI app over an rdflib Dataset (`serve-rdflib` below)

Each peer runs in its own session (process group) and gets SIGTERM when the
process that started it dies; `Peer.stop()` ends the group.

    python scripts/bench/peers.py serve-rdflib DATA.nq --port P   # the rdflib-endpoint peer
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
GRAPH_PREFIX = "https://w3id.org/spacecoop/graph/"
ONTOLOGY_GRAPH = GRAPH_PREFIX + "ontology"
EXAMPLES_GRAPH = GRAPH_PREFIX + "examples"
# Virtuoso's default graph: the merge of the release's graphs, each triple once. Outside the
# spacecoop namespace and not among the named graphs, so no query of the mix can tell it is there.
VIRTUOSO_UNION = "urn:spacecoop-bench:union"
READY_PROBE = "ASK { ?s ?p ?o }"
JSON_RESULTS = "application/sparql-results+json"


class PeerError(Exception):
    """A peer could not be started (the message says why; no traceback is needed)."""


# --------------------------------------------------------------------------
# The data every peer serves
# --------------------------------------------------------------------------

def bench_data(dist: Path, folder: Path) -> Path:
    """Write `folder/bench.nq`: data.nq, ontology.ttl and examples.ttl in their graphs."""
    import pyoxigraph as ox

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "bench.nq"

    def quads() -> Iterator:
        yield from ox.parse(path=str(dist / "data.nq"), format=ox.RdfFormat.N_QUADS)
        for name, graph, tag in (("ontology.ttl", ONTOLOGY_GRAPH, "o"), ("examples.ttl", EXAMPLES_GRAPH, "e")):
            path = dist / name
            if not path.is_file():
                continue
            g = ox.NamedNode(graph)

            def local(term, tag=tag):  # blank nodes of one file stay apart from every other file's
                return ox.BlankNode(f"{tag}{term.value}") if isinstance(term, ox.BlankNode) else term

            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                yield ox.Quad(local(t.subject), t.predicate, local(t.object), g)

    ox.serialize(quads(), output=str(target), format=ox.RdfFormat.N_QUADS)
    return target


def count_quads(path: Path) -> tuple[int, int]:
    """(quads, distinct triples) of an N-Quads file."""
    import pyoxigraph as ox

    quads = 0
    triples = set()
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        quads += 1
        triples.add((q.subject, q.predicate, q.object))
    return quads, len(triples)


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the benchmark process dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(command: list[str], log: Path, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    with open(log, "ab") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=str(cwd) if cwd else None, env={**os.environ, **(env or {})},
                                start_new_session=True, preexec_fn=_die_with_parent)


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc's parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def tree_memory(pid: int) -> dict:
    """PSS and RSS (MiB) summed over `pid` and its descendants, and how many processes."""
    pss = rss = 0
    count = 0
    for p in descendants(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        count += 1
        for line in text.splitlines():
            if line.startswith("Pss:"):
                pss += int(line.split()[1])
            elif line.startswith("Rss:"):
                rss += int(line.split()[1])
    return {"pss_mib": round(pss / 1024, 1), "rss_mib": round(rss / 1024, 1), "processes": count}


def stop_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process group this module started, SIGKILL if it lingers."""
    if proc.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers of a group whose leader exited
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def tail(path: Path, chars: int = 2000) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-chars:]
    return ""


# --------------------------------------------------------------------------
# A running peer
# --------------------------------------------------------------------------

@dataclass
class Peer:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path
    path: str = "/sparql"
    started: float = 0.0  # time.monotonic() when the process was started
    ready_seconds: float | None = None  # process start to the first successful answer
    load_seconds: float | None = None  # a bulk load after the first answer (Virtuoso)
    notes: list[str] = field(default_factory=list)
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    host: str = "127.0.0.1"

    def target(self, query: str) -> str:
        """Request target of a GET query."""
        return f"{self.path}?{urllib.parse.urlencode({'query': query})}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def memory(self) -> dict:
        return tree_memory(self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        for step in self.cleanup:
            with contextlib.suppress(Exception):
                step()
        stop_group(self.proc)


def get(host: str, port: int, target: str, accept: str = JSON_RESULTS, timeout: float = 5) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", target, headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ready(peer: Peer, timeout: float, probe: str = READY_PROBE) -> float:
    """Seconds from the process start to the first 200 answer to `probe`."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not peer.alive():
            raise PeerError(f"{peer.name} exited with status {peer.proc.returncode}:\n{tail(peer.log)}")
        try:
            status, body = get(peer.host, peer.port, peer.target(probe), timeout=2)
            if status == 200:
                return time.monotonic() - peer.started
            last = f"HTTP {status}: {body[:200]!r}"
        except (OSError, http.client.HTTPException) as error:
            last = str(error)
        time.sleep(0.02)
    raise PeerError(f"{peer.name} did not answer within {timeout:.0f} s ({last}):\n{tail(peer.log)}")


def _started(name: str, command: list[str], port: int, workdir: Path, **kw) -> Peer:
    log = workdir / f"{name}.log"
    began = time.monotonic()
    proc = spawn(command, log, **kw)
    return Peer(name, proc, port, log, started=began)


def start_spacecoop(dist: Path, workdir: Path, timeout: float = 600) -> Peer:
    """`spacecoop serve` with its default settings (workers, limits, logging)."""
    port = free_port()
    exe = Path(sys.executable).parent / "spacecoop"
    command = [str(exe)] if exe.is_file() else [sys.executable, "-m", "spacecoop.cli"]
    command += ["serve", "--dist", str(dist), "--port", str(port), "--build", "never"]
    had_store = (dist / "store").exists()
    peer = _started("spacecoop", command, port, workdir, cwd=ROOT, env={"PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + timeout
        while True:  # /health first, as a deployment would, then the first query
            if not peer.alive():
                raise PeerError(f"spacecoop serve exited with status {peer.proc.returncode}:\n{tail(peer.log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(peer.host, port, "/health", accept="application/json", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise PeerError(f"spacecoop serve: /health did not answer within {timeout:.0f} s:\n{tail(peer.log)}")
            time.sleep(0.02)
        peer.ready_seconds = wait_ready(peer, timeout)
        peer.notes.append("store reused from dist/store" if had_store else "store built at start")
    except BaseException:
        peer.stop()
        raise
    return peer


def _start_ready(name: str, command: list[str], workdir: Path, timeout: float) -> Peer:
    """Start `command + ["--port", P]` on a free port and wait for its first answer."""
    port = free_port()
    peer = _started(name, [*command, "--port", str(port)], port, workdir)
    try:
        peer.ready_seconds = wait_ready(peer, timeout)
    except BaseException:
        peer.stop()
        raise
    return peer


def start_bare(data: Path, workdir: Path, timeout: float = 600) -> Peer:
    return _start_ready("bare", [sys.executable, str(HERE / "bare_server.py"), str(data)], workdir, timeout)


# No `--timeout-s`: with it Oxigraph starts a thread per query that sleeps for the whole timeout,
# and under load it runs out of memory for thread stacks and aborts (see spacecoop.store.engine).


def oxigraph_command() -> str | None:
    """The `oxigraph` server installed beside this interpreter (or on PATH), None if missing."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("oxigraph")


def oxigraph_version() -> str:
    command = oxigraph_command()
    with contextlib.suppress(Exception):
        out = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.split()[-1]
    return "not installed"


def start_oxigraph(dist: Path, workdir: Path, timeout: float = 120) -> Peer:
    """`oxigraph serve-read-only` on a copy of `dist/store` (spacecoop's own engines run this server).

    The copy is taken from the store spacecoop checked at its start (it starts first), so both
    serve the same quads, and neither process's page cache or files are shared with the other's.
    """
    command = oxigraph_command()
    if command is None:
        raise PeerError("the Oxigraph server is not installed "
                        "(.venv/bin/pip install oxigraph, the version of pyoxigraph)")
    source = dist / "store"
    if not (source / "CURRENT").is_file():
        raise PeerError(f"{dist} has no store (dist/store): run `spacecoop build` or `spacecoop serve` once on it")
    store = workdir / "oxigraph-store"
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(source, store, ignore=shutil.ignore_patterns("LOCK"))
    port = free_port()
    peer = _started("oxigraph", [command, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
                    port, workdir)
    peer.path = "/query"
    try:
        peer.ready_seconds = wait_ready(peer, timeout)
    except BaseException:
        peer.stop()
        raise
    peer.notes.append("oxigraph serve-read-only on a copy of dist/store, as spacecoop starts its engines "
                      "(no --timeout-s: under load it aborts, see spacecoop.store.engine)")
    return peer


def start_rdflib(data: Path, workdir: Path, timeout: float = 900) -> Peer:
    command = [sys.executable, str(Path(__file__).resolve()), "serve-rdflib", str(data)]
    return _start_ready("rdflib-endpoint", command, workdir, timeout)


# --------------------------------------------------------------------------
# Virtuoso
# --------------------------------------------------------------------------

VIRTUOSO_BIN = "virtuoso-t"
ISQL_BIN = "isql-vt"
VIRTUOSO_SHARE = Path("/usr/share/virtuoso-opensource-7")
VIRTUOSO_VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
# Settings for a 2-core machine with 24 GB, of which Virtuoso may use about 2 GB:
#   NumberOfBuffers/MaxDirtyBuffers  170000/130000, the lines Debian's virtuoso.ini gives for
#                                    "2 GB system memory free" (8 KB pages: 1.3 GB of buffers)
#   ServerThreads 64, MaxKeepAlives 64, MaxClientConnections 64 (SQL and HTTP)
#                                    so concurrency 32 (and the checks beside it) is never refused
#   ThreadsPerQuery 2                one per core
#   MaxQueryMem 2G                   Debian's default
#   ResultSetMaxRows 1000000         above spacecoop's --max-rows (10000): no answer is cut short
#   MaxQueryCostEstimationTime 0     no refusal up front by the planner's estimate
#   MaxQueryExecutionTime 60         the "anytime" limit (a partial answer, flagged by X-SQL-State)
VIRTUOSO_SETTINGS = {
    "NumberOfBuffers": 170000, "MaxDirtyBuffers": 130000, "ServerThreads": 64, "MaxKeepAlives": 64,
    "MaxClientConnections": 64, "ThreadsPerQuery": 2, "MaxQueryMem": "2G", "ResultSetMaxRows": 1000000,
    "MaxQueryCostEstimationTime": 0, "MaxQueryExecutionTime": 60, "KeepAliveTimeout": 10,
    "AsyncQueueMaxThreads": 10,
}
VIRTUOSO_INI = (ROOT / "scripts" / "interop" / "virtuoso.ini").read_text(encoding="utf-8")


def have_virtuoso() -> bool:
    return shutil.which(VIRTUOSO_BIN) is not None and shutil.which(ISQL_BIN) is not None


def virtuoso_version() -> str:
    with contextlib.suppress(Exception):
        out = subprocess.run([VIRTUOSO_BIN, "-?"], capture_output=True, text=True, timeout=10)
        m = re.search(r"Version (\S+)", out.stdout + out.stderr)
        if m:
            return m.group(1)
    return "not installed"


def isql(sql_port: int, *statements: str, timeout: float = 3600) -> str:
    script = "\n".join(s.rstrip().rstrip(";") + ";" for s in statements) + "\n"
    proc = subprocess.run(
        [ISQL_BIN, f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
         "ECHO=OFF", "ERRORS=STDOUT"],
        input=script, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 or re.search(r"^\*\*\* Error", out, re.MULTILINE):
        raise PeerError(f"Virtuoso's isql failed ({proc.returncode}):\n{script[:2000]}\n{out[-3000:]}")
    return out


def start_virtuoso(data: Path, workdir: Path, timeout: float = 180) -> Peer:
    """A private Virtuoso: own database folder and ports, bulk-loaded with `data`.

    Virtuoso evaluates a query without FROM over every graph it holds, as a bag of
    quads (a triple stated by two documents matches twice) and with its own system
    graphs in it. So that it answers as the other peers do, `data` is also loaded as
    one graph of distinct triples (VIRTUOSO_UNION), and the SPARQL endpoint's host
    entry (DB.DBA.SYS_SPARQL_HOST: defines prepended to every query it receives) makes
    that graph the default graph and the release's graphs the named graphs. The
    queries sent are the same text as for every other peer.
    """
    if not have_virtuoso():
        raise PeerError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    root = workdir / "virtuoso"
    db, load = root / "db", root / "load"
    db.mkdir(parents=True, exist_ok=True)
    load.mkdir(parents=True, exist_ok=True)
    sql_port = free_port()
    http_port = free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = root / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=db, load=load, sql_port=sql_port, http_port=http_port,
                                       share=VIRTUOSO_SHARE, vsp=VIRTUOSO_VSP, **VIRTUOSO_SETTINGS))
    peer = _started("virtuoso", [VIRTUOSO_BIN, "+foreground", "+configfile", str(ini)], http_port, workdir, cwd=db)

    def shutdown() -> None:  # a clean exit; the folder is thrown away anyway
        if peer.alive():
            subprocess.run([ISQL_BIN, f"127.0.0.1:{sql_port}", "dba", "dba", "exec=raw_exit();"],
                           capture_output=True, timeout=15)

    peer.cleanup.append(shutdown)
    try:
        peer.ready_seconds = wait_ready(peer, timeout, probe="ASK { }")
        began = time.monotonic()
        # Named graphs as in the file; the same triples (N-Triples, duplicates collapse) in the union graph.
        if _same_fs(data, load):
            os.link(data, load / "bench.nq")
        else:
            shutil.copy(data, load / "bench.nq")
        named = _write_triples(data, load / "union.nt")
        isql(sql_port,
             f"ld_dir('{load}', 'bench.nq', '{GRAPH_PREFIX}default')",
             f"ld_dir('{load}', 'union.nt', '{VIRTUOSO_UNION}')",
             "rdf_loader_run()", "checkpoint")
        errors = isql(sql_port, "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL")
        bad = [line for line in errors.splitlines() if str(load) in line]
        if bad:
            raise PeerError("Virtuoso's bulk loader reported errors:\n" + "\n".join(bad))
        # Excluding a graph (input:named-graph-exclude) would take it out of the default graph
        # too, so the named graphs are listed instead: the release's graphs, nothing else.
        defines = " ".join([f"define input:default-graph-uri <{VIRTUOSO_UNION}>"]
                           + [f"define input:named-graph-uri <{g}>" for g in named])
        sql_defines = defines.replace("'", "''")
        statements = []
        for host in (f"127.0.0.1:{http_port}", f"localhost:{http_port}"):
            statements += [f"DELETE FROM DB.DBA.SYS_SPARQL_HOST WHERE SH_HOST = '{host}'",
                           f"INSERT INTO DB.DBA.SYS_SPARQL_HOST (SH_HOST, SH_DEFINES) "
                           f"VALUES ('{host}', '{sql_defines}')"]
        isql(sql_port, *statements)
        peer.load_seconds = time.monotonic() - began
        peer.notes.append("settings: " + ", ".join(f"{k} {v}" for k, v in VIRTUOSO_SETTINGS.items()))
        peer.notes.append(f"default graph <{VIRTUOSO_UNION}> (each triple once); GRAPH ?g over the "
                          f"{len(named)} graphs of the data only (not Virtuoso's own graphs, not the union graph); "
                          "both set for every query by DB.DBA.SYS_SPARQL_HOST defines")
        (load / "bench.nq").unlink(missing_ok=True)
        (load / "union.nt").unlink(missing_ok=True)
    except BaseException:
        peer.stop()
        raise
    return peer


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _write_triples(data: Path, target: Path) -> list[str]:
    """Write the quads of `data` as N-Triples; returns the named graphs of `data`."""
    import pyoxigraph as ox

    graphs: set[str] = set()

    def triples():
        for q in ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS):
            if isinstance(q.graph_name, ox.NamedNode):
                graphs.add(q.graph_name.value)
            yield ox.Triple(q.subject, q.predicate, q.object)

    ox.serialize(triples(), output=str(target), format=ox.RdfFormat.N_TRIPLES)
    return sorted(graphs)


STARTERS = {
    "spacecoop": lambda dist, data, workdir: start_spacecoop(dist, workdir),
    "bare": lambda dist, data, workdir: start_bare(data, workdir),
    "oxigraph": lambda dist, data, workdir: start_oxigraph(dist, workdir),
    "virtuoso": lambda dist, data, workdir: start_virtuoso(data, workdir),
    "rdflib-endpoint": lambda dist, data, workdir: start_rdflib(data, workdir),
}


# --------------------------------------------------------------------------
# The rdflib-endpoint peer (run as its own process)
# --------------------------------------------------------------------------

def serve_rdflib(data: str, port: int) -> None:
    """rdflib-endpoint's app over an rdflib Dataset whose default graph is the union."""
    import rdflib
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data, format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql", title="rdflib-endpoint (benchmark)")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve-rdflib", help="serve an N-Quads file with rdflib-endpoint")
    serve.add_argument("data")
    serve.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "serve-rdflib":
        serve_rdflib(args.data, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
