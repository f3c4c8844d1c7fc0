"""Run independent RDF software on spacecoop's release: parsers, stores, SHACL, clients.

Each tool is an external program (Raptor's `rapper`, Debian's Apache Jena
commands, Virtuoso, Comunica) or a Python library other than the one the
build uses. The helpers return plain Python values (counts, result rows) so
the tests can compare every tool with every other.

A missing tool skips its tests on a developer's machine, but fails them when
`SPACECOOP_REQUIRE_INTEROP=1` (set by `.ci/run`), so CI cannot go green by
skipping.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
JENA_CLASSPATH_SCRIPT = REPO_ROOT / "scripts" / "interop" / "jena_classpath.py"
INTEROP_DIR = REPO_ROOT / ".interop"
TDB_BATCH_QUERY = REPO_ROOT / "scripts" / "interop" / "TdbBatchQuery.java"
COMUNICA_QUERY_BIN = INTEROP_DIR / "node_modules" / ".bin" / "comunica-sparql"

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "interop"
REQUIRED = os.environ.get("SPACECOOP_REQUIRE_INTEROP") == "1"
# Time limit of the servers the client tests start: long enough for every real query here,
# short enough for the time-limit tests to be quick.
SERVE_TIME_LIMIT = 3.0


def real_release_expected() -> bool:
    """True when the tests run on the repository's real build (or a given release folder)."""
    import importlib.util

    return (bool(os.environ.get("SPACECOOP_INTEROP_RELEASE"))
            or importlib.util.find_spec("spacecoop.build.pipeline") is not None)

GRAPH_BASE = "https://w3id.org/spacecoop/graph/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def need(available: bool, what: str) -> None:
    """Skip when `what` is missing, unless CI requires every interop tool."""
    if available:
        return
    if REQUIRED:
        pytest.fail(f"{what} is missing but SPACECOOP_REQUIRE_INTEROP=1 requires it", pytrace=False)
    pytest.skip(f"{what} is not installed (run .ci/run's setup, scripts/interop/setup.sh)")


# --------------------------------------------------------------------------
# RDF files: which syntax each release file is in
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class RdfSyntax:
    name: str
    dataset: bool  # can hold named graphs
    rapper: str | None  # Raptor parser name (None: Raptor has no parser for it)
    riot: str  # Jena RIOT --syntax
    rdflib: str
    oxigraph: str  # RdfFormat attribute


SYNTAXES = {
    ".ttl": RdfSyntax("Turtle", False, "turtle", "Turtle", "turtle", "TURTLE"),
    ".nt": RdfSyntax("N-Triples", False, "ntriples", "N-Triples", "nt", "N_TRIPLES"),
    ".rdf": RdfSyntax("RDF/XML", False, "rdfxml", "RDF/XML", "xml", "RDF_XML"),
    ".owl": RdfSyntax("RDF/XML", False, "rdfxml", "RDF/XML", "xml", "RDF_XML"),
    ".trig": RdfSyntax("TriG", True, "trig", "TriG", "trig", "TRIG"),
    ".nq": RdfSyntax("N-Quads", True, "nquads", "N-Quads", "nquads", "N_QUADS"),
    # Debian's Jena 4.5 packages no Jakarta JSON-P implementation, so its JSON-LD 1.1
    # reader cannot start; its JSON-LD 1.0 reader (jsonld-java) reads the same files.
    ".jsonld": RdfSyntax("JSON-LD", True, None, "JSONLD10", "json-ld", "JSON_LD"),
}


