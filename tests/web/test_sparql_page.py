"""The SPARQL endpoint's page for browsers: the query page, its links at the client's address.

GET /sparql without a query gives a browser the query page (`query.html`) in the
site's layout (stylesheets, navigation, the editor's script), with the query
form, and the endpoint's facts: the named graphs, the union note, the limits
and links to the service description in each RDF format, every link built from
the proxy-aware base and every string from the data escaped. RDF clients get
the same description whatever address they used. An application without the
site, or whose site cannot render the page, answers with `sparql.html`, the
description's own page, on its own.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from rdflib import Graph
from starlette.testclient import TestClient
from support.graphs import isomorphic
from support.pages import BASE, SOURCE_A, SOURCE_B, client, fixture_release, fixture_server  # noqa: F401  (fixtures)
from support.stand_in import StandInStore

from spacecoop.web.app import create_app
from spacecoop.web.settings import Settings
from spacecoop.web.sparql.service_description import UNION_NOTE

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lod.example.org", "X-Forwarded-Prefix": "/spacecoop"}
PROXY_BASE = "https://lod.example.org/spacecoop/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NAV = ("", "ontology", "query", "sparql", "dumps/", "void", "catalog")
FORMAT_LINKS = {"sparql?format=ttl": "Turtle", "sparql?format=nt": "N-Triples", "sparql?format=jsonld": "JSON-LD",
                "sparql?format=rdf": "RDF/XML"}
FORM_FORMATS = [("", "from the Accept header"), ("json", "SPARQL JSON / JSON-LD"), ("xml", "SPARQL XML / RDF/XML"),
                ("csv", "CSV"), ("tsv", "TSV"), ("ttl", "Turtle"), ("nt", "N-Triples")]
MARKUP_GRAPH = BASE + 'graph/<b>bold</b>&"quoted"'


class Tags(HTMLParser):
    """The start tags of a page with their attributes, and the text inside `a` and `option` elements."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[int, list[str]] = {}  # index of the start tag -> its text
        self._open: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("a", "option"):
            self._open.append(len(self.tags) - 1)
            self.texts[len(self.tags) - 1] = []

    def handle_endtag(self, tag):
        if tag in ("a", "option") and self._open:
            self._open.pop()

    def handle_data(self, data):
        for index in self._open:
            self.texts[index].append(data)

    def text(self, index: int) -> str:
        return "".join(self.texts.get(index, []))

    def stylesheets(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "link" and a.get("rel") == "stylesheet"]

    def hrefs(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "a" and "href" in a]

    def links(self) -> dict[str, str]:
        """Link text by address."""
        return {a["href"]: self.text(i) for i, (t, a) in enumerate(self.tags) if t == "a" and "href" in a}

    def alternates(self) -> dict[str, str]:
        return {a["href"]: a["type"] for t, a in self.tags if t == "link" and a.get("rel") == "alternate"}

    def forms(self) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == "form"]

    def options(self) -> list[tuple[str, str]]:
        return [(a["value"], self.text(i)) for i, (t, a) in enumerate(self.tags) if t == "option"]


def assert_description_links(response, page: Tags, base: str) -> None:
    """Every link at `base`; the description in each RDF format linked, and its `<link rel=alternate>`."""
    assert {base + path for path in NAV} <= set(page.hrefs())
    assert all(href.startswith(base) for href in page.hrefs())
    assert {base + path: label for path, label in FORMAT_LINKS.items()}.items() <= page.links().items()
    assert set(page.alternates()) == {base + path for path in FORMAT_LINKS}
    assert f"<code>{base}sparql</code>" in response.text


def assert_site_page(response, base: str) -> Tags:
    """The query page in the site's layout with the endpoint's facts, every link at `base`."""
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Tags(response.text)
    assert page.stylesheets() == [base + "static/style.css", base + "static/vendor/yasgui/yasgui.min.css",
                                  base + "static/query.css"]
    assert [a["src"] for t, a in page.tags if t == "script" and "src" in a] == [
        base + "static/vendor/yasgui/yasgui.min.js", base + "static/query.js"]
    assert_description_links(response, page, base)
    query_forms = [f for f in page.forms() if f.get("id") == "query-form"]
    assert [(f["method"], f["action"], f["data-sparql"]) for f in query_forms] == [
        ("post", base + "query", base + "sparql")]
    assert 'id="endpoint"' in response.text and "<h1>SPARQL endpoint</h1>" in response.text
    return page


def assert_standalone_page(response, base: str) -> Tags:
    """The service description's own page (`sparql.html`): its form and format options, every link at `base`."""
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Tags(response.text)
    assert page.stylesheets() == [base + "static/style.css"]
    assert_description_links(response, page, base)
    assert {"method": "get", "action": base + "sparql"} in page.forms()
    assert page.options() == FORM_FORMATS
    return page


# ---------------------------------------------------------------------------
# On a server process, behind a proxy and not
# ---------------------------------------------------------------------------


def test_the_page_is_the_sites_with_links_at_the_proxys_address(client):
    response = client.get("/sparql", headers={"Accept": BROWSER, **FORWARDED})
    page = assert_site_page(response, PROXY_BASE)
    links = page.links()
    assert links[PROXY_BASE + f"graph/{SOURCE_A}"] == BASE + f"graph/{SOURCE_A}"
    assert links[PROXY_BASE + f"graph/{SOURCE_B}"] == BASE + f"graph/{SOURCE_B}"
    assert links[PROXY_BASE + "void"] == "https://w3id.org/spacecoop/void#dataset"
    assert UNION_NOTE in response.text
    assert "Read-only: SPARQL Update, LOAD and SERVICE are refused." in response.text


