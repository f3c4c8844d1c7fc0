"""What a client may hold of the server, over real sockets against a `spacecoop serve` process.

The server here runs with small limits (a 4 KiB request head, 1 s to send a head
or a body, at most 8 connections), so each bad case happens in a second:
a huge or endless head (431), a head or body sent a byte at a time (408),
more slow sockets than connections allowed (503, then answers again), forwarded
headers from a client that is not a trusted proxy (ignored), and SIGTERM with
requests in flight (every one answered, nothing logged as an error).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from support.pages import ServerProcess, write_release
from support.server import start_server

MAX_HEADER_BYTES = 4096
HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
MAX_CONNECTIONS = 8
LIMITS = (
    "--build", "never", "--workers", "2", "--log-level", "info",
    "--max-header-bytes", str(MAX_HEADER_BYTES),
    "--header-timeout", str(HEADER_TIMEOUT),
    "--body-timeout", str(BODY_TIMEOUT),
    "--keep-alive", "1",
    "--max-connections", str(MAX_CONNECTIONS),
)
# About a second of counting in a query worker, whatever the data: 20^5 rows.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(5)
) + " }"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_release(tmp_path_factory.mktemp("hardening") / "dist")


@pytest.fixture(scope="module")
def server(release: Path):
    process = start_server(release, release.parent / "server.log", *LIMITS)
    yield process
    process.stop()


def connect(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=30)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def wait_until_served(server: ServerProcess, seconds: float = 30) -> None:
    """Until a fresh client is answered 200 (the slow sockets of a test have been closed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + "/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer again")


# ---------------------------------------------------------------------------
# The request head: size and time
# ---------------------------------------------------------------------------


def test_a_100_kb_header_gets_431_and_the_connection_is_closed(server):
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        answer = read_all(sock)
    assert status(answer) == 431
    assert b"connection: close" in answer.lower()
    assert b"larger than this server's limit of 4096 bytes" in answer


def test_a_head_over_the_limit_that_arrives_whole_gets_431(server):
    """The head ends within the first read: measured as parsed, and answered without the app."""
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 90) for i in range(50))
    assert MAX_HEADER_BYTES < len(head) < 16384
    with connect(server) as sock:
        sock.sendall(head + b"\r\n")
        answer = read_all(sock)
    assert status(answer) == 431


def test_a_head_under_the_limit_is_served(server):
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: " + b"v" * 3000 + b"\r\n\r\n"
    with connect(server) as sock:
        sock.sendall(head)
        assert status(read_all(sock)) == 200


def test_an_endless_header_is_cut_off_near_the_limit_and_memory_does_not_grow(server):
    """A client streams a 100 MB header: the server answers 431 after the first bytes and closes."""
    before = rss_kb(server.process.pid)
    sent = 0
    answer = b""
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        chunk = b"a" * 65536
        try:
            while sent < 100 * 2**20:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        else:
            answer = read_all(sock)
        sock.settimeout(5)
        with contextlib.suppress(OSError):
            answer = answer or read_all(sock)
    assert sent < 16 * 2**20, f"the server read {sent} bytes of one header"
    assert answer == b"" or status(answer) == 431
    assert rss_kb(server.process.pid) - before < 50_000


@pytest.mark.slow
def test_a_head_sent_a_byte_at_a_time_gets_408_after_the_header_timeout(server):
    started = time.monotonic()
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        try:
            for _ in range(100):
                sock.sendall(b"a")
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_all(sock)
    elapsed = time.monotonic() - started
    assert status(answer) == 408
    assert HEADER_TIMEOUT <= elapsed < HEADER_TIMEOUT + 5


@pytest.mark.slow
def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(server):
    started = time.monotonic()
    with connect(server) as sock:
        assert read_all(sock) == b""
    assert HEADER_TIMEOUT <= time.monotonic() - started < HEADER_TIMEOUT + 5


@pytest.mark.slow
def test_an_idle_keep_alive_connection_is_closed(server):
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)
        first = sock.recv(65536)
        started = time.monotonic()
        assert status(first) == 200
        assert read_all(sock) == b""
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------------------
# The request body
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_body_sent_a_byte_at_a_time_gets_408_after_the_body_timeout(server):
    body = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    started = time.monotonic()
    with connect(server) as sock:
        sock.sendall(head + body[:3])
        try:
            for byte in body[3:]:
                sock.sendall(bytes([byte]))
                time.sleep(0.25)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_all(sock)
    elapsed = time.monotonic() - started
    assert status(answer) == 408, answer[:300]
    assert b"application/problem+json" in answer and b"did not arrive within 1 seconds" in answer
    assert BODY_TIMEOUT <= elapsed < BODY_TIMEOUT + 5