def rdf_syntax(path: Path) -> RdfSyntax | None:
    """The syntax of a release file by its name (`x.ttl.gz` is Turtle), None if not RDF."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    return SYNTAXES.get(Path(name).suffix)


def rdf_files(release: Path) -> list[Path]:
    """Every RDF file of a release, compressed copies included, in a stable order."""
    return sorted(p for p in release.rglob("*") if p.is_file() and rdf_syntax(p) is not None)


@contextlib.contextmanager
def plain_file(path: Path) -> Iterator[Path]:
    """`path` itself, or a decompressed temporary copy for tools that do not read gzip."""
    if not path.name.endswith(".gz"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="spacecoop-gunzip-") as tmp:
        target = Path(tmp) / path.name[:-3]
        with gzip.open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        yield target


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


# --------------------------------------------------------------------------
# Raptor
# --------------------------------------------------------------------------

def have_rapper() -> bool:
    return shutil.which("rapper") is not None


def rapper_count(path: Path) -> int:
    """Triples Raptor parses from `path` (it counts quads of N-Quads/TriG as triples).

    Raises AssertionError on any error or warning Raptor reports.
    """
    syntax = rdf_syntax(path)
    assert syntax is not None and syntax.rapper is not None, path
    with plain_file(path) as plain:
        proc = subprocess.run(
            ["rapper", "--count", "--input", syntax.rapper, str(plain), "http://example.invalid/base"],
            capture_output=True, text=True, timeout=300,
        )
    problems = [line for line in proc.stderr.splitlines()
                if " - Error" in line or " - Warning" in line or "Error -" in line or "Warning -" in line]
    assert proc.returncode == 0 and not problems, f"rapper failed on {path.name}:\n{proc.stderr[-3000:]}"
    match = re.search(r"Parsing returned (\d+) triples?", proc.stderr)
    assert match, proc.stderr
    return int(match.group(1))


# --------------------------------------------------------------------------
# Apache Jena (Debian's libapache-jena-java), through a class path that works
# --------------------------------------------------------------------------

_CLASSPATH: str | None = None


def jena_classpath() -> str | None:
    """The class path printed by scripts/interop/jena_classpath.py, None without Jena."""
    global _CLASSPATH
    if _CLASSPATH is None:
        if shutil.which("java") is None:
            return None
        proc = subprocess.run(
            [sys.executable, str(JENA_CLASSPATH_SCRIPT)], capture_output=True, text=True, timeout=60
        )
        if proc.returncode != 0:
            return None
        _CLASSPATH = proc.stdout.strip()
    return _CLASSPATH


def have_jena() -> bool:
    return jena_classpath() is not None


def have_java_compiler() -> bool:
    """The JDK's source launcher runs scripts/interop/*.java (Debian default-jdk-headless)."""
    return shutil.which("javac") is not None