def test_without_a_proxy_the_links_are_the_servers(client):
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert_site_page(response, str(client.base_url).rstrip("/") + "/")


def test_the_page_keeps_the_descriptions_headers(client):
    response = client.get("/sparql", headers={"Accept": BROWSER, **FORWARDED})
    assert response.headers["vary"] == "Accept, Accept-Language, Cookie"  # the page speaks the client's language
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["access-control-allow-origin"] == "*"
    again = client.get("/sparql", headers={"Accept": BROWSER, "If-None-Match": response.headers["etag"], **FORWARDED})
    assert again.status_code == 304 and again.content == b""


def test_a_page_seen_at_another_address_is_another_entity(client):
    """The page's links depend on the address the client sees, so its validator does too."""
    behind = client.get("/sparql", headers={"Accept": BROWSER, **FORWARDED})
    direct = client.get("/sparql", headers={"Accept": BROWSER, "If-None-Match": behind.headers["etag"]})
    assert direct.status_code == 200 and direct.headers["etag"] != behind.headers["etag"]


def test_the_page_in_another_language_is_another_entity(client):
    """The page speaks the client's language, so its validator names the language."""
    english = client.get("/sparql", headers={"Accept": BROWSER, "Accept-Language": "en"})
    chinese = client.get("/sparql", headers={"Accept": BROWSER, "Accept-Language": "zh-CN",
                                             "If-None-Match": english.headers["etag"]})
    assert chinese.status_code == 200 and chinese.headers["etag"] != english.headers["etag"]
    assert "关于此端点" in chinese.text and "只读" in chinese.text
    assert "Read-only" in english.text and "Read-only" not in chinese.text


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json"])
def test_rdf_clients_get_the_same_description_at_any_address(client, accept):
    direct = client.get("/sparql", headers={"Accept": accept})
    proxied = client.get("/sparql", headers={"Accept": accept, **FORWARDED})
    assert direct.status_code == proxied.status_code == 200
    assert direct.headers["content-type"].startswith(accept) and proxied.headers["vary"] == "Accept"
    syntax = {"text/turtle": "turtle", "application/ld+json": "json-ld"}[accept]
    assert isomorphic(Graph().parse(data=direct.text, format=syntax), Graph().parse(data=proxied.text, format=syntax))
    assert "lod.example.org" not in proxied.text


# ---------------------------------------------------------------------------
# In-process: text from the data, and the page without the site
# ---------------------------------------------------------------------------


class MarkupGraphs(StandInStore):
    """A store whose graph names hold markup: one in the dataset's space, one outside it."""

    def counts(self) -> dict[str, int]:
        return {MARKUP_GRAPH: 3, "urn:x:<i>outside</i>": 1}


@pytest.fixture
def app(tmp_path):
    return create_app(replace(Settings(), dist=tmp_path, forwarded_allow_ips="*"), MarkupGraphs())


def test_graph_names_are_escaped(app):
    with TestClient(app) as http:
        response = http.get("/sparql", headers={"Accept": BROWSER, **FORWARDED})
    page = assert_site_page(response, PROXY_BASE)
    assert "<b>" not in response.text and "<i>" not in response.text
    assert "<code>https://w3id.org/spacecoop/graph/&lt;b&gt;bold&lt;/b&gt;&amp;&#34;quoted&#34;</code>" in response.text
    assert "<code>urn:x:&lt;i&gt;outside&lt;/i&gt;</code>" in response.text
    assert page.links()[PROXY_BASE + 'graph/<b>bold</b>&"quoted"'] == MARKUP_GRAPH
    assert not any("urn:x" in href for href in page.hrefs())  # a name outside the dataset has no page here


def test_a_site_whose_templates_fail_answers_with_the_page_on_its_own(app, monkeypatch, caplog):
    def broken(name, *args, **kwargs):
        raise RuntimeError(f"cannot load {name}")

    monkeypatch.setattr(app.state.site.templates, "get_template", broken)
    with caplog.at_level(logging.ERROR, logger="spacecoop.web"), TestClient(app) as http:
        response = http.get("/sparql", headers={"Accept": BROWSER, **FORWARDED})
    page = assert_standalone_page(response, PROXY_BASE)
    assert "<code>https://w3id.org/spacecoop/graph/&lt;b&gt;bold&lt;/b&gt;&amp;&#34;quoted&#34;</code>" in response.text
    assert not any("/graph/" in href for href in page.hrefs())  # the graphs' pages are the site's
    messages = [record.getMessage() for record in caplog.records]
    assert "the query page could not be rendered for the SPARQL endpoint" in messages
    assert any("could not be rendered with the site's templates" in message for message in messages)


def test_an_app_without_the_site_answers_with_the_page_on_its_own(app):
    del app.state.site
    with TestClient(app) as http:
        response = http.get("/sparql", headers={"Accept": BROWSER, "X-Forwarded-Prefix": "/behind"})
    assert_standalone_page(response, "http://testserver/behind/")
    assert "&lt;i&gt;outside&lt;/i&gt;" in response.text
