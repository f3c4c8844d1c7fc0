"""The query page's editor without a browser, and `/sparql` for browsers.

- the vendored YASGUI is served, with its licence and provenance, and no source map;
- the page configures the editor from itself (endpoint, predeclared prefixes, the vocabulary's
  classes and properties, download formats) and loads nothing from another host;
- without JavaScript the form still posts to /query, and the filter box (useless then) is hidden;
- the examples are grouped by source document, dated and titled;
- `/sparql` in a browser: without a query the query page with the endpoint's facts and links to
  its RDF description; with a query the page with the answer as `/query?query=…` has it; with
  `format`/`output`, dataset parameters or a non-HTML Accept, the protocol's answer unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    BASE,
    CNSA,
    ESA,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.store.prefixes import DEFAULT
from spacecoop.web.pages.query import OTHER_EXAMPLES, Example, group_examples
from spacecoop.web.pages.site import STATIC_DIR

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
VENDOR = STATIC_DIR / "vendor" / "yasgui"
PARTIES = f"SELECT ?party WHERE {{ GRAPH ?g {{ <{AGREEMENT}> <{BASE}ontology#party> ?party }} }} ORDER BY ?party"


class Page(HTMLParser):
    """The start tags of a page, and the text of its `#results` section and of its editor configuration."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)
        found = re.search(r'<script type="application/json" id="editor-config">(.*?)</script>', text, re.S)
        self.config = json.loads(found.group(1)) if found else None
        results = re.search(r'<section id="results"[^>]*>(.*?)</section>', text, re.S)
        self.results = results.group(1) if results else None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def having(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def loaded(self) -> list[str]:
        """What the browser fetches to show the page: stylesheets and scripts."""
        return [a["href"] for t, a in self.tags if t == "link" and a.get("rel") == "stylesheet"] + [
            a["src"] for t, a in self.tags if t == "script" and "src" in a]


def base_of(client) -> str:
    return str(client.base_url).rstrip("/") + "/"


# ---------------------------------------------------------------------------
# The vendored editor
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "media_type"), [("yasgui.min.js", "text/javascript"),
                                                  ("yasgui.min.css", "text/css")])