def jena(main: str, *args: str, timeout: float = 300, check: bool = True, cwd: Path | None = None,
         input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one Jena command (`riotcmd.riot`, `tdb2.tdbloader`, `shacl.shacl`, `arq.rsparql`, ...)."""
    classpath = jena_classpath()
    assert classpath, "Jena is not installed"
    cmd = ["java", "-Xmx1g", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classpath, main, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{main} {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}\n{proc.stdout[-2000:]}"
        )
    return proc


def riot_counts(paths: Sequence[Path]) -> dict[Path, int]:
    """Validate every file with `riot --validate` and count its triples or quads.

    One JVM per syntax group: JSON-LD files need `--syntax=JSONLD10`, the others are
    recognised by their extension (compressed `.gz` copies included).
    """
    counts: dict[Path, int] = {}
    groups: dict[str | None, list[Path]] = {}
    for p in paths:
        syntax = rdf_syntax(p)
        assert syntax is not None, p
        groups.setdefault("JSONLD10" if syntax.riot == "JSONLD10" else None, []).append(p)
    for forced, files in groups.items():
        args = ["--validate", "--count"] + ([f"--syntax={forced}"] if forced else [])
        proc = jena("riotcmd.riot", *args, *[str(f) for f in files], check=False)
        problems = [line for line in proc.stderr.splitlines() if " ERROR " in line or " WARN " in line]
        assert proc.returncode == 0 and not problems, f"riot --validate failed:\n{proc.stderr[-4000:]}"
        found = {}
        for line in (proc.stdout + proc.stderr).splitlines():  # riot prints counts on stderr
            m = re.match(r"^(file:\S+)\s*:\s*(?:Triples|Quads) = ([\d,]+)$", line.strip())
            if m:  # riot groups thousands: "Triples = 3,253"
                found[m.group(1)] = int(m.group(2).replace(",", ""))
            elif re.match(r"^file:\S+$", line.strip()):  # riot prints no count for an empty file
                found.setdefault(line.strip(), 0)
        for f in files:
            uri = f.resolve().as_uri()
            assert uri in found, f"riot printed no count for {f}:\n{proc.stdout}"
            counts[f] = found[uri]
    return counts


# --------------------------------------------------------------------------
# rdflib and pyoxigraph
# --------------------------------------------------------------------------

def rdflib_count(path: Path) -> int:
    """Distinct triples (or quads) rdflib parses from `path`, date-time literals left as written."""
    import rdflib

    syntax = rdf_syntax(path)
    assert syntax is not None
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        data = read_bytes(path)
        if syntax.dataset:
            ds = rdflib.Dataset()
            ds.parse(data=data, format=syntax.rdflib, publicID="http://example.invalid/base")
            return sum(1 for _ in ds.quads((None, None, None, None)))
        g = rdflib.Graph()
        g.parse(data=data, format=syntax.rdflib, publicID="http://example.invalid/base")
        return len(g)
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def oxigraph_quads(path: Path) -> list:
    import pyoxigraph as ox

    syntax = rdf_syntax(path)
    assert syntax is not None
    return list(ox.parse(read_bytes(path), format=getattr(ox.RdfFormat, syntax.oxigraph),
                         base_iri="http://example.invalid/base"))


def oxigraph_count(path: Path) -> int:
    """Triples or quads pyoxigraph parses from `path`."""
    return len(oxigraph_quads(path))


def oxigraph_dataset(path: Path):
    """The file as a pyoxigraph Dataset (triples files go to the default graph)."""
    import pyoxigraph as ox

    return ox.Dataset(oxigraph_quads(path))


def load_plan_quads(plan: Sequence[tuple[Path, str | None]]) -> list:
    """The quads of a load plan: dataset files as they are, triple files into the given graph."""
    import pyoxigraph as ox

    quads = []
    for path, graph in plan:
        # Blank-node labels are local to a file; pyoxigraph's parser keeps them as written.
        fresh: dict[str, object] = {}

        def local(term, fresh=fresh):
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term.value, ox.BlankNode())
            return term

        for q in oxigraph_quads(path):
            g = ox.NamedNode(graph) if graph is not None else q.graph_name
            quads.append(ox.Quad(local(q.subject), q.predicate, local(q.object), g))
    return quads


def graph_sizes(plan: Sequence[tuple[Path, str | None]]) -> dict[str, int]:
    """Distinct triples per named graph of a load plan."""
    import pyoxigraph as ox

    seen = {(q.subject, q.predicate, q.object, q.graph_name) for q in load_plan_quads(plan)
            if isinstance(q.graph_name, ox.NamedNode)}
    sizes: dict[str, int] = {}
    for *_, g in seen:
        sizes[g.value] = sizes.get(g.value, 0) + 1
    return sizes


def canonical_quads(quads: Iterable) -> list:
    """The quads with blank nodes relabelled canonically (RDFC-1.0), sorted."""
    import pyoxigraph as ox

    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(ds, key=str)


def canonical_nquads(quads: Iterable) -> list[str]:
    """A blank-node-independent form of a set of quads, as sorted strings."""
    return [str(q) for q in canonical_quads(quads)]


# --------------------------------------------------------------------------
# SPARQL results: one comparable form for every store and client
# --------------------------------------------------------------------------

_NUMERIC = {XSD + t for t in (
    "integer", "decimal", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte")}
_FLOATS = {XSD + "double", XSD + "float"}


def _canonical_term(term: dict) -> tuple:
    """A SPARQL-JSON term as a tuple that compares values, not spellings.

    Stores write the same value in different ways (`1.0E0` vs `1e0`, `Z` vs `+00:00`,
    `xsd:string` explicit or not, language tag case); those compare equal here.
    """
    kind = term["type"]
    value = term["value"]
    if kind == "uri":
        return ("iri", value)
    if kind == "bnode":
        # Labels are local to one answer; rows are compared up to blank-node identity
        # (CONSTRUCT answers keep the structure: they are canonicalised as graphs).
        return ("bnode",)
    if kind == "triple":  # RDF-star: not used by spacecoop
        return ("triple", json.dumps(value, sort_keys=True))
    lang = term.get("xml:lang")
    if lang:
        return ("lang", value, lang.lower())
    datatype = term.get("datatype")
    if datatype in (None, XSD + "string"):
        return ("str", value)
    if datatype in _NUMERIC or datatype == XSD + "decimal":
        with contextlib.suppress(InvalidOperation):
            return ("num", Decimal(value).normalize())
    if datatype in _FLOATS:
        with contextlib.suppress(ValueError):
            return ("float", float(value))
    if datatype == XSD + "boolean":
        return ("bool", value.strip() in ("true", "1"))
    if datatype == XSD + "dateTime":
        from datetime import datetime

        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return ("dateTime", parsed.isoformat() if parsed.tzinfo is None else parsed.timestamp())
    return ("typed", datatype, value)


@dataclass
class Answer:
    """A query answer in comparable form: kind 'select' (multiset of rows), 'ask' or 'graph'."""

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple = ()  # sorted: compared as a multiset
    order: tuple = ()  # ORDER BY queries: the sequence of the rows' sort-key values
    boolean: bool | None = None
    triples: tuple[str, ...] = ()

    def __repr__(self) -> str:  # short for assertion messages
        if self.kind == "ask":
            return f"Answer(ask={self.boolean})"
        if self.kind == "graph":
            return f"Answer(graph, {len(self.triples)} triples)"
        return f"Answer(select {self.variables}, {len(self.rows)} rows: {list(self.rows)[:5]}...)"


def answer_from_sparql_json(data: bytes | str | dict, order_by: Sequence[str] = ()) -> Answer:
    """A SELECT/ASK answer from SPARQL JSON results.

    Rows are compared as a multiset. For an ORDER BY query, `order_by` names the
    variables of its sort keys: the sequence of their values must also agree (rows
    that tie on every key may come in any order).
    """
    doc = json.loads(data) if isinstance(data, (bytes, str)) else data
    if "boolean" in doc:
        return Answer("ask", boolean=bool(doc["boolean"]))
    variables = tuple(doc["head"].get("vars", []))
    rows = []
    for binding in doc["results"]["bindings"]:
        rows.append(tuple((v, _canonical_term(binding[v])) for v in variables if v in binding))
    order = tuple(tuple(dict(row).get(v) for v in order_by) for row in rows) if order_by else ()
    return Answer("select", variables, tuple(sorted(rows, key=repr)), order)


def answer_from_graph(data: bytes, fmt: str) -> Answer:
    """A CONSTRUCT/DESCRIBE answer (`fmt` an RdfFormat name), blank nodes canonicalised.

    Typed literals are compared by value, as in `answer_from_sparql_json`.
    """
    import pyoxigraph as ox

    quads = [ox.Quad(t.subject, t.predicate, t.object) if isinstance(t, ox.Triple) else t
             for t in ox.parse(data, format=getattr(ox.RdfFormat, fmt))]
    lines = []
    for quad in canonical_quads(quads):
        obj = quad.object
        if isinstance(obj, ox.Literal):
            term = {"type": "literal", "value": obj.value}
            if obj.language:
                term["xml:lang"] = obj.language
            else:
                term["datatype"] = obj.datatype.value
            shown = repr(_canonical_term(term))
        else:
            shown = str(obj)
        lines.append(f"{quad.subject} {quad.predicate} {shown}")
    return Answer("graph", triples=tuple(sorted(lines)))


def _strip_comments(query: str) -> str:
    """The query without comments, IRIs and strings (which may hold '#' or keywords)."""
    text = re.sub(r"<[^<>\s]*>", "<>", query)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'", '""', text)
    return re.sub(r"#[^\n]*", " ", text)


def query_kind(query: str) -> str:
    """'select', 'ask' or 'graph' from a query's text (prologue and comments skipped)."""
    text = _strip_comments(query)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text, re.IGNORECASE)
    assert m, query
    word = m.group(1).upper()
    return {"SELECT": "select", "ASK": "ask"}.get(word, "graph")


