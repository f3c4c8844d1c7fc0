"""Error pages for browsers: the site's template, with its stylesheet and links at the client's address.

A browser (Accept: text/html) gets the HTML twin of the problem+json answer:
`error.html` in the site's layout, every link built from the proxy-aware base,
the detail escaped. An application without the site, or a site whose
templates fail, answers with the standalone page.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient
from support.pages import client, fixture_release, fixture_server  # noqa: F401  (fixtures)
from support.stand_in import StandInStore

from spacecoop.web.app import create_app
from spacecoop.web.http import problems as errors
from spacecoop.web.settings import Settings

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lod.example.org", "X-Forwarded-Prefix": "/spacecoop"}
PROXY_BASE = "https://lod.example.org/spacecoop/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SELECT = "SELECT * WHERE { ?s ?p ?o }"


class Tags(HTMLParser):
    """The start tags of a page with their attributes, and the text of its `h1`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.h1: list[str] = []
        self._in_h1 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1.append(data)

    def stylesheets(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "link" and a.get("rel") == "stylesheet"]

    def hrefs(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "a" and "href" in a]


def assert_site_error_page(response, status: int, title: str, base: str = PROXY_BASE) -> Tags:
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["vary"] == "Accept"
    assert response.headers["access-control-allow-origin"] == "*"
    page = Tags(response.text)
    assert "".join(page.h1) == f"{status} {title}"
    assert page.stylesheets() == [base + "static/style.css"]
    assert {base, base + "sparql", base + "ontology", base + "dumps/"} <= set(page.hrefs())
    assert all(h.startswith(base) for h in page.hrefs())
    return page


def problem_of(client, path: str, params: dict[str, str], accept: str = "application/json") -> dict:
    response = client.get(path, params=params, headers={"Accept": accept, **FORWARDED})
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


# ---------------------------------------------------------------------------
# Behind a proxy, on a server process
# ---------------------------------------------------------------------------


def test_an_unknown_resource_is_a_404_page_of_the_site(client):
    response = client.get("/id/agency/nothing", headers={"Accept": BROWSER, **FORWARDED})
    assert_site_error_page(response, 404, "Not Found")
    detail = problem_of(client, "/id/agency/nothing", {})["detail"]
    assert detail == "there is no resource <https://w3id.org/spacecoop/id/agency/nothing> in this dataset"
    assert "there is no resource &lt;https://w3id.org/spacecoop/id/agency/nothing&gt; in this dataset" in response.text


def test_an_unknown_format_is_a_406_page_with_the_detail_escaped(client):
    params = {"query": SELECT, "format": "<b>bold</b>"}
    response = client.get("/sparql", params=params, headers={"Accept": "text/html", **FORWARDED})
    assert_site_error_page(response, 406, "Not Acceptable")
    assert "<b>bold</b>" not in response.text
    escaped = "format=&#39;&lt;b&gt;bold&lt;/b&gt;&#39; names no format available for SELECT and ASK queries"
    assert escaped in response.text
    assert problem_of(client, "/sparql", params)["detail"].startswith("format='<b>bold</b>' names no format")


def test_a_malformed_query_is_a_400_page(client):
    params = {"query": "SELECT * WHERE { <a&b> ?p"}
    response = client.get("/sparql", params=params, headers={"Accept": BROWSER, **FORWARDED})
    assert_site_error_page(response, 400, "Malformed query")
    problem = problem_of(client, "/sparql", params)
    assert problem["title"] == "Malformed query" and problem["status"] == 400
    assert problem["detail"].startswith("The query does not parse: ")
    assert "The query does not parse: " in response.text
    assert "<a&b>" not in response.text


def test_without_a_proxy_the_links_are_the_servers(client):
    response = client.get("/no/such/page", headers={"Accept": BROWSER})
    assert_site_error_page(response, 404, "Not Found", base=str(client.base_url).rstrip("/") + "/")
    assert "Nothing is published at /no/such/page. The SPARQL endpoint is /sparql." in response.text


# ---------------------------------------------------------------------------
# In-process: a bug, and the standalone page
# ---------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path) -> Settings:
    return replace(Settings(), dist=tmp_path, forwarded_allow_ips="*")


def test_a_bug_is_a_500_page_of_the_site(settings):
    app = create_app(settings, StandInStore(RuntimeError("a <bug>")))
    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.get("/sparql", params={"query": SELECT}, headers={"Accept": BROWSER, **FORWARDED})
    assert_site_error_page(response, 500, "Internal Server Error")
    assert "The server failed to answer; the error has been logged." in response.text
    assert "bug" not in response.text


def test_a_site_whose_templates_fail_answers_with_the_standalone_page(settings, monkeypatch, caplog):
    app = create_app(settings, StandInStore())

    def broken(name, *args, **kwargs):
        raise RuntimeError(f"cannot load {name}")

    monkeypatch.setattr(app.state.site.templates, "get_template", broken)
    with caplog.at_level(logging.ERROR, logger="spacecoop.web"), TestClient(app) as http:
        response = http.get("/no/<such>/page", headers={"Accept": BROWSER, **FORWARDED})
    assert response.status_code == 404
    page = Tags(response.text)
    assert "".join(page.h1) == "404 Not Found"
    assert page.stylesheets() == [PROXY_BASE + "static/style.css"]
    assert set(page.hrefs()) == {PROXY_BASE, PROXY_BASE + "sparql"}
    assert "Nothing is published at /no/&lt;such&gt;/page." in response.text
    assert any("could not be rendered" in record.getMessage() for record in caplog.records)


def test_an_app_without_the_site_answers_with_the_standalone_page():
    async def refuse(request: Request):
        raise errors.bad_request("no <script> here")

    app = Starlette(routes=[Route("/refuse", refuse)], exception_handlers=errors.HANDLERS)
    with TestClient(app) as http:
        response = http.get("/refuse", headers={"Accept": "text/html", "X-Forwarded-Prefix": "/behind"})
        problem = http.get("/refuse", headers={"Accept": "application/json"}).json()
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    page = Tags(response.text)
    assert "".join(page.h1) == "400 Bad Request"
    assert page.stylesheets() == ["http://testserver/behind/static/style.css"]
    assert "no &lt;script&gt; here" in response.text and "<script>" not in response.text
    assert problem == {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "no <script> here"}


def test_a_problem_carries_its_extension_members_and_suggestions_to_both_twins():
    suggestions = [{"href": "/id/agency/<esa>", "label": "European <Space> Agency"}]

    async def refuse(request: Request):
        raise errors.Problem(404, "no such thing", extensions={"suggestions": suggestions, "near": 2,
                                                             "status": 999})

    app = Starlette(routes=[Route("/refuse", refuse)], exception_handlers=errors.HANDLERS)
    with TestClient(app) as http:
        page = http.get("/refuse", headers={"Accept": "text/html"})
        problem = http.get("/refuse", headers={"Accept": "application/json"}).json()
    assert problem == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no such thing",
                       "suggestions": suggestions, "near": 2}  # an extension never replaces a standard member
    assert "Did you mean" in page.text
    assert "/id/agency/<esa>" in Tags(page.text).hrefs()  # escaped in the page, the same address once parsed
    assert "European &lt;Space&gt; Agency" in page.text


def test_a_problem_without_suggestions_shows_no_suggestion_list(settings):
    app = create_app(settings, StandInStore())
    with TestClient(app) as http:
        response = http.get("/no/such/page", headers={"Accept": BROWSER})
    assert response.status_code == 404 and "Did you mean" not in response.text