def test_a_body_sent_in_time_is_answered(server):
    response = httpx.post(server.url + "/sparql", data={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert response.status_code == 200


# ---------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_slow_sockets_beyond_the_connection_limit_do_not_keep_clients_out(server):
    wait_until_served(server)
    slow = []
    try:
        for _ in range(MAX_CONNECTIONS * 3):
            sock = connect(server)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the end of the head
            slow.append(sock)
        time.sleep(0.3)
        try:
            during = httpx.get(server.url + "/health", timeout=10).status_code
        except httpx.TransportError:
            during = None  # refused: as good as 503
        assert during in (503, None)
        # The slow ones are closed at the header timeout; then clients are served again.
        time.sleep(HEADER_TIMEOUT + 0.5)
        wait_until_served(server, seconds=10)
        assert {status(read_all(sock)) for sock in slow} == {408}
    finally:
        for sock in slow:
            sock.close()


def test_the_503_beyond_the_connection_limit_says_why(server):
    wait_until_served(server)
    held = [connect(server) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.3)
        with connect(server) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_all(sock)
        assert status(answer) == 503
    finally:
        for sock in held:
            sock.close()
    wait_until_served(server)


# ---------------------------------------------------------------------------
# Forwarded headers
# ---------------------------------------------------------------------------

EVIL = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "Forwarded": "host=evil2.example"}


def test_forwarded_headers_from_an_untrusted_client_are_ignored(server):
    wait_until_served(server)
    for path in ("/id/agency/cnsa", "/"):
        response = httpx.get(server.url + path, headers={"Accept": "text/html", **EVIL}, timeout=30)
        assert response.status_code == 200
        assert "evil" not in response.headers.get("link", "") + response.headers.get("content-location", "")
        assert "evil" not in response.text
        assert server.url + "/" in response.text


@pytest.mark.slow
def test_forwarded_headers_from_a_trusted_proxy_are_followed(release: Path):
    trusted = start_server(release, release.parent / "trusted.log", *LIMITS,
                           "--forwarded-allow-ips", "10.0.0.0/8, 127.0.0.1")
    try:
        response = httpx.get(trusted.url + "/id/agency/cnsa", headers={"Accept": "text/html", **EVIL}, timeout=30)
    finally:
        trusted.stop()
    assert "https://evil.example/id/agency/cnsa." in response.headers["link"]
    assert "https://evil.example/id/agency/cnsa" in response.text


def test_an_invalid_forwarded_allow_ips_is_refused(release: Path):
    with pytest.raises(RuntimeError, match="not an address or network: proxy.local"):
        start_server(release, release.parent / "invalid.log", *LIMITS, "--forwarded-allow-ips", "127.0.0.1,proxy.local")


# ---------------------------------------------------------------------------
# Graceful stop
# ---------------------------------------------------------------------------


def ask(port: int, target: str, results: list, index: int) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode())
            results[index] = read_all(sock)
    except OSError as error:
        results[index] = error


@pytest.mark.slow
def test_sigterm_answers_every_request_in_flight_and_logs_no_error(release: Path):
    stopping = start_server(release, release.parent / "stop.log", *LIMITS)
    port = int(stopping.url.rsplit(":", 1)[1])
    results: list = [None] * 8
    threads = [
        threading.Thread(target=ask, args=(port, "/sparql?" + urllib.parse.urlencode({"query": f"{SLOW_QUERY} #{i}"}),
                                           results, i))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    stopping.process.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(60)
    assert stopping.process.wait(60) == 0
    for answer in results:
        assert isinstance(answer, bytes) and status(answer) in (200, 503), answer
        head, _, body = answer.partition(b"\r\n\r\n")
        assert body, "a complete answer, with its body"
    log = stopping.log.read_text()
    assert "ERROR" not in log and "Traceback" not in log, log


@pytest.mark.slow
def test_sigterm_answers_a_request_whose_head_had_started_to_arrive(release: Path):
    """uvicorn closes on shutdown every connection with no response in progress: this one is answered."""
    stopping = start_server(release, release.parent / "stop-head.log", *LIMITS, "--header-timeout", "10")
    try:
        with socket.create_connection(("127.0.0.1", int(stopping.url.rsplit(":", 1)[1])), timeout=30) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            time.sleep(0.3)
            stopping.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            sock.sendall(b"Accept: application/json\r\n\r\n")
            answer = read_all(sock)
    finally:
        stopping.stop()
    assert status(answer) == 200
    assert b"connection: close" in answer.lower()
    assert stopping.process.returncode == 0
