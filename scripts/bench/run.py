"""Benchmark spacecoop's SPARQL endpoint against a bare pyoxigraph server, Oxigraph's server, Virtuoso, rdflib-endpoint.

    .venv/bin/python scripts/bench/run.py [--dataset real | --triples N | --dist DIST] [--seconds 10]
        [--rounds 3] [--concurrency 1,8,32] [--peers spacecoop,bare,oxigraph,virtuoso,rdflib-endpoint]
        [--unique-queries] [--ld [--ld-pages 200] [--ld-concurrency 8,32]] [--json out.json] [--logs DIR]

1. The data: `real` is the project's dist/ (built first if dist/manifest.json is
   missing); `--dist DIST` another built release; `--triples N` generates a synthetic repository with
   scripts/bench/generate.py (seed 1) into .bench/synth-N and builds it there
   (an existing build of the same N is reused). Every peer serves the same
   quads: data.nq, ontology.ttl in graph/ontology and examples.ttl in graph/examples.
   The oxigraph peer (Oxigraph's Rust server, `oxigraph serve-read-only`, which
   spacecoop's own query engines are) serves a copy of the release's store.
2. The peers start on free ports (scripts/bench/peers.py); the time from the
   process start to the first answer and, after the run, the memory of the
   whole process tree (PSS and RSS) are recorded.
3. The query mix (scripts/bench/mix.py): competency queries plus lookups,
   descriptions, label searches, joins, aggregates, paging, provenance and ASK
   generated from the data with a fixed seed.
4. Agreement: every query on every peer must give the same number of rows
   (ASK: the boolean, CONSTRUCT: triples) as the in-process pyoxigraph store.
5. Load: wrk (one thread, C connections) cycles through the mix; rounds are
   interleaved (for each concurrency, for each round, every peer in turn).
6. Runaway: the same rounds against spacecoop while one more client keeps
   sending a query that only spacecoop's time limit ends (its 503s are expected).
7. Per-query latency at concurrency 1 (a sequential keep-alive client) for a
   representative subset, per kind, beside the in-process time (the floor).
8. With --ld, the Linked Data phase (scripts/bench/ld.py): spacecoop's `/id/…`
   pages (HTML, Turtle) and `/graph/{source-id}` documents (HTML, TriG) for a
   seeded sample, each first asked once (its first render, timed), then driven
   with wrk at --ld-concurrency beside the same bytes served as static files by
   nginx (the physical limit); then, while 32 clients flood the `/graph/` pages,
   the latency of a trivial SELECT (never from the answer cache) sent to /sparql
   by one sequential client, beside the same on the idle server. Not on by
   default: it needs nginx and adds 4 kinds x 2 servers wrk runs per
   concurrency and round (8 minutes with the default 3 rounds of 10 s).
9. One table of throughput and latency (ratios to Virtuoso, the bare server and
   Oxigraph's server), one of the per-kind medians, one of start time and
   memory, and with --ld the Linked Data tables; everything also goes to --json.

Everything it starts is stopped at the end, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import ld as ldmod  # noqa: E402
import mix as mixmod  # noqa: E402
import peers as peermod  # noqa: E402

ALL_PEERS = ["spacecoop", "bare", "oxigraph", "virtuoso", "rdflib-endpoint"]
LD_FLOOD_CONCURRENCY = 32
RDFLIB_MAX_TRIPLES = 20_000
RDFLIB_CONCURRENCY = (1, 8)
RDFLIB_MAX_SECONDS = 3.0
WRK_TIMEOUT = "30s"
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
KNOWN_DIFFERENCES_FILE = ROOT / "tests" / "interop" / "known_differences.py"
LUA = HERE / "wrk_mix.lua"


class BenchError(Exception):
    """An expected failure: printed as one line, no traceback."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Machine and dataset
# --------------------------------------------------------------------------

def version_of(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def wrk_version() -> str:
    with contextlib.suppress(Exception):
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).splitlines()[0].split(" [")[0]
    return "not installed"


def git_commit() -> str:
    with contextlib.suppress(Exception):
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return head + (" (src/ has uncommitted changes)" if dirty else "")
    return "unknown"


def machine() -> dict:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pyoxigraph": version_of("pyoxigraph"),
        "oxigraph": peermod.oxigraph_version(),
        "nginx": ldmod.nginx_version(),
        "virtuoso": peermod.virtuoso_version(),
        "rdflib": version_of("rdflib"),
        "rdflib-endpoint": version_of("rdflib-endpoint"),
        "uvicorn": version_of("uvicorn"),
        "wrk": wrk_version(),
        "spacecoop": git_commit(),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def run_checked(command: list[str], what: str, cwd: Path = ROOT) -> None:
    log(f"{what}: {shlex.join(command)}")
    started = time.monotonic()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    log(f"{what}: done in {time.monotonic() - started:.0f} s")


def spacecoop_command() -> list[str]:
    exe = Path(sys.executable).parent / "spacecoop"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "spacecoop.cli"]


def snapshot(dist: Path, workdir: Path) -> Path:
    """A copy of the release (its store included) that a `spacecoop build` running beside cannot swap."""
    target = workdir / "dist"
    for _ in range(5):
        before = (dist / "manifest.json").read_bytes()
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(shutil.Error, OSError):
            shutil.copytree(dist, target, symlinks=True)
            if (dist / "manifest.json").read_bytes() == before == (target / "manifest.json").read_bytes():
                return target
        time.sleep(2)
    raise BenchError(f"{dist} kept changing while it was copied (is a build running?)")


