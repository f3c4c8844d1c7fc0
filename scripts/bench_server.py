"""Benchmark the SPARQL endpoint: throughput and latency under load, with and without a runaway query.

    .venv/bin/python scripts/bench_server.py [--dist DIST] [--seconds 10] [--concurrency 1,8,32]

It starts `spacecoop serve` on a free port (building the release first if it
is missing or stale), then drives a fixed mix of queries: the competency
queries (tests/competency/*.rq) and lookups by IRI (`SELECT ?p ?o WHERE { <iri>
?p ?o }` over the release's subjects), shuffled with a fixed seed. Each
concurrency level runs for a fixed time; then every level runs again while
one client keeps sending a query that can only end at the time limit. It
prints requests per second and p50/p99 latency (all requests, lookups,
competency queries), and checks the targets: lookup p50 under 5 ms at
concurrency 1, lookup p99 under 100 ms while the runaway runs, no error
responses under load.

The client is a minimal asyncio HTTP/1.1 client with keep-alive connections,
so the load generator takes as little as possible of the CPU it shares with
the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPETENCY = ROOT / "tests" / "competency"
JSON_RESULTS = "application/sparql-results+json"
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(8)
) + " }"
SUBJECTS = "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) } ORDER BY ?s"

TARGET_LOOKUP_P50_MS = 5.0
TARGET_LOOKUP_P99_RUNAWAY_MS = 100.0


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, accept: str = JSON_RESULTS) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: {accept}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        body = await self.reader.readexactly(int(match.group(1))) if match else b""
        if re.search(rb"(?i)\r\nconnection:\s*close", head):
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def sparql_target(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int


@dataclass
class Phase:
    name: str
    concurrency: int
    duration: float
    samples: list[Sample] = field(default_factory=list)
    runaway: list[Sample] = field(default_factory=list)

    def latencies(self, kind: str | None = None) -> list[float]:
        return sorted(s.seconds * 1000 for s in self.samples if kind is None or s.kind == kind)

    def errors(self) -> int:
        return sum(1 for s in self.samples if s.status != 200)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[index]


def load_mix(lookups: list[str], seed: int = 4) -> list[tuple[str, str]]:
    """The fixed mix: every competency query once and four lookups by IRI for each of them."""
    competency = [path.read_text(encoding="utf-8") for path in sorted(COMPETENCY.glob("*.rq"))]
    rng = random.Random(seed)
    iris = rng.sample(lookups, min(len(lookups), 4 * max(1, len(competency))))
    mix = [("competency", sparql_target(q)) for q in competency]
    mix += [("lookup", sparql_target(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")) for iri in iris]
    rng.shuffle(mix)
    return mix


async def drive(host: str, port: int, mix: list[tuple[str, str]], phase: Phase, runaway: bool) -> None:
    stop = time.monotonic() + phase.duration
    stop_runaway = asyncio.Event()

    async def client(offset: int) -> None:
        connection = Connection(host, port)
        position = offset
        while time.monotonic() < stop:
            kind, target = mix[position % len(mix)]
            position += 1
            started = time.perf_counter()
            try:
                status, _ = await connection.get(target)
            except (OSError, asyncio.IncompleteReadError):
                status = 0
                connection.close()
            phase.samples.append(Sample(kind, time.perf_counter() - started, status))
        connection.close()

    async def runaway_client() -> None:
        connection = Connection(host, port)
        while not stop_runaway.is_set():
            started = time.perf_counter()
            status, _ = await connection.get(sparql_target(RUNAWAY_QUERY))
            phase.runaway.append(Sample("runaway", time.perf_counter() - started, status))
        connection.close()

    background = asyncio.create_task(runaway_client()) if runaway else None
    if runaway:
        await asyncio.sleep(0.5)  # the runaway query is running before the measured clients start
        stop = time.monotonic() + phase.duration
    step = max(1, len(mix) // phase.concurrency)
    await asyncio.gather(*(client(i * step) for i in range(phase.concurrency)))
    if background is not None:
        stop_runaway.set()
        background.cancel()
        try:
            await background
        except (asyncio.CancelledError, OSError):
            pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "spacecoop.cli", "serve", "--port", str(port), "--time-limit", str(args.time_limit)]
    if args.dist:
        command += ["--dist", str(args.dist)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    log = open(log_path, "wb")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600  # the first start may build the release
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log_path.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


async def subjects(host: str, port: int) -> list[str]:
    connection = Connection(host, port)
    status, body = await connection.get(sparql_target(SUBJECTS))
    connection.close()
    if status != 200:
        raise SystemExit(f"listing subjects failed: {status} {body[:200]!r}")
    return [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]


def report(phases: list[Phase]) -> list[str]:
    lines = [
        f"{'phase':<16}{'conc':>5}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'lookup p50':>12}{'lookup p99':>12}{'cq p50':>9}{'cq p99':>9}{'errors':>8}{'503s':>6}",
    ]
    for phase in phases:
        all_, lookup, cq = phase.latencies(), phase.latencies("lookup"), phase.latencies("competency")
        timeouts = sum(1 for s in phase.runaway if s.status == 503)
        lines.append(
            f"{phase.name:<16}{phase.concurrency:>5}{len(all_):>10}{len(all_) / phase.duration:>9.0f}"
            f"{percentile(all_, 50):>9.1f}{percentile(all_, 99):>9.1f}"
            f"{percentile(lookup, 50):>12.1f}{percentile(lookup, 99):>12.1f}"
            f"{percentile(cq, 50):>9.1f}{percentile(cq, 99):>9.1f}{phase.errors():>8}{timeouts:>6}"
        )
    return lines


def check_targets(phases: list[Phase]) -> list[str]:
    results = []
    c1 = [p for p in phases if p.name == "normal" and p.concurrency == 1]
    if c1:
        value = percentile(c1[0].latencies("lookup"), 50)
        results.append(("lookup p50 at concurrency 1", value, TARGET_LOOKUP_P50_MS))
    for phase in phases:
        if phase.name == "with runaway":
            value = percentile(phase.latencies("lookup"), 99)
            results.append((f"lookup p99 with a runaway, concurrency {phase.concurrency}", value, TARGET_LOOKUP_P99_RUNAWAY_MS))
    lines = [f"{'PASS' if value < target else 'FAIL'}  {name}: {value:.1f} ms (target < {target:g} ms)" for name, value, target in results]
    errors = sum(p.errors() for p in phases)
    lines.append(f"{'PASS' if errors == 0 else 'FAIL'}  error responses under load: {errors}")
    runaways = [s for p in phases for s in p.runaway]
    if runaways:
        stopped = sum(1 for s in runaways if s.status == 503)
        lines.append(
            f"info  runaway queries answered 503 at the time limit: {stopped}/{len(runaways)} "
            f"(median {statistics.median(s.seconds for s in runaways):.2f} s)"
        )
    return lines


async def bench(args: argparse.Namespace, port: int) -> list[Phase]:
    host = "127.0.0.1"
    mix = load_mix(await subjects(host, port))
    print(f"mix: {len(mix)} queries ({sum(1 for k, _ in mix if k == 'competency')} competency, "
          f"{sum(1 for k, _ in mix if k == 'lookup')} lookups by IRI)", flush=True)
    await drive(host, port, mix, Phase("warm-up", 8, 2.0), runaway=False)
    phases = []
    for runaway in (False, True):
        for concurrency in args.concurrency:
            phase = Phase("with runaway" if runaway else "normal", concurrency, args.seconds)
            await drive(host, port, mix, phase, runaway)
            phases.append(phase)
            print(report([phase])[1], flush=True)
    return phases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, help="release to serve (default: the repository's dist/, built if needed)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measured run (default 10)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts (default 1,8,32)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="the server's time limit (default 10)")
    parser.add_argument("--workers", type=int, help="the server's query workers (default: the server's default)")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]

    log_path = Path(tempfile.mkdtemp(prefix="bench-server-")) / "server.log"
    process, port = start_server(args, log_path)
    try:
        print(f"server: pid {process.pid}, port {port}, log {log_path}; {os.cpu_count()} CPUs", flush=True)
        print(report([])[0], flush=True)
        phases = asyncio.run(bench(args, port))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=args.time_limit + 30)
        except subprocess.TimeoutExpired:
            process.kill()
    print()
    print("\n".join(report(phases)))
    print()
    targets = check_targets(phases)
    print("\n".join(targets))
    return 1 if any(line.startswith("FAIL") for line in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