def order_variables(query: str) -> tuple[str, ...]:
    """The variables named in a query's ORDER BY clause (empty when it has none)."""
    text = _strip_comments(query)
    m = re.search(r"\bORDER\s+BY\b(.*?)(?:\bLIMIT\b|\bOFFSET\b|\bVALUES\b|$)", text,
                  re.IGNORECASE | re.DOTALL)
    if not m:
        return ()
    return tuple(dict.fromkeys(re.findall(r"[?$](\w+)", m.group(1))))


class OxigraphReference:
    """The release loaded in-process into pyoxigraph: the reference answers.

    The default graph is the RDF merge of the named graphs, as on spacecoop's
    endpoint. It is stored as a real default graph (each triple once) rather than
    asked for with `use_default_graph_as_union`: pyoxigraph 0.5 evaluates that
    union as a bag, so a triple stated by two documents matched twice
    (oxigraph issue 1919, fixed after 0.5), unlike Jena, Virtuoso and the spec.
    """

    def __init__(self, plan: Sequence[tuple[Path, str | None]]) -> None:
        import pyoxigraph as ox

        self.store = ox.Store()
        quads = load_plan_quads(plan)
        merged = {ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads}
        self.store.extend(quads + sorted(merged, key=str))

    def answer(self, query: str) -> Answer:
        import pyoxigraph as ox

        result = self.store.query(query)
        kind = query_kind(query)
        if kind == "graph":
            return answer_from_graph(result.serialize(format=ox.RdfFormat.N_TRIPLES), "N_TRIPLES")
        return answer_from_sparql_json(result.serialize(format=ox.QueryResultsFormat.JSON), order_variables(query))