def dataset_dist(args: argparse.Namespace) -> tuple[Path, str]:
    """The release to benchmark, built (or generated and built) if needed, and its description."""
    if args.dist is not None:
        if not (args.dist / "manifest.json").is_file():
            raise BenchError(f"{args.dist} holds no release (no manifest.json): "
                             f"run `spacecoop build --dist {args.dist}`")
        return args.dist, f"the release in {args.dist}"
    if args.triples is None:
        dist = ROOT / "dist"
        if not (dist / "manifest.json").is_file():
            run_checked(spacecoop_command() + ["build"], "building the release (dist/manifest.json is missing)")
        return dist, "real (the project's dist/)"
    folder = ROOT / ".bench" / f"synth-{args.triples}"
    dist = folder / "dist"
    if (dist / "manifest.json").is_file():
        log(f"reusing the synthetic build in {folder.relative_to(ROOT)}")
    else:
        generator = HERE / "generate.py"
        if not generator.is_file():
            raise BenchError(f"{generator.relative_to(ROOT)} does not exist yet: --triples needs it")
        run_checked([sys.executable, str(generator), "--triples", str(args.triples), "--out", str(folder),
                     "--seed", "1", "--force"], f"generating {args.triples} triples")
        run_checked(spacecoop_command() + ["--root", str(folder), "build", "--dist", str(dist)],
                    f"building {folder.relative_to(ROOT)}")
    return dist, f"synthetic, --triples {args.triples} (generate.py seed 1, {folder.relative_to(ROOT)})"


# --------------------------------------------------------------------------
# HTTP: one keep-alive connection per peer
# --------------------------------------------------------------------------

class Client:
    def __init__(self, peer: peermod.Peer, timeout: float = 120) -> None:
        self.peer, self.timeout = peer, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, query: mixmod.Query, suffix: str = "") -> tuple[int, dict, bytes]:
        target = self.peer.target(query.text + suffix)
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.peer.host, self.peer.port, timeout=self.timeout)
            try:
                self.conn.request("GET", target, headers={"Accept": query.accept})
                response = self.conn.getresponse()
                body = response.read()
                headers = {k.lower(): v for k, v in response.getheaders()}
                if headers.get("connection", "").lower() == "close":
                    self.close()
                return response.status, headers, body
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --------------------------------------------------------------------------
# 4. Agreement
# --------------------------------------------------------------------------

# rdflib's answers that differ, found by this benchmark's agreement check (rdflib 7.x).
RDFLIB_KNOWN = {
    "cq-003-ilrs-completion": (
        "rdflib raises a type error for `!=` between two xsd:gYear literals (SPARQL 1.1's operator table has "
        "no gYear; pyoxigraph and Virtuoso compare the values), so `FILTER(?targetDate != \"2022\"^^xsd:gYear)` "
        "drops the row"),
    "cq-x-france-agreement-partner": (
        "rdflib joins `{ BIND(<france> AS ?partner) } UNION { ... }` with the solutions before it wrongly: the "
        "BIND branch does not restrict ?partner, so every party of every agreement with China comes back "
        "(minimal case: `VALUES (?x ?y) { (1 2) (3 4) } { BIND(3 AS ?x) } UNION { BIND(5 AS ?z) }` "
        "gives 4 rows, not 3)"),
}


