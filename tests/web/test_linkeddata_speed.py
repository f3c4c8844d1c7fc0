"""Render once: `/id/…` and `/graph/…` representations are cached by release, bounded in memory,
byte-identical to an uncached render, and a cached one asks the store nothing.

The app here runs in-process (Starlette's TestClient) on the Linked Data routes over a real
embedded store (Oxigraph engines) on a copy of the fixture release, wrapped to count queries.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from support.pages import SOURCE_A, write_release

from spacecoop.store.engine_store import EngineStore
from spacecoop.web.app import routes
from spacecoop.web.http import problems as errors
from spacecoop.web.pages.rendering import ENTRY_OVERHEAD, RenderCache, Rendered
from spacecoop.web.pages.site import Config, Site

RESOURCES = ["/id/agency/cnsa", "/id/agreement/cnsa-esa-2020", "/id/mission/shenzhou-15"]
RDF = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
GRAPH_FORMATS = ["text/html", "application/trig", "application/n-quads", *RDF]
EN = {"Accept": "text/html", "Accept-Language": "en"}
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}


class CountingStore:
    """A store that counts the queries it is asked (every other attribute is the wrapped store's)."""

    def __init__(self, store: EngineStore) -> None:
        self._store = store
        self.queries = 0

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def execute(self, *args, **kwargs):
        self.queries += 1
        return self._store.execute(*args, **kwargs)

    def construct(self, *args, **kwargs):
        self.queries += 1
        return self._store.construct(*args, **kwargs)

    def select(self, *args, **kwargs):
        self.queries += 1
        return self._store.select(*args, **kwargs)


@pytest.fixture(scope="module")
def engine_store(tmp_path_factory: pytest.TempPathFactory):
    dist = write_release(tmp_path_factory.mktemp("ld-speed") / "dist")
    store = EngineStore.open(dist, workers=1)
    yield dist, store
    store.close()


def make_client(engine_store, **settings) -> tuple[TestClient, CountingStore]:
    dist, store = engine_store
    counting = CountingStore(store)
    config = Config.from_settings(SimpleNamespace(release_dir=dist, time_limit=10.0, max_rows=10_000, **settings))
    app = Starlette(routes=routes(Site(config, counting)), exception_handlers=errors.HANDLERS)
    return TestClient(app, base_url="http://testserver"), counting


def cache_of(client: TestClient) -> RenderCache:
    endpoint = next(r for r in client.app.routes if getattr(r, "name", None) == "resource").endpoint
    site = next(c.cell_contents for c in endpoint.__closure__ if type(c.cell_contents).__name__ == "Site")
    return site.renderer.cache


def representations() -> list[tuple[str, dict[str, str]]]:
    cases = [(path, headers) for path in RESOURCES for headers in (EN, ZH, *({"Accept": m} for m in RDF))]
    cases += [(f"/graph/{SOURCE_A}", {"Accept": m}) for m in GRAPH_FORMATS]
    cases += [(f"/graph/{SOURCE_A}", ZH)]
    return cases


def test_cached_representations_are_byte_identical_to_uncached_renders(engine_store):
    cached, _ = make_client(engine_store)
    uncached, _ = make_client(engine_store, linked_data_cache=0)  # keeps nothing: every request renders
    for path, headers in representations():
        first = cached.get(path, headers=headers)
        again = cached.get(path, headers=headers)
        fresh = uncached.get(path, headers=headers)
        assert first.status_code == again.status_code == fresh.status_code == 200, (path, headers)
        assert first.content == again.content == fresh.content, (path, headers)
        assert first.headers["content-type"] == again.headers["content-type"] == fresh.headers["content-type"]
        assert first.headers["etag"] == again.headers["etag"] == fresh.headers["etag"]
        assert first.headers.get("link") == again.headers.get("link")
    assert len(cache_of(uncached)) == 0


def test_a_second_request_asks_the_store_nothing(engine_store):
    client, store = make_client(engine_store)
    for path, headers in representations():
        client.get(path, headers=headers)
    asked = store.queries
    assert asked > 0
    for path, headers in representations():
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        etag = response.headers["etag"]
        assert client.get(path, headers={**headers, "If-None-Match": etag}).status_code == 304
    assert store.queries == asked


def test_each_language_and_format_has_its_own_entry(engine_store):
    client, _ = make_client(engine_store)
    cache = cache_of(client)
    en = client.get("/id/agency/cnsa", headers=EN)
    zh = client.get("/id/agency/cnsa", headers=ZH)
    turtle = client.get("/id/agency/cnsa", headers={"Accept": "text/turtle"})
    assert len(cache) == 3
    assert en.content != zh.content and "国家航天局" in zh.text.split("</h1>")[0]
    # the same representation by extension, parameter or Accept is one entry; RDF ignores languages
    client.get("/id/agency/cnsa.ttl")
    client.get("/id/agency/cnsa?format=ttl", headers={"Accept-Language": "zh"})
    assert len(cache) == 3
    assert client.get("/id/agency/cnsa.ttl").content == turtle.content
    for media_type in RDF[1:]:
        client.get("/id/agency/cnsa", headers={"Accept": media_type})
    assert len(cache) == 6


def test_a_missing_resource_is_a_404_cached_too(engine_store):
    client, store = make_client(engine_store)
    assert client.get("/id/agency/nobody", headers={"If-None-Match": "*"}).status_code == 404
    asked = store.queries
    assert client.get("/id/agency/nobody").status_code == 404
    assert client.get(f"/graph/{SOURCE_A}x").status_code == 404
    assert client.get(f"/graph/{SOURCE_A}x").status_code == 404
    assert store.queries == asked + 1


def test_the_cache_stays_within_its_bound_evicting_the_least_recently_used():
    body = b"x" * 1000
    size = Rendered(body, "text/turtle").size
    cache = RenderCache(max_bytes=10 * size)
    for n in range(25):
        cache.put(("r", n), Rendered(body, "text/turtle"))
        assert cache.bytes <= cache.max_bytes
        if n == 5:
            assert cache.get(("r", 0)) is not None  # used: kept past the others of its age
    assert len(cache) == 10 and cache.bytes == 10 * size
    assert cache.get(("r", 0)) is None and cache.get(("r", 1)) is None
    assert cache.get(("r", 24)) is not None
    assert cache.stats.evictions == 15
    cache.put("huge", Rendered(b"y" * (11 * size), "text/turtle"))  # larger than the cache: not kept
    assert cache.get("huge") is None and cache.bytes == 10 * size
    assert ENTRY_OVERHEAD > 0


def test_the_server_cache_is_bounded_in_bytes(engine_store):
    client, _ = make_client(engine_store, linked_data_cache=0.02)  # 20 KiB: a few pages
    cache = cache_of(client)
    for path, headers in representations():
        assert client.get(path, headers=headers).status_code == 200
        assert cache.bytes <= cache.max_bytes
    assert cache.stats.evictions > 0


def test_a_server_prepares_its_site_before_the_first_page(engine_store):
    """The vocabulary, the JSON-LD context and every template are read at start, not by a visitor."""
    from spacecoop.web.app import create_app
    from spacecoop.web.settings import Settings

    class Pages:  # the store's queries, without its engines' start and stop (the fixture's, shared)
        def __init__(self, store):
            self.release_id, self.select, self.construct, self.counts = (
                store.release_id, store.select, store.construct, store.counts)

    dist, store = engine_store
    app = create_app(Settings(dist=dist), Pages(store))
    site = app.state.site
    assert "vocabulary" not in site.__dict__ and not site.templates.cache
    with TestClient(app):  # runs the lifespan: the server's start
        assert "vocabulary" in site.__dict__ and "context" in site.__dict__
        assert len(site.templates.cache) == len(site.templates.list_templates(extensions=["html"])) > 5