# --------------------------------------------------------------------------
# Processes and ports
# --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _die_with_parent() -> None:
    """In a child before exec: get SIGTERM when the process that started it ends (Linux)."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process this module started (its own process group), by its id."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# --------------------------------------------------------------------------
# Virtuoso (Debian's virtuoso-opensource 7.2)
# --------------------------------------------------------------------------

VIRTUOSO_BIN = "virtuoso-t"
ISQL_BIN = "isql-vt"
VIRTUOSO_SHARE = Path("/usr/share/virtuoso-opensource-7")
VIRTUOSO_VSP = Path("/var/lib/virtuoso-opensource-7/vsp")


def have_virtuoso() -> bool:
    return shutil.which(VIRTUOSO_BIN) is not None and shutil.which(ISQL_BIN) is not None


VIRTUOSO_INI = (REPO_ROOT / "scripts" / "interop" / "virtuoso.ini").read_text(encoding="utf-8")
# Small: a test loads a few thousand statements. Virtuoso stops a query at 15 s, after spacecoop's limit.
VIRTUOSO_SETTINGS = {
    "NumberOfBuffers": 20000, "MaxDirtyBuffers": 15000, "ServerThreads": 10, "MaxKeepAlives": 10,
    "MaxClientConnections": 10, "ThreadsPerQuery": 2, "MaxQueryMem": "512M", "ResultSetMaxRows": 100000,
    "MaxQueryCostEstimationTime": 0, "MaxQueryExecutionTime": 15, "KeepAliveTimeout": 10,
    "AsyncQueueMaxThreads": 10,
}


class Virtuoso:
    """A private Virtuoso server: its own database folder, free SQL and HTTP ports.

    Data goes in with Virtuoso's bulk loader (`ld_dir` + `rdf_loader_run()`), from
    N-Quads so that every statement keeps its named graph (Virtuoso 7.2 cannot read
    JSON-LD). `stop()` ends the server process this object started.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db = workdir / "db"
        self.load_dir = workdir / "load"
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log: Path = workdir / "virtuoso.stdout"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self, timeout: float = 90) -> Virtuoso:
        self.db.mkdir(parents=True, exist_ok=True)
        self.load_dir.mkdir(parents=True, exist_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(
            db=self.db, sql_port=self.sql_port, http_port=self.http_port,
            share=VIRTUOSO_SHARE, vsp=VIRTUOSO_VSP, load=self.load_dir, **VIRTUOSO_SETTINGS))
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [VIRTUOSO_BIN, "+foreground", "+configfile", str(ini)],
                cwd=self.db, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent)
        try:
            wait_for_port(self.sql_port, timeout, self.proc)
            wait_for_port(self.http_port, timeout, self.proc)
            self._wait_until_answers(timeout)
        except Exception as err:
            self.stop()
            raise RuntimeError(f"Virtuoso did not start:\n{self.log.read_text(errors='replace')[-3000:]}") from err
        return self

    def _wait_until_answers(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                r = httpx.post(self.endpoint, data={"query": "ASK {}"},
                               headers={"Accept": "application/sparql-results+json"}, timeout=5)
                if r.status_code == 200:
                    return
                last = RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.3)
        raise TimeoutError(f"Virtuoso's /sparql does not answer: {last}")

    def isql(self, *statements: str, timeout: float = 600) -> str:
        """Run SQL statements through Virtuoso's isql client as dba."""
        script = "\n".join(s.rstrip().rstrip(";") + ";" for s in statements) + "\n"
        proc = subprocess.run(
            [ISQL_BIN, f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
             "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
            input=script, capture_output=True, text=True, timeout=timeout)
        out = proc.stdout + proc.stderr
        if proc.returncode != 0 or re.search(r"^\*\*\* Error", out, re.MULTILINE):
            raise RuntimeError(f"isql failed ({proc.returncode}):\n{script}\n{out[-3000:]}")
        return out

    def bulk_load(self, plan: Sequence[tuple[Path, str | None]]) -> None:
        """Bulk-load (file, graph) pairs: N-Quads keep their graphs, triple files go into `graph`.

        Files are copied into the server's load folder (listed in DirsAllowed),
        Turtle converted to N-Triples by Raptor; `ld_dir` registers each file with
        its graph, `rdf_loader_run()` loads them.
        """
        statements = []
        for path, graph in plan:
            target = self.load_dir / path.name
            if rdf_syntax(path).name == "Turtle":
                # Virtuoso 7.2's Turtle reader keeps the backslash of escaped local names
                # (`id:query\/x` becomes the IRI `.../query\/x`): hand it N-Triples instead.
                target = self.load_dir / (path.name.rsplit(".", 1)[0] + ".nt")
                with open(target, "wb") as out:
                    subprocess.run(["rapper", "-q", "-i", "turtle", "-o", "ntriples", str(path)],
                                   stdout=out, check=True, timeout=300)
            else:
                shutil.copy(path, target)
            fallback = graph or GRAPH_BASE + "default"
            statements.append(f"ld_dir('{self.load_dir}', '{target.name}', '{fallback}')")
        self.isql(*statements, "rdf_loader_run()", "checkpoint")
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL")
        rows = [line for line in errors.splitlines() if str(self.load_dir) in line]
        if rows:
            raise RuntimeError("Virtuoso's bulk loader reported errors:\n" + "\n".join(rows))

    def grant_sparql_update(self) -> None:
        """Let the anonymous SPARQL user update (for loading over SPARQL Update in tests only)."""
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL"', 'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL"',
                  'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL"')

    def graph_counts(self, prefix: str = "https://w3id.org/spacecoop/") -> dict[str, int]:
        rows = self.select(
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(STRSTARTS(STR(?g), \"{prefix}\")) }} GROUP BY ?g")
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def raw_query(self, query: str, accept: str = "application/sparql-results+json",
                  default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
                  timeout: float = 120):
        import httpx

        data: list[tuple[str, str]] = [("query", query)]
        data += [("default-graph-uri", g) for g in default_graphs]
        data += [("named-graph-uri", g) for g in named_graphs]
        r = httpx.post(self.endpoint, content=urlencode(data),
                       headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                       timeout=timeout)
        r.raise_for_status()
        return r

    def answer(self, query: str, graphs: Sequence[str]) -> Answer:
        """One query over the release's graphs only (Virtuoso's own system graphs left out).

        The protocol's dataset names the union graph as the default graph (Virtuoso reads a
        default graph made of several graphs as a bag of quads) and every release graph as
        a named graph.
        """
        from spacecoop.rdf.escaped_names import expand_escaped_prefixed_names
        from spacecoop.store.release_layout import UNION_GRAPH

        sent = expand_escaped_prefixed_names(query)  # Virtuoso 7.2 lacks `\/` escapes in prefixed names
        default = [UNION_GRAPH]
        if query_kind(query) == "graph":
            r = self.raw_query(sent, accept="application/n-triples", default_graphs=default, named_graphs=graphs)
            return answer_from_graph(r.content, "N_TRIPLES")
        r = self.raw_query(sent, default_graphs=default, named_graphs=graphs)
        return answer_from_sparql_json(r.content, order_variables(query))

    def select(self, query: str, **kw) -> list[dict]:
        return self.raw_query(query, **kw).json()["results"]["bindings"]

    def stop(self) -> None:
        if self.proc is not None:
            # A clean shutdown writes a checkpoint; the folder is thrown away anyway.
            with contextlib.suppress(Exception):
                subprocess.run([ISQL_BIN, f"127.0.0.1:{self.sql_port}", "dba", "dba", "exec=raw_exit();"],
                               capture_output=True, timeout=15)
            stop_process(self.proc)
            self.proc = None


# --------------------------------------------------------------------------
# Jena TDB2
# --------------------------------------------------------------------------

class Tdb2:
    """A Jena TDB2 database folder loaded with `tdb2.tdbloader`, queried with `tdb2.tdbquery`."""

    def __init__(self, location: Path) -> None:
        self.location = location

    def load(self, plan: Sequence[tuple[Path, str | None]]) -> None:
        """`tdb2.tdbloader` once per file: N-Quads keep their graphs, triple files go into `--graph`."""
        for path, graph in plan:
            jena("tdb2.tdbloader", f"--loc={self.location}", *([f"--graph={graph}"] if graph else []), str(path))

    def query(self, query: str, results: str = "json") -> str:
        """One query; the default graph is the union of the named graphs, as on spacecoop's endpoint."""
        with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False) as f:
            f.write(query)
            path = f.name
        try:
            proc = jena("tdb2.tdbquery", f"--loc={self.location}", "--set", "tdb:unionDefaultGraph=true",
                        f"--results={results}", f"--query={path}")
        finally:
            os.unlink(path)
        return proc.stdout

    def answer(self, query: str) -> Answer:
        """One query through `tdb2.tdbquery` (one JVM start)."""
        kind = query_kind(query)
        if kind == "graph":
            return answer_from_graph(self.query(query, "N-Triples").encode(), "N_TRIPLES")
        return answer_from_sparql_json(self.query(query, "json"), order_variables(query))

    def answers(self, queries: dict[str, str], workdir: Path) -> dict[str, Answer]:
        """Many queries in one JVM (scripts/interop/TdbBatchQuery.java), same semantics as `answer`."""
        workdir.mkdir(parents=True, exist_ok=True)
        args = []
        for i, (_name, text) in enumerate(sorted(queries.items())):
            (workdir / f"{i}.rq").write_text(text)
            args += [str(workdir / f"{i}.rq"), str(workdir / f"{i}.out")]
        jena(str(TDB_BATCH_QUERY), str(self.location), *args, timeout=600)
        result = {}
        for i, (name, text) in enumerate(sorted(queries.items())):
            body = (workdir / f"{i}.out").read_bytes()
            if query_kind(text) == "graph":
                result[name] = answer_from_graph(body, "N_TRIPLES")
            else:
                result[name] = answer_from_sparql_json(body, order_variables(text))
        return result


# --------------------------------------------------------------------------
# SPARQL clients: SPARQLWrapper, Jena's arq.rsparql, Comunica
# --------------------------------------------------------------------------

def sparqlwrapper_answer(endpoint: str, query: str) -> Answer:
    """Run one query with SPARQLWrapper (Python), as a user's script would."""
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(endpoint, agent="spacecoop-interop-tests")
    client.setQuery(query)
    client.setMethod(POST)  # form-encoded POST: accepted by every SPARQL 1.1 endpoint
    if query_kind(query) == "graph":
        client.setReturnFormat(TURTLE)
        body = client.query().response.read()
        return answer_from_graph(body, "TURTLE")
    client.setReturnFormat(JSON)
    return answer_from_sparql_json(client.query().convert(), order_variables(query))


def rsparql_answer(endpoint: str, query: str, workdir: Path) -> Answer:
    """Run one query with Jena's remote query command `arq.rsparql --service`."""
    qfile = workdir / f"q{abs(hash(query))}.rq"
    qfile.write_text(query)
    if query_kind(query) == "graph":
        proc = jena("arq.rsparql", f"--service={endpoint}", f"--query={qfile}", "--results=N-Triples")
        return answer_from_graph(proc.stdout.encode(), "N_TRIPLES")
    proc = jena("arq.rsparql", f"--service={endpoint}", f"--query={qfile}", "--results=json")
    return answer_from_sparql_json(proc.stdout, order_variables(query))


def have_comunica() -> bool:
    return COMUNICA_QUERY_BIN.is_file() and shutil.which("node") is not None


def comunica_answer(endpoint: str, query: str) -> Answer:
    """Run one query with Comunica (`@comunica/query-sparql`) against a SPARQL endpoint source."""
    graph = query_kind(query) == "graph"
    media = "application/n-triples" if graph else "application/sparql-results+json"
    proc = subprocess.run(
        [str(COMUNICA_QUERY_BIN), f"sparql@{endpoint}", "-q", query, "-t", media],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"comunica-sparql exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    if graph:
        return answer_from_graph(proc.stdout.encode(), "N_TRIPLES")
    return answer_from_sparql_json(proc.stdout, order_variables(query))


def virtuoso_backend(dist: Path):
    """A private Virtuoso holding the release in `dist`, bulk-loaded: (endpoint, stop).

    Named by `SPACECOOP_BACKEND_LAUNCHER=interop_tools:virtuoso_backend` so that every
    `spacecoop serve` a test suite starts serves from its own Virtuoso.
    """
    from spacecoop.commands.remote import write_bulk_files

    workdir = Path(tempfile.mkdtemp(prefix="spacecoop-virtuoso-"))
    server = Virtuoso(workdir)
    server.start()

    def stop() -> None:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    try:
        files = write_bulk_files(Path(dist), workdir / "files")
        server.bulk_load([(f, None) for f in files])
    except BaseException:
        stop()
        raise
    return server.endpoint, stop


class EmbeddedReference:
    """spacecoop's own store (the embedded backend of `spacecoop serve`), in-process.

    Its answers are the reference every other store and client is compared with.
    """

    def __init__(self, dist: Path, workers: int = 1) -> None:
        from spacecoop.store.engine_store import EngineStore

        self.store = EngineStore.open(dist, workers=workers)

    def answer(self, query: str, timeout: float = 60) -> Answer:
        from spacecoop.store.protocol import QueryRequest

        if query_kind(query) == "graph":
            result = self.store.execute(QueryRequest(query), "application/n-triples", timeout=timeout, max_rows=None)
            return answer_from_graph(result.body, "N_TRIPLES")
        result = self.store.execute(QueryRequest(query), "application/sparql-results+json", timeout=timeout,
                                    max_rows=None)
        return answer_from_sparql_json(result.body, order_variables(query))

    def close(self) -> None:
        self.store.close()


# --------------------------------------------------------------------------
# `spacecoop serve`, embedded or over a remote store
# --------------------------------------------------------------------------

@dataclass
class Served:
    """A running `spacecoop serve` process."""

    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    def stop(self) -> None:
        stop_process(self.proc)


def start_spacecoop(dist: Path, log: Path, *args: str, env: dict | None = None, timeout: float = 120) -> Served:
    """`spacecoop serve` on `dist` on a free port, once /health answers 200."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "spacecoop.cli", "serve", "--dist", str(dist), "--build", "never",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args]
    if "--processes" not in args:  # one process: what /health counts is the whole server's
        command += ["--processes", "1"]
    with open(log, "wb") as handle:
        proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=str(dist.parent),
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                                start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"spacecoop serve exited with {proc.returncode}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(served.url + "/health", timeout=2).status_code == 200:
                return served
        time.sleep(0.2)
    served.stop()
    raise TimeoutError(f"spacecoop serve did not answer within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")
