"""The Linked Data phase of scripts/bench/run.py (`--ld`): spacecoop's pages beside nginx serving the same bytes.

1. A sample (seeded) of the resources of the data (`/id/…`, subjects of
   data.nq under the dataset's base) and of its document graphs
   (`/graph/{source-id}`, every named graph but sources/inferred/ontology/examples).
2. Each page is asked of spacecoop once, in turn, before any load, in four
   representations (kinds): `/id/…` as HTML and as Turtle, `/graph/…` as HTML and
   as TriG. The time of that first request is its first render (spacecoop renders
   a representation once per release and then serves it from its cache).
3. Every answer is written to a folder that nginx (Debian's, a minimal
   configuration, on a free port, as many workers as CPUs) serves as static
   files: the physical limit of serving those bytes over HTTP on this machine.
4. wrk cycles through each kind's pages at each concurrency, rounds interleaved
   (spacecoop, then nginx), as the SPARQL phase does.
5. While 32 clients flood spacecoop's `/graph/` pages (both representations),
   one sequential client sends a trivial SELECT to /sparql, every text different
   (a comment with a counter), so that no answer comes from the answer cache;
   its latency beside the same client's on the idle server says how much the
   page load slows the endpoint down.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import random
import shutil
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import peers as peermod

HTML, TURTLE, TRIG = "text/html", "text/turtle", "application/trig"
# (kind, route, Accept, file extension nginx maps back to the media type)
KINDS = [
    ("id-html", "id", HTML, "html"),
    ("id-turtle", "id", TURTLE, "ttl"),
    ("graph-html", "graph", HTML, "html"),
    ("graph-trig", "graph", TRIG, "trig"),
]
NOT_DOCUMENTS = {"sources", "inferred", "ontology", "examples"}
PROBE_QUERY = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


def nginx_command() -> str | None:
    """Debian's nginx (in /usr/sbin, which a user's PATH may not hold), None if it is not installed."""
    found = shutil.which("nginx")
    if found is None and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


def have_nginx() -> bool:
    return nginx_command() is not None


def nginx_version() -> str:
    import subprocess

    with contextlib.suppress(Exception):
        out = subprocess.run([nginx_command(), "-v"], capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().split("/")[-1]
    return "not installed"


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of `values`, None if there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# --------------------------------------------------------------------------
# 1. The sample
# --------------------------------------------------------------------------

def sample(dist: Path, count: int, seed: int) -> tuple[list[str], list[str]]:
    """(resource paths "id/…", document graph paths "graph/…"), at most `count` of each, seeded."""
    import pyoxigraph as ox

    base = peermod.GRAPH_PREFIX[: -len("graph/")]
    resources: set[str] = set()
    graphs: set[str] = set()
    for q in ox.parse(path=str(dist / "data.nq"), format=ox.RdfFormat.N_QUADS):
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base + "id/"):
            resources.add(q.subject.value[len(base):])
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(peermod.GRAPH_PREFIX):
            name = q.graph_name.value[len(peermod.GRAPH_PREFIX):]
            if name and name not in NOT_DOCUMENTS:
                graphs.add("graph/" + name)
    rng = random.Random(seed)
    picked_resources = rng.sample(sorted(resources), min(count, len(resources)))
    picked_graphs = rng.sample(sorted(graphs), min(count, len(graphs)))
    return picked_resources, picked_graphs


def target_of(path: str) -> str:
    return "/" + urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~")


# --------------------------------------------------------------------------
# 2./3. First renders, and the static copy
# --------------------------------------------------------------------------

@dataclass
class Page:
    kind: str
    path: str  # "id/…" or "graph/…"
    accept: str
    static: str  # the static file's request target
    first_ms: float = 0.0
    status: int = 0
    size: int = 0


@dataclass
class Pages:
    pages: list[Page] = field(default_factory=list)
    dropped: list[Page] = field(default_factory=list)  # not 200 at the first request

    def of(self, kind: str) -> list[Page]:
        return [p for p in self.pages if p.kind == kind]


def first_renders(spacecoop: peermod.Peer, resources: list[str], graphs: list[str], www: Path,
                  log) -> Pages:
    """Every page once from spacecoop (timed: its first render), written below `www` for nginx."""
    found = Pages()
    conn: http.client.HTTPConnection | None = None
    for kind, route, accept, ext in KINDS:
        paths = resources if route == "id" else graphs
        folder = www / kind
        folder.mkdir(parents=True, exist_ok=True)
        log(f"LD: first request of {len(paths)} {kind} pages (their first render)")
        for i, path in enumerate(paths):
            page = Page(kind, path, accept, f"/{kind}/{i:05d}.{ext}")
            for attempt in (1, 2):
                if conn is None:
                    conn = http.client.HTTPConnection(spacecoop.host, spacecoop.port, timeout=120)
                try:
                    started = time.perf_counter()
                    conn.request("GET", target_of(path), headers={"Accept": accept})
                    response = conn.getresponse()
                    body = response.read()
                    page.first_ms = (time.perf_counter() - started) * 1000
                    page.status = response.status
                    if (response.getheader("connection") or "").lower() == "close":
                        conn.close()
                        conn = None
                    break
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                    if attempt == 2:
                        raise
            page.size = len(body)
            if page.status == 200:
                (folder / f"{i:05d}.{ext}").write_bytes(body)
                found.pages.append(page)
            else:
                found.dropped.append(page)
    if conn is not None:
        conn.close()
    return found


def write_targets(pages: list[Page], file: Path, static: bool) -> None:
    with open(file, "w", encoding="utf-8") as f:
        for page in pages:
            f.write(f"{page.accept}\t{page.static if static else target_of(page.path)}\n")


# --------------------------------------------------------------------------
# nginx
# --------------------------------------------------------------------------

NGINX_CONF = """\
# The benchmark's static file server (scripts/bench/ld.py): the smallest configuration that serves a folder.
daemon off;
master_process on;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {error_log} warn;
{user}
events {{
    worker_connections 4096;
}}
http {{
    types {{
        text/html html;
        text/turtle ttl;
        application/trig trig;
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/turtle application/trig;  # text/html is in it already
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
    open_file_cache max=10000 inactive=60s;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port} reuseport;
        root {www};
        location / {{ }}
    }}
}}
"""


def start_nginx(workdir: Path, www: Path, probe: str, timeout: float = 30) -> peermod.Peer:
    """nginx serving `www` on a free port, in the foreground, its own process group (stopped as a peer is).

    Its configuration and temporary folders go to workdir/nginx, its logs to workdir/static.log and
    workdir/nginx-error.log (kept with the other peers' logs)."""
    root = workdir / "nginx"
    error_log = workdir / "nginx-error.log"
    command = nginx_command()
    if command is None:
        raise peermod.PeerError("nginx is not installed (apt-get install nginx, or scripts/interop/setup.sh)")
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    port = peermod.free_port()
    user = ""
    if os.geteuid() == 0:  # the workers would otherwise run as nobody, who cannot read a 0700 temporary folder
        user = "user root root;"
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, www=www, port=port, user=user, error_log=error_log,
                                      workers=len(os.sched_getaffinity(0))), encoding="utf-8")
    peer = peermod._started("static", [command, "-p", f"{root}/", "-c", str(conf), "-e", str(error_log)],
                            port, workdir)
    deadline = time.monotonic() + timeout
    last = "no answer"
    try:
        while time.monotonic() < deadline:
            if not peer.alive():
                raise peermod.PeerError(f"nginx exited with status {peer.proc.returncode}:\n"
                                        f"{peermod.tail(error_log)}{peermod.tail(peer.log)}")
            try:
                status, _ = peermod.get(peer.host, port, probe, accept="*/*", timeout=2)
                if status == 200:
                    peer.ready_seconds = time.monotonic() - peer.started
                    return peer
                last = f"HTTP {status}"
            except (OSError, http.client.HTTPException) as error:
                last = str(error)
            time.sleep(0.02)
        raise peermod.PeerError(f"nginx did not serve {probe} within {timeout:.0f} s ({last}):\n"
                                f"{peermod.tail(error_log)}")
    except BaseException:
        peer.stop()
        raise


