"""The page cache: whole Linked Data answers sent again before routing, and only those it may send again.

Unit cases run `PageCache` over a stand-in application that counts its calls and
answers what each case needs; the last cases run the real server on the fixture
release (its /health counts the cache's hits).
"""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient
from support.pages import client, fixture_release, fixture_server  # noqa: F401  (fixtures)

from spacecoop.web.page_cache import PageCache

PAGE = b"<html>cnsa</html>"


class StandIn:
    """An ASGI application answering with the headers and body chunks a case sets."""

    def __init__(self, headers: list[tuple[bytes, bytes]] | None = None, status: int = 200,
                 chunks: tuple[bytes, ...] = (PAGE,)) -> None:
        self.calls = 0
        self.status = status
        self.chunks = chunks
        self.headers = headers if headers is not None else [
            (b"content-type", b"text/html; charset=utf-8"), (b"etag", b'W/"abc"'),
            (b"vary", b"Accept, Accept-Language"),
        ]

    async def __call__(self, scope, receive, send) -> None:
        self.calls += 1
        headers = [*self.headers, (b"x-call", str(self.calls).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        for index, chunk in enumerate(self.chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < len(self.chunks) - 1})


def cached(app: StandIn, max_bytes: int = 1 << 20) -> tuple[TestClient, PageCache]:
    cache = PageCache(app, max_bytes=max_bytes)
    return TestClient(cache), cache


def test_a_second_get_is_the_first_answer_without_the_application():
    app = StandIn()
    http, cache = cached(app)
    first = http.get("/id/agency/cnsa", headers={"Accept": "text/html"})
    second = http.get("/id/agency/cnsa", headers={"Accept": "text/html"})
    assert app.calls == 1
    assert second.content == first.content == PAGE
    assert second.headers["x-call"] == "1" and second.headers["etag"] == first.headers["etag"]
    assert (cache.stats.hits, cache.stats.misses, cache.stats.entries) == (1, 1, 1)


@pytest.mark.parametrize("header", ["Accept", "Accept-Language", "Host", "X-Forwarded-Host", "Forwarded"])
def test_each_value_of_a_header_the_answer_may_depend_on_is_its_own_entry(header):
    app = StandIn()
    http, _ = cached(app)
    http.get("/id/agency/cnsa", headers={header: "one"})
    http.get("/id/agency/cnsa", headers={header: "two"})
    http.get("/id/agency/cnsa", headers={header: "one"})
    assert app.calls == 2


def test_the_query_string_is_part_of_the_key():
    app = StandIn()
    http, _ = cached(app)
    for target in ("/class/Agency", "/class/Agency?page=2", "/class/Agency?page=2", "/class/Agency"):
        http.get(target)
    assert app.calls == 2


@pytest.mark.parametrize("headers", [
    {"If-None-Match": 'W/"abc"'}, {"If-Modified-Since": "Wed, 02 Dec 2026 10:00:00 GMT"}, {"Range": "bytes=0-3"},
    {"Cache-Control": "no-cache"},
], ids=["if-none-match", "if-modified-since", "range", "no-cache"])
def test_conditional_and_partial_requests_go_to_the_application(headers):
    app = StandIn()
    http, _ = cached(app)
    http.get("/id/agency/cnsa")
    http.get("/id/agency/cnsa", headers=headers)
    assert app.calls == 2


@pytest.mark.parametrize("path", ["/sparql", "/health", "/query", "/dumps/data.nq", "/static/style.css", "/idx"])
def test_only_linked_data_paths_are_kept(path):
    app = StandIn()
    http, _ = cached(app)
    http.get(path)
    http.get(path)
    assert app.calls == 2


def test_other_methods_are_not_kept():
    app = StandIn()
    http, _ = cached(app)
    http.head("/id/agency/cnsa")
    http.post("/id/agency/cnsa", content=b"x")
    http.get("/id/agency/cnsa", headers={"Content-Length": "0"})  # a GET with a body
    assert app.calls == 3


@pytest.mark.parametrize("headers,status,chunks", [
    ([(b"content-type", b"text/html")], 200, (PAGE,)),  # no ETag: not a representation of the release
    ([(b"etag", b'W/"a"'), (b"cache-control", b"no-store")], 200, (PAGE,)),
    ([(b"etag", b'W/"a"'), (b"cache-control", b"private, max-age=60")], 200, (PAGE,)),
    ([(b"etag", b'W/"a"'), (b"vary", b"Accept, User-Agent")], 200, (PAGE,)),  # varies on a header not in the key
    ([(b"etag", b'W/"a"')], 404, (PAGE,)),
    ([(b"etag", b'W/"a"')], 503, (PAGE,)),
    ([(b"etag", b'W/"a"')], 200, (b"<html>", b"</html>")),  # streamed
], ids=["no-etag", "no-store", "private", "vary-user-agent", "404", "503", "streamed"])
def test_answers_the_application_does_not_mark_as_the_releases_are_not_kept(headers, status, chunks):
    app = StandIn(headers, status, chunks)
    http, cache = cached(app)
    for _ in range(2):
        answer = http.get("/id/agency/cnsa")
        assert answer.status_code == status and answer.content == b"".join(chunks)
    assert app.calls == 2 and cache.stats.entries == 0


def test_the_cache_is_bounded_in_bytes_least_recently_used_out_first():
    app = StandIn(chunks=(b"x" * 3000,))
    http, cache = cached(app, max_bytes=10_000)  # room for two entries of ~3.6 KB
    for path in ("/id/a", "/id/b", "/id/a", "/id/c"):  # /id/b is the least recently used when /id/c comes
        http.get(path)
    assert cache.stats.entries == 2 and cache.stats.bytes <= 10_000
    calls = app.calls
    http.get("/id/a")
    http.get("/id/c")
    assert app.calls == calls  # both kept
    http.get("/id/b")
    assert app.calls == calls + 1  # dropped


def test_an_answer_larger_than_an_entry_may_be_is_not_kept():
    app = StandIn(chunks=(b"x" * 5000,))
    cache = PageCache(app, max_bytes=1 << 20, max_entry=4096)
    http = TestClient(cache)
    http.get("/id/a")
    http.get("/id/a")
    assert app.calls == 2


def test_zero_megabytes_keeps_nothing():
    app = StandIn()
    http, cache = cached(app, max_bytes=0)
    http.get("/id/a")
    http.get("/id/a")
    assert app.calls == 2 and cache.stats.entries == 0


def test_a_kept_answer_is_logged_as_the_application_logs_it(caplog):
    app = StandIn()
    http, _ = cached(app)
    http.get("/id/agency/cnsa")
    with caplog.at_level(logging.INFO, logger="spacecoop.access"):
        http.get("/id/agency/cnsa?x=1")  # a miss: the application's own log, not this module's
        http.get("/id/agency/cnsa")
    lines = [r.getMessage() for r in caplog.records if r.name == "spacecoop.access"]
    assert len(lines) == 1 and lines[0].startswith("GET /id/agency/cnsa 200 ")


# -- the real server ------------------------------------------------------------------


def _page_cache(http) -> dict:
    return http.get("/health").json()["page_cache"]


@pytest.mark.parametrize("path,accept", [("/id/agency/cnsa", "text/html"), ("/id/agency/cnsa", "text/turtle"),
                                         ("/ontology", "text/html"), ("/", "text/html"), ("/void", "text/turtle")])
def test_the_server_sends_a_kept_page_byte_for_byte(client, path, accept):  # noqa: F811
    headers = {"Accept": accept, "Accept-Language": "zh"}
    first = client.get(path, headers=headers)
    before = _page_cache(client)
    second = client.get(path, headers=headers)
    after = _page_cache(client)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    drop = {"date", "server"}
    assert {k: v for k, v in second.headers.items() if k not in drop} == {
        k: v for k, v in first.headers.items() if k not in drop}
    assert after["hits"] == before["hits"] + 1


def test_a_page_for_a_proxy_s_address_is_never_sent_to_another_address(client):  # noqa: F811
    # The fixture server believes its client's forwarded headers (it plays the proxy).
    proxied = {"Accept": "text/html", "X-Forwarded-Host": "data.example", "X-Forwarded-Proto": "https"}
    for _ in range(2):
        through_proxy = client.get("/id/agency/cnsa", headers=proxied)
        direct = client.get("/id/agency/cnsa", headers={"Accept": "text/html"})
        assert b"https://data.example/" in through_proxy.content
        assert b"data.example" not in direct.content


def test_forwarded_headers_of_an_untrusted_peer_are_dropped_before_the_key():
    from spacecoop.web.http.proxies import ForwardedHeadersMiddleware, TrustedPeers

    app = StandIn()
    http = TestClient(ForwardedHeadersMiddleware(PageCache(app, max_bytes=1 << 20), trusted=TrustedPeers.parse("")))
    http.get("/id/a")
    http.get("/id/a", headers={"X-Forwarded-Host": "evil.example"})
    assert app.calls == 1  # the same request once the header is dropped: the same answer