def test_the_vendored_editor_is_served(client, name, media_type):
    response = client.get(f"/static/vendor/yasgui/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.content == (VENDOR / name).read_bytes()


def test_the_vendored_files_are_the_packages_with_its_licence():
    source = (VENDOR / "SOURCE").read_text(encoding="utf-8")
    assert "npm package: @zazuko/yasgui" in source and "version: 4.6.2" in source
    assert re.search(r"^integrity: sha512-[A-Za-z0-9+/=]{88}$", source, re.M)
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"-> {name} {digest}" in source, f"{name} is not the file SOURCE names"
    licence = (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert "MIT" in licence and "Triply" in licence and "Zazuko GmbH" in licence
    assert sorted(p.name for p in VENDOR.iterdir()) == ["LICENSE", "SOURCE", "yasgui.min.css", "yasgui.min.js"]


# ---------------------------------------------------------------------------
# The page: the editor's configuration, and the page without JavaScript
# ---------------------------------------------------------------------------


def test_the_page_configures_the_editor_from_itself(client):
    base = base_of(client)
    page = Page(client.get("/query", headers={"Accept": BROWSER}).text)
    config = page.config
    assert config["endpoint"] == base + "sparql"
    assert config["prefixes"]["sco"] == BASE + "ontology#"
    assert set(DEFAULT) <= set(config["prefixes"])
    assert BASE + "ontology#Agreement" in config["classes"]
    assert {BASE + "ontology#party", BASE + "ontology#crewMember"} <= set(config["properties"])
    assert not set(config["classes"]) & set(config["properties"])
    assert [label for label, _ in config["downloads"]["results"]] == ["JSON", "XML", "CSV", "TSV"]
    assert [label for label, _ in config["downloads"]["graph"]] == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML"]


@pytest.mark.parametrize("path", ["/query", "/sparql"])
def test_the_page_loads_nothing_from_another_host(client, path):
    base = base_of(client)
    page = Page(client.get(path, headers={"Accept": BROWSER}).text)
    loaded = page.loaded()
    assert base + "static/vendor/yasgui/yasgui.min.js" in loaded and base + "static/query.js" in loaded
    assert all(url.startswith(base) for url in loaded), loaded


def test_without_javascript_the_form_posts_to_query(client):
    base = base_of(client)
    page = Page(client.get("/query", headers={"Accept": BROWSER}).text)
    [form] = page.having("form", id="query-form")
    assert (form["method"], form["action"]) == ("post", base + "query")
    assert page.having("textarea", name="query", id="query")
    [filter_box] = page.having("p", **{"class": "example-filter"})
    assert "hidden" in filter_box  # shown by the script, which makes it work
    answer = client.post("/query", data={"query": PARTIES}, headers={"Accept": BROWSER})
    assert answer.status_code == 200
    assert f'href="{base}id/agency/cnsa"' in Page(answer.text).results


def test_examples_without_a_source_are_listed_as_others(client):
    text = client.get("/query", headers={"Accept": BROWSER}).text
    assert text.count('class="example-group"') == 1
    assert f"<h3>{OTHER_EXAMPLES}</h3>" in text
    assert len(re.findall(r'<a class="example', text)) == 3


def example(name: str, source: str | None) -> Example:
    return Example(name=name, iri=BASE + "id/query/" + name, comment=name, query="ASK {}", url="", href="",
                   source=source)


def test_examples_are_grouped_by_source_document_by_date():
    a, b, c = (BASE + f"id/source/00{i}_x" for i in range(3))
    listed = [example("q1", b), example("q2", None), example("q3", a), example("q4", b), example("q5", c)]
    facts = {a: ("Later article", "2024-05-01"), b: ("Earlier article", "2020-01-03"), c: (None, None)}
    groups = group_examples(listed, facts, lambda iri: "/page/" + iri.rsplit("/", 1)[-1])
    assert [(g.title, g.issued, g.href, [e.name for e in g.examples]) for g in groups] == [
        ("002_x", None, "/page/002_x", ["q5"]),  # no date, no title: its id
        ("Earlier article", "2020-01-03", "/page/001_x", ["q1", "q4"]),
        ("Later article", "2024-05-01", "/page/000_x", ["q3"]),
        (OTHER_EXAMPLES, None, None, ["q2"]),
    ]


# ---------------------------------------------------------------------------
# /sparql in a browser
# ---------------------------------------------------------------------------


def test_sparql_without_a_query_is_the_query_page_for_a_browser(client):
    base = base_of(client)
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["vary"] == "Accept, Accept-Language, Cookie"
    page = Page(response.text)
    assert page.having("form", id="query-form") and page.config["endpoint"] == base + "sparql"
    assert page.having("header", **{"class": "site"})
    descriptions = re.search(r'<p class="descriptions">(.*?)</p>', response.text, re.S).group(1)
    assert f'<a href="{base}sparql?format=ttl" type="text/turtle">Turtle</a>' in descriptions
    again = client.get("/sparql", headers={"Accept": BROWSER, "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_the_page_links_to_the_description_in_rdf(client):
    response = client.get("/sparql", params={"format": "ttl"}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert "sd:Service" in response.text or "service-description#Service" in response.text


def test_sparql_with_a_query_is_the_answer_on_the_page_for_a_browser(client):
    base = base_of(client)
    response = client.get("/sparql", params={"query": PARTIES}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in response.headers["vary"].split(",")}
    page = Page(response.text)
    assert page.having("textarea", id="query")
    assert PARTIES.replace('"', "&#34;").replace("<", "&lt;").replace(">", "&gt;") in response.text
    assert f'href="{base}id/agency/cnsa"' in page.results and f'href="{base}id/agency/esa"' in page.results
    same = client.get("/query", params={"query": PARTIES}, headers={"Accept": BROWSER})
    assert page.results == Page(same.text).results  # exactly what /query?query=… shows


def test_a_browsers_form_post_to_sparql_is_the_page_too(client):
    response = client.post("/sparql", data={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<p class="boolean" id="boolean-result">yes (true)</p>' in response.text


@pytest.mark.parametrize(("params", "accept", "media_type"), [
    ({"format": "xml"}, BROWSER, "application/sparql-results+xml"),
    ({"output": "json"}, BROWSER, "application/sparql-results+json"),
    ({"format": "csv"}, BROWSER, "text/csv"),
    ({}, "application/sparql-results+json", "application/sparql-results+json"),
    ({}, "*/*", "application/sparql-results+json"),
    ({}, "text/html, application/sparql-results+json", "application/sparql-results+json"),  # a tie: data
    ({"default-graph-uri": BASE + "graph/sources"}, BROWSER, "application/sparql-results+xml"),
])
def test_the_protocol_is_unchanged_for_everyone_else(client, params, accept, media_type):
    response = client.get("/sparql", params={"query": PARTIES, **params}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]


def test_a_construct_with_a_browsers_accept_is_the_page(client):
    query = (f"CONSTRUCT {{ ?p a <{BASE}ontology#Party> }} "
             f"WHERE {{ GRAPH ?g {{ <{AGREEMENT}> <{BASE}ontology#party> ?p }} }}")
    response = client.get("/sparql", params={"query": query}, headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html")
    results = Page(response.text).results
    assert "Turtle" in results and results.count("<tr>") == 3  # the header and two triples
    rdf = client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    assert rdf.headers["content-type"].startswith("text/turtle")


def test_a_query_the_store_refuses_is_the_protocols_error_page(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p"}, headers={"Accept": BROWSER})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "Malformed query" in response.text

