"""Source pages: what the sources graph states about a document, and its text with evidence on demand.

The article is shown unmarked; `?highlight={resource}` marks the quotes
supporting that resource (the first anchored `#highlight`), `?highlight=all`
every quote. A well-formed resource the document quotes nothing about is
ignored with a message (a link from another release or a typo still reaches
the article, and the page says why nothing is marked); a value that cannot
name a resource at all is a 400.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, XSD
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    ESA,
    SOURCE_A,
    SOURCE_B,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.iris import SCO
from spacecoop.web.pages.baseiri import IriMap
from spacecoop.web.pages.documents import document_facts
from spacecoop.web.pages.resource_view import ViewBuilder
from spacecoop.web.pages.vocabulary import Vocabulary

BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
BASE = "https://w3id.org/spacecoop/"


def html_of(client, source: str = SOURCE_A, **params: str) -> str:
    response = client.get(f"/source/{source}", params=params, headers={"Accept": BROWSER})
    assert response.status_code == 200, response.text[:300]
    return response.text


def marked(html: str) -> list[tuple[str, str]]:
    """(annotations, text) of every mark in the article."""
    text = html.split('<section id="text">', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<mark class="quote[^"]*" data-annotations="([^"]*)"[^>]*>(.*?)</mark>', text)


def test_the_page_shows_what_the_sources_graph_states_and_nothing_more(client):
    html = html_of(client)
    assert "<h1>Agencies sign an agreement</h1>" in html
    assert '<time class="issued" datetime="2020-01-03">2020-01-03</time>' in html
    assert "<dt>Publisher</dt>" not in html  # the fixture's sources graph names no publisher
    assert 'class="original"' not in html  # nor an address of the original


def test_file_details_are_collapsed_under_technical_details(client):
    html = html_of(client)
    details = re.search(r'<details id="technical">(.*?)</details>', html, re.S)
    assert details and "<summary>Technical details</summary>" in details.group(1)
    assert "SHA-256" in details.group(1) and "body start" in details.group(1)
    outside = html.replace(details.group(0), "")
    assert "SHA-256" not in outside and "body start" not in outside


def test_no_quote_is_highlighted_by_default_but_every_quote_is_anchored(client):
    html = html_of(client)
    assert marked(html) == []
    assert 'id="ev-000-agreement"' in html and 'id="ev-000-esa"' in html
    assert f'href="{client.base_url}/source/{SOURCE_A}?highlight=all"' in html  # the toggle


@pytest.mark.parametrize("value", ["agency/esa", "id/agency/esa", ESA, "esa"])
def test_highlight_marks_only_the_quotes_of_that_resource(client, value):
    html = html_of(client, highlight=value)
    assert marked(html) == [(f"{BASE}id/evidence/000-esa", "ESA signed")]
    assert html.index('id="highlight"') < html.index("<mark")  # the first one is anchored
    assert f'href="{client.base_url}/source/{SOURCE_A}?highlight=all"' in html


def test_highlight_by_this_servers_address_of_the_resource(client):
    html = html_of(client, highlight=f"{client.base_url}/id/agreement/cnsa-esa-2020")
    assert {annotations for annotations, _ in marked(html)} == {f"{BASE}id/evidence/000-agreement"}
    assert "".join(text for _, text in marked(html)) == "CNSA and ESA signed a cooperation agreement on 2 January 2020"
    assert AGREEMENT.endswith("cnsa-esa-2020")


def test_highlight_all_marks_every_quote(client):
    html = html_of(client, highlight="all")
    annotations = {a for joined, _ in marked(html) for a in joined.split()}
    assert annotations == {f"{BASE}id/evidence/000-agreement", f"{BASE}id/evidence/000-esa"}
    assert f'href="{client.base_url}/source/{SOURCE_A}"' in html  # hide the highlighting


@pytest.mark.parametrize("value", ["mission/shenzhou-15", "agency/nothing", "nothing"])
def test_a_resource_this_document_does_not_support_is_ignored_with_a_message(client, value):
    html = html_of(client, highlight=value)
    assert marked(html) == []
    assert re.search(r'<p class="notice" role="status">.*is not supported by any quote in this document', html)


@pytest.mark.parametrize("value", ["agency/<b>", "x" * 501 + "/y", "http://exa mple.org/a"])
def test_a_value_that_cannot_name_a_resource_is_a_400(client, value):
    response = client.get(f"/source/{SOURCE_A}", params={"highlight": value}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "highlight" in response.json()["detail"]


def test_the_evidence_list_offers_highlighting_per_resource(client):
    html = html_of(client, SOURCE_B)
    assert f'href="{client.base_url}/source/{SOURCE_B}?highlight=mission/shenzhou-15#ev-001-crew"' in html


def _builder() -> ViewBuilder:
    return ViewBuilder(Vocabulary(Graph()), IriMap(BASE, "http://test/"), ["en"])


def test_document_facts_give_publisher_dates_and_original_where_stated():
    node, publisher = URIRef(f"{BASE}id/source/x"), URIRef(f"{BASE}id/organization/daily")
    graph = Graph()
    graph.add((node, DCTERMS.title, Literal("A title", lang="en")))
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDFS.label, Literal("The Daily", lang="en")))
    graph.add((node, DCTERMS.issued, Literal("2024-05-06", datatype=XSD.date)))
    graph.add((node, URIRef("https://schema.org/url"), URIRef("https://news.example/a")))
    graph.add((node, SCO.sha256, Literal("ab" * 32)))
    facts = document_facts(_builder(), graph, node)
    assert facts.title == "A title" and facts.issued == "2024-05-06"
    assert [(p.label, p.href) for p in facts.publishers] == [("The Daily", "http://test/id/organization/daily")]
    assert facts.original == "https://news.example/a"
    assert [row.iri for row in facts.technical] == [str(SCO.sha256)]


def test_document_facts_invent_nothing():
    node = URIRef(f"{BASE}id/source/y")
    graph = Graph()
    graph.add((node, RDFS.label, Literal("Only a label", lang="en")))
    graph.add((node, URIRef("https://schema.org/url"), Literal("not an address")))
    facts = document_facts(_builder(), graph, node)
    assert facts.title == "Only a label"
    stated = (facts.publishers, facts.creators, facts.issued, facts.modified, facts.original)
    assert stated == ([], [], None, None, None)