def known_differences() -> dict[str, dict[str, str]]:
    """Known wrong answers of other stores: tests/interop/known_differences.py's and rdflib's."""
    found = {"virtuoso": {}, "rdflib-endpoint": dict(RDFLIB_KNOWN)}
    with contextlib.suppress(Exception):
        spec = importlib.util.spec_from_file_location("spacecoop_known_differences", KNOWN_DIFFERENCES_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found["virtuoso"] = dict(getattr(module, "VIRTUOSO_7_2", {}))
    if not found["virtuoso"]:
        found["virtuoso"] = {"cq-004-xi-jinping-meetings": "Virtuoso 7.2.5 drops the rows of a zero-or-more "
                                                            "path joined with a constant-object pattern"}
    return found


def agreement(mix: list[mixmod.Query], running: list[peermod.Peer]) -> dict:
    known = known_differences()
    results: dict[str, dict[str, str]] = {}
    for peer in running:
        log(f"agreement: {len(mix)} queries on {peer.name}")
        client = Client(peer)
        answers = {}
        for query in mix:
            try:
                status, headers, body = client.get(query)
            except (OSError, http.client.HTTPException) as error:
                answers[query.name] = f"error: {error}"
                continue
            if status != 200:
                answers[query.name] = f"HTTP {status}"
                continue
            try:
                size = mixmod.answer_size(query.form, headers.get("content-type", ""), body)
            except Exception as error:  # an answer that does not parse is a disagreement too
                answers[query.name] = f"unreadable: {str(error)[:80]}"
                continue
            partial = headers.get("x-sql-state")  # Virtuoso's "anytime" partial answer
            answers[query.name] = f"{size} (partial: {partial})" if partial else str(size)
        client.close()
        results[peer.name] = answers
    disagreements, known_seen = [], []
    for query in mix:
        expected = str(query.rows)
        wrong = {name: results[name][query.name] for name in results if results[name][query.name] != expected}
        if not wrong:
            continue
        entry = {"query": query.name, "kind": query.kind, "in-process": expected,
                 **{name: results[name][query.name] for name in results}}
        reasons = {name: known.get(name, {}).get(query.name) for name in wrong}
        if "virtuoso" in reasons and not reasons["virtuoso"] and query.missing_graphs:
            reasons["virtuoso"] = (
                f"the query names graph(s) the data does not hold ({', '.join(query.missing_graphs)}): "
                "Virtuoso 7.2.5, once a query's dataset is given (FROM, default-graph-uri, or the defines used "
                "here), answers `GRAPH <iri> { ... }` for an IRI outside it with ASK true and COUNT(*) 1, "
                "where SELECT * gives no rows (`ASK FROM <g> { GRAPH <urn:nothing> { ?s ?p ?o } }` is true)")
        if all(reasons.values()):
            entry["known"] = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
            known_seen.append(entry)
        else:
            disagreements.append(entry)
    return {"queries": len(mix), "endpoints": [p.name for p in running], "disagreements": disagreements,
            "known": known_seen, "answers": results}


def print_agreement(result: dict) -> None:
    n, k = result["queries"], len(result["endpoints"])
    if not result["disagreements"]:
        line = (f"all {n} queries agree on all {k} endpoints ({', '.join(result['endpoints'])}) "
                "and the in-process store"
                if k > 1 else f"all {n} queries agree on {result['endpoints'][0]} and the in-process store")
        if result["known"]:
            line += f", except {len(result['known'])} known difference(s):"
        print(line)
    else:
        print(f"{len(result['disagreements'])} of {n} queries disagree (rows per endpoint; in-process = reference):")
        for entry in result["disagreements"]:
            counts = ", ".join(f"{name} {entry[name]}" for name in result["endpoints"])
            print(f"  {entry['query']} [{entry['kind']}]: in-process {entry['in-process']}, {counts}")
        if result["known"]:
            print("known differences:")
    for entry in result["known"]:
        counts = ", ".join(f"{name} {entry[name]}" for name in result["endpoints"])
        print(f"  KNOWN {entry['query']}: in-process {entry['in-process']}, {counts}")
        print(f"        {entry['known']}")


# --------------------------------------------------------------------------
# 5./6. Load with wrk, and the runaway client
# --------------------------------------------------------------------------

def write_mix_file(mix: list[mixmod.Query], path: Path, endpoint: str = "/sparql") -> None:
    with open(path, "w", encoding="utf-8") as f:
        for query in mix:
            target = f"{endpoint}?" + urllib.parse.urlencode({"query": query.text})
            f.write(f"{query.accept}\t{target}\n")


def mix_files(mix: list[mixmod.Query], running: list[peermod.Peer], workdir: Path) -> dict[str, Path]:
    """One mix file per endpoint path (/sparql; /query for Oxigraph's server): {path: file}."""
    files = {}
    for path in sorted({p.path for p in running}):
        files[path] = workdir / f"mix{path.replace('/', '-')}.tsv"
        write_mix_file(mix, files[path], path)
    return files


def wrk(peer: peermod.Peer, concurrency: int, seconds: float, mix_file: Path, unique: bool = False) -> dict:
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", WRK_TIMEOUT,
               "-s", str(LUA), peer.url, "--", str(mix_file), str(concurrency)] + (
        ["unique", str(time.monotonic_ns())] if unique else [])
    proc = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((text for text in proc.stdout.splitlines() if text.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise BenchError(f"wrk failed against {peer.name} (exit {proc.returncode}):\n"
                         f"{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
    result = json.loads(line[len("BENCH "):])
    result["socket_errors"] = result["connect"] + result["read"] + result["write"] + result["timeout"]
    result["errors"] = result["status"] + result["socket_errors"]
    result["req_s"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def check_alive(peer: peermod.Peer) -> None:
    """A peer that exited during the run ends the benchmark with what is known about it."""
    if peer.alive():
        return
    code = peer.proc.returncode
    how = f"exited with status {code}"
    if code < 0:
        how = f"was stopped by signal {-code}"
        with contextlib.suppress(ValueError):
            how = f"was stopped by {signal.Signals(-code).name}"
    raise BenchError(f"{peer.name} {how} during the run; nothing here stops it before the end, so "
                     f"something outside the benchmark did (or it crashed). Its log: .bench/logs/ "
                     f"(last lines:\n{peermod.tail(peer.log, 1500)})")


class Runaway(threading.Thread):
    """One client sending RUNAWAY_QUERY again and again until stopped."""

    def __init__(self, peer: peermod.Peer) -> None:
        super().__init__(daemon=True)
        self.peer = peer
        self.target = peer.target(RUNAWAY_QUERY)
        self.stopping = threading.Event()
        self.answers: list[tuple[int, float, float]] = []  # (status, seconds, time.monotonic() at the answer)
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            self.conn = http.client.HTTPConnection(self.peer.host, self.peer.port, timeout=300)
            started = time.monotonic()
            try:
                self.conn.request("GET", self.target, headers={"Accept": mixmod.JSON_RESULTS})
                response = self.conn.getresponse()
                response.read()
                self.answers.append((response.status, time.monotonic() - started, time.monotonic()))
            except (OSError, http.client.HTTPException):
                if not self.stopping.is_set():
                    self.answers.append((0, time.monotonic() - started, time.monotonic()))
                    time.sleep(0.2)
            finally:
                self.conn.close()

    def stop(self) -> None:
        """Stop; the request in flight is abandoned (spacecoop stops a query whose client left)."""
        self.stopping.set()
        conn = self.conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        self.join(30)


@dataclass
class Cell:
    peer: str
    concurrency: int
    phase: str  # normal, runaway
    rounds: list[dict] = field(default_factory=list)
    runaway: list[tuple[int, float, float]] = field(default_factory=list)  # answers during its wrk runs

    def summary(self) -> dict:
        requests = sum(r["requests"] for r in self.rounds)
        seconds = sum(r["duration_us"] for r in self.rounds) / 1e6
        return {
            "endpoint": self.peer, "concurrency": self.concurrency, "phase": self.phase,
            "requests": requests, "seconds": round(seconds, 2),
            "req_s": requests / seconds if seconds else 0.0,
            "p50_ms": statistics.median(r["p50_us"] for r in self.rounds) / 1000,
            "p99_ms": statistics.median(r["p99_us"] for r in self.rounds) / 1000,
            "errors": sum(r["errors"] for r in self.rounds),
            "non_2xx": sum(r["status"] for r in self.rounds),
            "socket_errors": sum(r["socket_errors"] for r in self.rounds),
            "runaway_answers": len(self.runaway),
            "runaway_503": sum(1 for s, _, _ in self.runaway if s == 503),
            "runaway_other": sorted({s for s, _, _ in self.runaway if s != 503}),
            "runaway_median_s": round(statistics.median(t for _, t, _ in self.runaway), 2) if self.runaway else None,
            "rounds": self.rounds,
        }


def load_phase(running: list[peermod.Peer], args: argparse.Namespace, mix_file: dict[str, Path],
               rdflib_ok: bool, readings: dict) -> tuple[list[Cell], list[tuple[int, float, float]]]:
    """The interleaved rounds, then spacecoop's runaway rounds: (cells, every runaway answer).

    `readings` receives spacecoop's /health before, between and after the phases.
    """
    cells: dict[tuple[str, int, str], Cell] = {}
    by_name = {p.name: p for p in running}

    def read(label: str) -> None:
        if "spacecoop" in by_name:
            readings[label] = health(by_name["spacecoop"])

    def one(peer: peermod.Peer, concurrency: int, seconds: float, phase: str, round_: int,
            runaway: Runaway | None = None) -> None:
        cell = cells.setdefault((peer.name, concurrency, phase), Cell(peer.name, concurrency, phase))
        began = time.monotonic()
        try:
            result = wrk(peer, concurrency, seconds, mix_file[peer.path], args.unique_queries)
        finally:
            check_alive(peer)
        ended = time.monotonic()
        cell.rounds.append(result)
        extra = ""
        if runaway is not None:
            during = [a for a in list(runaway.answers) if began <= a[2] <= ended]
            cell.runaway += during
            extra = f", runaway answers during the run: {[f'{s} after {t:.1f} s' for s, t, _ in during] or 'none'}"
        log(f"{phase} c={concurrency} round {round_}/{args.rounds} {peer.name}: {result['req_s']:.0f} req/s, "
            f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms, "
            f"errors {result['errors']}{extra}")
        time.sleep(0.5)

    log("warm-up: 2 s of the mix at concurrency 8 on each endpoint (rdflib-endpoint: 1 s at 1; not recorded)")
    for peer in running:
        if peer.name == "rdflib-endpoint":
            wrk(peer, 1, 1, mix_file[peer.path], args.unique_queries)
        else:
            wrk(peer, 8, 2, mix_file[peer.path], args.unique_queries)

    read("before normal")
    for concurrency in args.concurrency:
        for round_ in range(1, args.rounds + 1):
            for name in ALL_PEERS:
                peer = by_name.get(name)
                if peer is None:
                    continue
                if name == "rdflib-endpoint":
                    if not rdflib_ok or concurrency not in RDFLIB_CONCURRENCY:
                        continue
                    one(peer, concurrency, min(args.seconds, RDFLIB_MAX_SECONDS), "normal", round_)
                else:
                    one(peer, concurrency, args.seconds, "normal", round_)
    read("after normal")
    answers: list[tuple[int, float, float]] = []
    if "spacecoop" in by_name:
        spacecoop = by_name["spacecoop"]
        log(f"runaway phase: one more client keeps sending {RUNAWAY_QUERY!r} to spacecoop throughout")
        runaway = Runaway(spacecoop)
        runaway.start()
        time.sleep(0.5)  # the runaway query is running before the measured clients start
        try:
            for concurrency in args.concurrency:
                for round_ in range(1, args.rounds + 1):
                    one(spacecoop, concurrency, args.seconds, "runaway", round_, runaway)
        finally:
            runaway.stop()
            answers = list(runaway.answers)
        time.sleep(1.0)  # the worker that ran the abandoned query is replaced
        read("after runaway")
    return list(cells.values()), answers


# --------------------------------------------------------------------------
# 7. Per-query latency at concurrency 1
# --------------------------------------------------------------------------

def _health_once(peer: peermod.Peer) -> dict | None:
    with contextlib.suppress(Exception):
        status, body = peermod.get(peer.host, peer.port, "/health", accept="application/json", timeout=10)
        if status in (200, 503):
            return json.loads(body)
    return None


def health(peer: peermod.Peer) -> dict | None:
    """spacecoop's /health (query engines and answer cache counters), None if unreadable.

    With several server processes (`--processes`), each counts its own: /health is asked
    on new connections until every process has answered, and the counters are summed."""
    first = _health_once(peer)
    if not first or not isinstance(first.get("processes"), int) or first["processes"] <= 1:
        return first
    seen = {first.get("process"): first}
    for _ in range(200):
        if len(seen) >= first["processes"]:
            break
        reading = _health_once(peer)
        if reading:
            seen.setdefault(reading.get("process"), reading)
    total = dict(first)
    for section in ("answer_cache", "page_cache", "query_engines"):
        merged: dict = {}
        for reading in seen.values():
            for key, value in (reading.get(section) or {}).items():
                if isinstance(value, int) and not isinstance(value, bool) and key not in ("megabytes", "size"):
                    merged[key] = merged.get(key, 0) + value
                else:
                    merged.setdefault(key, value)
        total[section] = merged
    total["processes_read"] = len(seen)
    return total


def counters_between(before: dict | None, after: dict | None) -> dict:
    """What spacecoop's counters (answer cache, query engines) did between two /health readings."""
    if not before or not after:
        return {}
    out = {}
    for section in ("answer_cache", "query_engines"):
        b, a = before.get(section) or {}, after.get(section) or {}
        for key, value in a.items():
            if isinstance(value, int) and not isinstance(value, bool) and isinstance(b.get(key), int):
                if key in ("entries", "bytes", "megabytes", "size", "running"):
                    out[f"{section}.{key}"] = value
                else:
                    out[f"{section}.{key}"] = value - b[key]
    return out


def per_query(subset: list[mixmod.Query], running: list[peermod.Peer], store, repeats: int, unique: bool) -> dict:
    """Median seconds per query for each peer and in process: {query name: {peer: seconds or None}}."""
    table: dict[str, dict[str, float | None]] = {q.name: {} for q in subset}
    log(f"per-query latency: {len(subset)} queries x {repeats} on each endpoint and in process")
    for query in subset:
        mixmod.evaluate(store, query)
        table[query.name]["in-process"] = statistics.median(mixmod.floor_seconds(store, query) for _ in range(repeats))
    for peer in running:
        client = Client(peer)
        n = max(1, min(repeats, 3)) if peer.name == "rdflib-endpoint" else repeats
        for query in subset:
            times = []
            try:
                status, _, _ = client.get(query, "\n#w" if unique else "")  # warm-up
                for i in range(n):
                    started = time.perf_counter()
                    status, _, _ = client.get(query, f"\n#u{i}" if unique else "")
                    times.append(time.perf_counter() - started)
                    if status != 200:
                        break
            except (OSError, http.client.HTTPException):
                status = 0
            table[query.name][peer.name] = statistics.median(times) if times and status == 200 else None
        client.close()
    return table


def per_kind(subset: list[mixmod.Query], table: dict, columns: list[str]) -> dict:
    kinds: dict[str, dict] = {}
    for kind in mixmod.KINDS:
        names = [q.name for q in subset if q.kind == kind]
        if not names:
            continue
        row = {"queries": len(names)}
        for column in columns:
            values = [table[n].get(column) for n in names]
            ok = [v for v in values if v is not None]
            row[column] = statistics.median(ok) * 1000 if ok and len(ok) == len(values) else None
        kinds[kind] = row
    return kinds


# --------------------------------------------------------------------------
# 8. The Linked Data phase (--ld)
# --------------------------------------------------------------------------

def ld_phase(spacecoop: peermod.Peer, dist: Path, workdir: Path, args: argparse.Namespace,
             running: list[peermod.Peer]) -> dict:
    """First renders, then wrk on spacecoop's pages beside nginx, then /sparql beside a page flood."""
    resources, graphs = ldmod.sample(dist, args.ld_pages, args.seed)
    if not resources or not graphs:
        raise BenchError(f"the data has {len(resources)} resources under /id/ and {len(graphs)} document graphs: "
                         "the Linked Data phase needs both")
    log(f"LD: a sample of {len(resources)} resources and {len(graphs)} document graphs (seed {args.seed})")
    www = workdir / "static"
    pages = ldmod.first_renders(spacecoop, resources, graphs, www, log)
    check_alive(spacecoop)
    for page in pages.dropped:
        log(f"LD: left out {page.kind} {page.path}: HTTP {page.status} at its first request")
    kinds = [kind for kind, *_ in ldmod.KINDS if pages.of(kind)]
    missing = [kind for kind, *_ in ldmod.KINDS if not pages.of(kind)]
    if missing:
        raise BenchError(f"no page of kind {', '.join(missing)} answered 200 at its first request")
    first = pages.of(kinds[0])[0]
    static = ldmod.start_nginx(workdir, www, first.static)
    running.append(static)
    log(f"LD: nginx {ldmod.nginx_version()} serves the {len(pages.pages)} pages on {static.url} "
        f"after {static.ready_seconds:.2f} s")
    files: dict[tuple[str, str], Path] = {}
    for kind in kinds:
        for server, is_static in (("spacecoop", False), ("static", True)):
            files[(server, kind)] = workdir / f"ld-{server}-{kind}.tsv"
            ldmod.write_targets(pages.of(kind), files[(server, kind)], is_static)
    flood_pages = [p for kind in ("graph-html", "graph-trig") for p in pages.of(kind)]
    flood_file = workdir / "ld-spacecoop-graph-flood.tsv"
    ldmod.write_targets(flood_pages, flood_file, False)

    log("LD warm-up: 1 s of every kind at concurrency 8 on spacecoop and nginx (not recorded)")
    for kind in kinds:
        wrk(spacecoop, 8, 1, files[("spacecoop", kind)])
        wrk(static, 8, 1, files[("static", kind)])
    cells: dict[tuple[str, str, int], Cell] = {}
    for concurrency in args.ld_concurrency:
        for round_ in range(1, args.rounds + 1):
            for kind in kinds:
                for server, peer in (("spacecoop", spacecoop), ("static", static)):
                    cell = cells.setdefault((server, kind, concurrency), Cell(server, concurrency, kind))
                    try:
                        result = wrk(peer, concurrency, args.seconds, files[(server, kind)])
                    finally:
                        check_alive(peer)
                    cell.rounds.append(result)
                    log(f"LD {kind} c={concurrency} round {round_}/{args.rounds} {server}: "
                        f"{result['req_s']:.0f} req/s, "
                        f"p50 {result['p50_us'] / 1000:.2f} ms, p99 {result['p99_us'] / 1000:.2f} ms, "
                        f"errors {result['errors']}")
                    time.sleep(0.3)
    rows = []
    for (server, kind, concurrency), cell in cells.items():
        summary = cell.summary()
        rows.append({"server": server, "kind": kind, "concurrency": concurrency,
                     **{k: summary[k] for k in ("requests", "seconds", "req_s", "p50_ms", "p99_ms", "errors",
                                                "non_2xx", "socket_errors", "rounds")}})
    static_req_s = {(r["kind"], r["concurrency"]): r["req_s"] for r in rows if r["server"] == "static"}
    for r in rows:
        reference = static_req_s.get((r["kind"], r["concurrency"]))
        r["ratio_to_static"] = r["req_s"] / reference if reference else None

    log(f"LD: /sparql latency, one sequential client, idle for {min(args.seconds, 3):g} s")
    salt = str(time.monotonic_ns())
    idle = ldmod.idle_probe(spacecoop, min(args.seconds, 3), salt + "-idle")
    flood_seconds = max(args.seconds, 2)
    log(f"LD: /sparql latency, one sequential client, while {LD_FLOOD_CONCURRENCY} clients flood "
        f"{len(flood_pages)} /graph/ pages for {flood_seconds:g} s")
    probe = ldmod.Probe(spacecoop, salt + "-flood")
    probe.start()
    try:
        flood = wrk(spacecoop, LD_FLOOD_CONCURRENCY, flood_seconds, flood_file)
    finally:
        probe.stop()
        check_alive(spacecoop)
    loaded = ldmod.probe_summary(probe.answers)
    return {
        "sample": {"seed": args.seed, "resources": len(resources), "graphs": len(graphs),
                   "dropped": [{"kind": p.kind, "path": p.path, "status": p.status} for p in pages.dropped]},
        "first_render_ms": {kind: ldmod.render_summary(pages.of(kind)) for kind in kinds},
        "first_requests": [{"kind": p.kind, "path": p.path, "ms": round(p.first_ms, 3), "bytes": p.size}
                           for p in pages.pages],
        "load": rows,
        "sparql_beside_pages": {"query": ldmod.PROBE_QUERY, "idle": idle, "flood": loaded,
                                "flood_pages": {"concurrency": LD_FLOOD_CONCURRENCY, "req_s": flood["req_s"],
                                                "p50_ms": flood["p50_us"] / 1000, "p99_ms": flood["p99_us"] / 1000,
                                                "errors": flood["errors"]}},
        "static_server": {"nginx": ldmod.nginx_version(), "ready_seconds": static.ready_seconds,
                          "memory": static.memory()},
    }


def print_ld(result: dict, args: argparse.Namespace) -> None:
    sample = result["sample"]
    print()
    print(f"Linked Data pages: {sample['resources']} resources (/id/…) and {sample['graphs']} document graphs "
          f"(/graph/…), sampled with seed {sample['seed']}; wrk -t1 -cC -d{args.seconds:g}s cycling through a kind's "
          f"pages, {args.rounds} round(s) interleaved; static = the same bytes served by nginx "
          f"{result['static_server']['nginx']} from files (the physical limit)")
    if sample["dropped"]:
        print("  left out (not 200 at the first request): "
              + ", ".join(f"{d['kind']} {d['path']} ({d['status']})" for d in sample["dropped"]))
    by = {(r["server"], r["kind"], r["concurrency"]): r for r in result["load"]}
    lines = [f"{'kind':<12}{'conc':>5}  {'server':<10}{'req/s':>9}"
             f"{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'÷static':>9}"]
    for concurrency in args.ld_concurrency:
        for kind, *_ in ldmod.KINDS:
            st = by.get(("static", kind, concurrency))
            for server in ("spacecoop", "static"):
                r = by.get((server, kind, concurrency))
                if r is None:
                    continue
                lines.append(f"{kind:<12}{concurrency:>5}  {server:<10}{r['req_s']:>9.0f}{r['p50_ms']:>9.2f}"
                             f"{r['p99_ms']:>9.2f}{r['errors']:>8}"
                             f"{fmt(r['req_s'] / st['req_s'] if st and st['req_s'] else None, 3, 9)}")
    for line in lines:
        print(line)
    print()
    print("first render (the first request of each page, one at a time, before any load), ms:")
    print(f"{'kind':<12}{'pages':>6}{'median':>9}{'p99':>9}{'max':>9}{'bytes':>9}")
    for kind, r in result["first_render_ms"].items():
        print(f"{kind:<12}{r['pages']:>6}{fmt(r['median_ms'], 2)}{fmt(r['p99_ms'], 2)}{fmt(r['max_ms'], 2)}"
              f"{r['mean_bytes'] or 0:>9}")
    sb = result["sparql_beside_pages"]
    fl = sb["flood_pages"]
    print()
    print(f"/sparql beside the pages: one sequential client sending `{sb['query']}` (a different comment each "
          "time: never from the answer cache)")
    print(f"{'while':<40}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for label, r in (("idle", sb["idle"]),
                     (f"{fl['concurrency']} clients flood /graph/ ({fl['req_s']:.0f} req/s)", sb["flood"])):
        print(f"{label:<40}{r['requests']:>9}{fmt(r['p50_ms'], 2)}{fmt(r['p99_ms'], 2)}{fmt(r['max_ms'], 2)}"
              f"{r['errors']:>8}")


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def fmt(value, digits: int = 1, width: int = 9) -> str:
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.{digits}f}"


def load_table(summaries: list[dict]) -> list[str]:
    reference = {(s["endpoint"], s["concurrency"]): s["req_s"] for s in summaries if s["phase"] == "normal"}
    lines = [f"{'endpoint':<16}{'conc':>5}  {'phase':<8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
             f"{'÷virtuoso':>11}{'÷bare':>8}{'÷oxigraph':>11}"]
    order = {name: i for i, name in enumerate(ALL_PEERS)}
    for s in sorted(summaries, key=lambda s: (s["phase"] != "normal", s["concurrency"], order[s["endpoint"]])):
        v = reference.get(("virtuoso", s["concurrency"]))
        b = reference.get(("bare", s["concurrency"]))
        o = reference.get(("oxigraph", s["concurrency"]))
        lines.append(
            f"{s['endpoint']:<16}{s['concurrency']:>5}  {s['phase']:<8}{s['req_s']:>9.0f}{s['p50_ms']:>9.2f}"
            f"{s['p99_ms']:>9.2f}{s['errors']:>8}"
            f"{fmt(s['req_s'] / v if v else None, 2, 11)}{fmt(s['req_s'] / b if b else None, 2, 8)}"
            f"{fmt(s['req_s'] / o if o else None, 2, 11)}")
    return lines


def kind_table(kinds: dict, columns: list[str]) -> list[str]:
    lines = [f"{'kind':<12}{'queries':>8}" + "".join(f"{c:>17}" for c in columns)]
    for kind, row in kinds.items():
        lines.append(f"{kind:<12}{row['queries']:>8}" + "".join(fmt(row[c], 2, 17) for c in columns))
    return lines


def peer_table(info: dict) -> list[str]:
    lines = [f"{'endpoint':<16}{'ready s':>9}{'load s':>8}{'PSS MiB':>9}{'RSS MiB':>9}{'procs':>6}"]
    for name, p in info.items():
        mem = p.get("memory") or {}
        lines.append(f"{name:<16}{fmt(p.get('ready_seconds'), 2)}{fmt(p.get('load_seconds'), 1, 8)}"
                     f"{fmt(mem.get('pss_mib'), 0)}{fmt(mem.get('rss_mib'), 0)}{mem.get('processes', '-'):>6}")
    return lines


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dataset", choices=["real"], default="real", help="the project's dist/ (default)")
    group.add_argument("--triples", type=int, help="a synthetic dataset of about N triples (scripts/bench/generate.py)")
    group.add_argument("--dist", type=Path, help="a built release to benchmark (default: the project's dist/)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each wrk run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per endpoint and concurrency (default 3)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated connection counts (default 1,8,32)")
    parser.add_argument("--peers", default=",".join(ALL_PEERS), help=f"comma-separated, of {','.join(ALL_PEERS)}")
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs of each query for the per-query medians (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the query mix (default 1)")
    parser.add_argument("--unique-queries", action="store_true",
                        help="end every request's query with a comment holding a counter, so that no answer "
                             "cache (spacecoop has one) can reuse an earlier answer")
    parser.add_argument("--ld", action="store_true",
                        help="also the Linked Data phase: spacecoop's /id/ and /graph/ pages beside nginx serving "
                             "the same bytes, first renders, and /sparql latency during a page flood (needs nginx)")
    parser.add_argument("--ld-pages", type=int, default=200,
                        help="resources (and at most as many document graphs) in the --ld sample (default 200)")
    parser.add_argument("--ld-concurrency", default="8,32",
                        help="comma-separated connection counts of the --ld phase (default 8,32)")
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    parser.add_argument("--logs", type=Path, default=ROOT / ".bench" / "logs",
                        help="where the end of every endpoint's log is kept (default: .bench/logs)")
    args = parser.parse_args(argv)
    try:
        args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error(f"--concurrency: not a list of numbers: {args.concurrency!r}")
    if not args.concurrency or min(args.concurrency) < 1:
        parser.error("--concurrency needs numbers of at least 1")
    try:
        args.ld_concurrency = [int(c) for c in args.ld_concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error(f"--ld-concurrency: not a list of numbers: {args.ld_concurrency!r}")
    if not args.ld_concurrency or min(args.ld_concurrency) < 1:
        parser.error("--ld-concurrency needs numbers of at least 1")
    if args.ld_pages < 1:
        parser.error("--ld-pages must be at least 1")
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in args.peers if p not in ALL_PEERS]
    if unknown:
        parser.error(f"--peers: unknown {', '.join(unknown)} (choose from {', '.join(ALL_PEERS)})")
    if args.rounds < 1 or args.seconds < 1:
        parser.error("--rounds and --seconds must be at least 1")
    if args.ld and "spacecoop" not in args.peers:
        parser.error("--ld measures spacecoop's pages: --peers must include spacecoop")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("error: wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    if args.ld and not ldmod.have_nginx():
        print("error: --ld needs nginx (the static file server beside spacecoop's pages): apt-get install nginx, "
              "or scripts/interop/setup.sh", file=sys.stderr)
        return 2

    def on_term(signum, frame):  # SIGTERM: leave through the finally blocks, as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    report: dict = {"command": shlex.join([sys.executable, *sys.argv]), "machine": machine()}
    print(f"command: {report['command']}")
    m = report["machine"]
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, load average at start "
          f"{' '.join(str(x) for x in m['loadavg_at_start'])}, Linux {m['kernel']}")
    print(f"software: Python {m['python']}, pyoxigraph {m['pyoxigraph']}, Oxigraph server {m['oxigraph']}, "
          f"Virtuoso {m['virtuoso']}, rdflib {m['rdflib']}, rdflib-endpoint {m['rdflib-endpoint']}, "
          f"uvicorn {m['uvicorn']}, {m['wrk']}, nginx {m['nginx']}, spacecoop {m['spacecoop']}")
    sys.stdout.flush()

    workdir = Path(tempfile.mkdtemp(prefix="spacecoop-bench-"))
    running: list[peermod.Peer] = []
    try:
        return _run(args, report, workdir, running)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the endpoints", file=sys.stderr)
        return 130
    except (BenchError, peermod.PeerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        for peer in reversed(running):
            with contextlib.suppress(BaseException):
                log(f"stopping {peer.name}")
                peer.stop()
        keep_logs(workdir, args.logs)
        shutil.rmtree(workdir, ignore_errors=True)


def keep_logs(workdir: Path, folder: Path, limit: int = 200_000) -> None:
    """The end of every peer's log in `folder` (replaced at each run)."""
    logs = sorted(workdir.glob("*.log")) + sorted(workdir.glob("virtuoso/db/virtuoso.log"))
    if not logs:
        return
    with contextlib.suppress(OSError):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        for path in logs:
            with open(path, "rb") as f:
                f.seek(max(0, path.stat().st_size - limit))
                (folder / (path.name if path.parent == workdir else "virtuoso-server.log")).write_bytes(f.read())


def _run(args: argparse.Namespace, report: dict, workdir: Path, running: list[peermod.Peer]) -> int:
    dist, description = dataset_dist(args)
    if args.triples is None:
        # dist/ is rebuilt by anyone running `spacecoop build` here, and a running server then serves
        # the new release: every peer gets a copy taken at the start instead.
        log(f"copying {dist} (the release and its store) so that a rebuild cannot change it during the run")
        dist = snapshot(dist, workdir)
    log("writing the data every endpoint serves (data.nq + ontology + examples as N-Quads)")
    data = peermod.bench_data(dist, workdir)
    quads, triples = peermod.count_quads(data)
    report["dataset"] = {"description": description, "dist": str(dist), "quads": quads, "distinct_triples": triples}
    print(f"dataset: {description}: {quads} quads, {triples} distinct triples "
          f"(data.nq, ontology.ttl in graph/ontology, examples.ttl in graph/examples)")

    log("building the query mix (in-process pyoxigraph store)")
    mix, store = mixmod.build_mix(data, args.seed)
    counts = mixmod.kind_counts(mix)
    report["mix"] = {"seed": args.seed, "counts": counts,
                     "queries": [{"name": q.name, "kind": q.kind, "form": q.form, "rows": q.rows, "text": q.text}
                                 for q in mix]}
    print(f"query mix: {len(mix)} queries: " + ", ".join(f"{k} {n}" for k, n in counts.items()))

    # Which peers run
    wanted = list(args.peers)
    skipped: dict[str, str] = {}
    if "oxigraph" in wanted and peermod.oxigraph_command() is None:
        skipped["oxigraph"] = "the Oxigraph server is not installed (.venv/bin/pip install oxigraph)"
    if "virtuoso" in wanted and not peermod.have_virtuoso():
        skipped["virtuoso"] = "Virtuoso is not installed (apt-get install virtuoso-opensource)"
    if "rdflib-endpoint" in wanted:
        if version_of("rdflib-endpoint") == "not installed":
            skipped["rdflib-endpoint"] = "not installed (.venv/bin/pip install rdflib-endpoint)"
        elif triples > RDFLIB_MAX_TRIPLES:
            skipped["rdflib-endpoint"] = (f"the dataset has {triples} triples, more than {RDFLIB_MAX_TRIPLES}: "
                                          "rdflib-endpoint would take minutes per query")
        elif not set(args.concurrency) & set(RDFLIB_CONCURRENCY):
            skipped["rdflib-endpoint"] = f"it runs only at concurrency {' and '.join(map(str, RDFLIB_CONCURRENCY))}"
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    wanted = [p for p in wanted if p not in skipped]
    if not wanted:
        raise BenchError("no endpoint left to benchmark")
    if "rdflib-endpoint" in wanted:
        print(f"rdflib-endpoint runs at concurrency {' and '.join(map(str, RDFLIB_CONCURRENCY))} only, "
              f"{min(args.seconds, RDFLIB_MAX_SECONDS):g} s per round")
    sys.stdout.flush()

    peer_info: dict[str, dict] = {}
    for name in ALL_PEERS:
        if name not in wanted:
            continue
        log(f"starting {name}")
        peer = peermod.STARTERS[name](dist, data, workdir)
        running.append(peer)
        peer_info[name] = {"ready_seconds": peer.ready_seconds, "load_seconds": peer.load_seconds, "notes": peer.notes}
        log(f"{name} answers on {peer.url}{peer.path} after {peer.ready_seconds:.2f} s"
            + (f" (+ {peer.load_seconds:.1f} s bulk load)" if peer.load_seconds else ""))

    # 4. agreement
    result = agreement(mix, running)
    report["agreement"] = result  # "answers": each endpoint's size (or HTTP status) per query
    print()
    print_agreement(result)
    sys.stdout.flush()

    # 5./6. load
    readings: dict[str, dict | None] = {}
    files = mix_files(mix, running, workdir)
    cells, runaway_answers = load_phase(running, args, files, "rdflib-endpoint" in wanted, readings)
    summaries = [c.summary() for c in cells]
    report["load"] = summaries
    report["runaway"] = {"query": RUNAWAY_QUERY, "answers": [{"status": st, "seconds": round(t, 2)}
                                                             for st, t, _ in runaway_answers]}

    # 7. per-query medians
    subset = mixmod.representative(mix)
    table = per_query(subset, running, store, args.repeats, args.unique_queries)
    columns = ["in-process"] + [p.name for p in running]
    kinds = per_kind(subset, table, columns)
    report["per_query_ms"] = {name: {k: (v * 1000 if v is not None else None) for k, v in row.items()}
                              for name, row in table.items()}
    report["per_kind_ms"] = kinds
    if "spacecoop" in peer_info:
        report["spacecoop_counters"] = {
            "normal": counters_between(readings.get("before normal"), readings.get("after normal")),
            "runaway": counters_between(readings.get("after normal"), readings.get("after runaway")),
        }

    # 8. Linked Data (nginx joins `running`, so that it is stopped with the peers)
    if args.ld:
        spacecoop = next(p for p in running if p.name == "spacecoop")
        report["ld"] = ld_phase(spacecoop, dist, workdir, args, running)

    for peer in running:
        if peer.name in peer_info:
            peer_info[peer.name]["memory"] = peer.memory()
    report["peers"] = peer_info
    report["skipped"] = skipped

    # 8. output
    print()
    print(f"throughput and latency: wrk -t1 -cC -d{args.seconds:g}s, {args.rounds} round(s) interleaved, "
          f"{'every request a different text (--unique-queries)' if args.unique_queries else 'the mix as it is'}; "
          "req/s = all requests / all time, p50/p99 = median over rounds; errors = HTTP >= 400 + socket errors")
    for line in load_table(summaries):
        print(line)
    if any(s["phase"] == "runaway" for s in summaries):
        stopped = [t for st, t, _ in runaway_answers if st == 503]
        others = sorted({st for st, _, _ in runaway_answers if st != 503})
        print(f"runaway: spacecoop only, while one more client kept sending `{RUNAWAY_QUERY}` through all its "
              f"rounds: {len(stopped)} of its {len(runaway_answers)} answers were 503, "
              "the query stopped at the time or memory limit"
              + (f" (median {statistics.median(stopped):.1f} s)" if stopped else
                 " (the phase was shorter than spacecoop's time limit)" if not runaway_answers else "")
              + (f", other statuses {others}" if others else "")
              + "; the query in flight at the end was abandoned. These are not counted as errors.")
        print("         The bare server has no time limit (a runaway would hang it forever) and Virtuoso is not "
              "given a runaway either; ratios in runaway rows are to their normal runs.")
    for phase, counters in (report.get("spacecoop_counters") or {}).items():
        if counters:
            hits, misses = counters.get("answer_cache.hits"), counters.get("answer_cache.misses")
            shown = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in counters.items()
                              if k.startswith("query_engines.") and k.split(".", 1)[1] in
                              ("queries", "timeouts", "memory_stops", "abandoned", "restarts"))
            line = f"spacecoop /health, {phase} phase:"
            if hits is not None and misses is not None:
                line += (f" answer cache {hits} hits, {misses} misses"
                         f" ({100 * hits / max(1, hits + misses):.1f}% of answers reused)")
            if shown:
                line += f"; query engines: {shown}"
            print(line)
    if report.get("spacecoop_counters") and not args.unique_queries:
        print("         (the mix repeats: a server with an answer cache answers most requests from it; "
              "--unique-queries makes every request's text different)")
    print()
    print(f"median latency per kind at concurrency 1, ms (a sequential keep-alive client; {args.repeats} runs of "
          "each query, median per query, then median per kind; in-process = pyoxigraph query + serialization "
          "in this process, the floor)")
    for line in kind_table(kinds, columns):
        print(line)
    print()
    print("start and memory (ready = process start to the first answer; load = Virtuoso's bulk load, after its "
          "first answer; memory after the run: PSS and RSS summed over the process and its children)")
    for line in peer_table(peer_info):
        print(line)
    for name, why in skipped.items():
        print(f"{name:<16}skipped: {why}")
    for name, p in peer_info.items():
        for note in p.get("notes", []):
            print(f"note: {name}: {note}")
    if "ld" in report:
        print_ld(report["ld"], args)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