# --------------------------------------------------------------------------
# 5. A sequential SPARQL client beside the page load
# --------------------------------------------------------------------------

class Probe(threading.Thread):
    """One client sending PROBE_QUERY, each time with a different comment, until stopped."""

    def __init__(self, peer: peermod.Peer, salt: str) -> None:
        super().__init__(daemon=True)
        self.peer, self.salt = peer, salt
        self.stopping = threading.Event()
        self.answers: list[tuple[int, float]] = []  # (status, ms)

    def run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        i = 0
        while not self.stopping.is_set():
            i += 1
            target = self.peer.target(f"{PROBE_QUERY}\n#probe-{self.salt}-{i}")
            if conn is None:
                conn = http.client.HTTPConnection(self.peer.host, self.peer.port, timeout=60)
            started = time.perf_counter()
            try:
                conn.request("GET", target, headers={"Accept": peermod.JSON_RESULTS})
                response = conn.getresponse()
                response.read()
                self.answers.append((response.status, (time.perf_counter() - started) * 1000))
                if (response.getheader("connection") or "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                self.answers.append((0, (time.perf_counter() - started) * 1000))
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(60)


def probe_summary(answers: list[tuple[int, float]]) -> dict:
    ok = [ms for status, ms in answers if status == 200]
    return {"requests": len(answers), "errors": len(answers) - len(ok),
            "p50_ms": statistics.median(ok) if ok else None, "p99_ms": percentile(ok, 99),
            "max_ms": max(ok) if ok else None}


def idle_probe(peer: peermod.Peer, seconds: float, salt: str) -> dict:
    probe = Probe(peer, salt)
    probe.start()
    time.sleep(seconds)
    probe.stop()
    return probe_summary(probe.answers)


def render_summary(pages: list[Page]) -> dict:
    times = [p.first_ms for p in pages]
    return {"pages": len(pages), "median_ms": statistics.median(times) if times else None,
            "p99_ms": percentile(times, 99), "max_ms": max(times) if times else None,
            "mean_bytes": round(statistics.mean(p.size for p in pages)) if pages else None}
