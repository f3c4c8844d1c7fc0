"""Pages in a real headless browser (Debian chromium driven by chromedriver over plain WebDriver HTTP).

Loads the home page, a resource page whose label contains markup, and the
query page; runs an example query (sent to /sparql by the page's script,
without reloading) and reads the result table.
"""

from __future__ import annotations

import pytest
from support.browser import browser  # noqa: F401  (fixture)
from support.pages import (  # noqa: F401  (fixtures)
    CNSA,
    ESA,
    MARKUP_LABEL,
    fixture_release,
    fixture_server,
)

pytestmark = pytest.mark.browser

# The query page's SPARQL editor (YASGUI's Yasqe) in place of the textarea, once its script has run.
EDITOR = "document.getElementById('yasqe').yasqe"
EDITOR_READY = "return document.querySelector('#results')?.getAttribute('data-editor') === 'ready'"


def test_home_page_in_a_browser(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    assert browser.run("return document.title")
    assert browser.run("return document.querySelectorAll('#classes a[href$=\"/class/Agency\"]').length") == 1
    dataset = browser.run("return JSON.parse("
                          "document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert dataset["@type"] == "Dataset"
    # nothing was fetched from another host
    hosts = browser.run("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(hosts) <= {fixture_server.url.split("//")[1]}


def test_resource_page_shows_markup_in_a_label_as_text(browser, fixture_server):
    browser.go(fixture_server.url + "/id/agency/esa")
    assert browser.text("h1 .label") == MARKUP_LABEL
    assert browser.run("return document.querySelectorAll('main b').length") == 0
    # the page's own scripts only: the site's files, and the pictures' JSON configuration
    scripts = browser.run("return [...document.querySelectorAll('main script')].map(s => [s.src, s.type])")
    assert all(src.startswith(fixture_server.url + "/static/") or (not src and kind == "application/json")
               for src, kind in scripts), scripts
    assert browser.run("return window.__esa_alerted === undefined")
    evidence = browser.run("return document.querySelector('#evidence mark').textContent")
    assert evidence == "ESA signed"
    alternates = browser.run("return [...document.querySelectorAll('link[rel=alternate]')].map(l => l.type)")
    assert {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"} <= set(alternates)


def test_agreement_page_links_its_parties(browser, fixture_server):
    browser.go(fixture_server.url + "/id/agreement/cnsa-esa-2020")
    parties = browser.run("return [...document.querySelectorAll('dl.headline a')].map(a => a.href)")
    assert fixture_server.url + "/id/agency/cnsa" in parties


def test_query_page_runs_an_example_without_reloading(browser, fixture_server):
    browser.go(fixture_server.url + "/query")
    browser.run("window.__notReloaded = true")
    browser.click('a.example[data-name="cq01-agreement-parties"]')
    browser.wait_for("return document.querySelector('#results')?.getAttribute('data-state') === 'done'")
    assert browser.run("return window.__notReloaded === true"), "the page reloaded"
    error = browser.run("return document.querySelector('#query-error')?.textContent || null")
    assert error is None, error
    rows = browser.run(
        "return [...document.querySelectorAll('#results-table tbody tr')].map("
        "tr => [...tr.querySelectorAll('td a')].map(a => [a.textContent, a.getAttribute('href')]))")
    assert rows == [[["China National Space Administration", fixture_server.url + "/id/agency/cnsa"]],
                    [[MARKUP_LABEL, fixture_server.url + "/id/agency/esa"]]]
    downloads = browser.run("return [...document.querySelectorAll('#results .downloads a')].map(a => a.textContent)")
    assert downloads == ["JSON", "XML", "CSV", "TSV"]
    assert browser.run("return document.querySelectorAll('main b, #results script').length") == 0


def test_query_page_shows_the_answer_on_screen_whichever_example_ran(browser, fixture_server):
    """A long list of examples (the real release has 82) does not push the answer out of view."""
    browser.go(fixture_server.url + "/query")
    browser.run("var list = document.querySelector('#examples ol');"
                "for (var i = 0; i < 200; i++) { var li = document.createElement('li');"
                " li.textContent = 'padding ' + i; list.appendChild(li); }")
    browser.run("var link = document.querySelector('a.example[data-name=\"cq01-agreement-parties\"]');"
                "link.scrollIntoView({block: 'center'}); link.click();")
    browser.wait_for("return document.querySelector('#results')?.getAttribute('data-state') === 'done'")
    top = browser.run("return document.querySelector('#results-table').getBoundingClientRect().top")
    height = browser.run("return window.innerHeight")
    browser.screenshot("query-page-answer")
    assert 0 <= top < height, f"the answer starts at {top} px in a {height} px window"


def test_query_page_form_runs_a_typed_query(browser, fixture_server):
    browser.go(fixture_server.url + "/query")
    browser.wait_for(EDITOR_READY)
    browser.run(f"window.__notReloaded = true; {EDITOR}.setValue(arguments[0])",
                "ASK { GRAPH ?g { ?s a <https://w3id.org/spacecoop/ontology#Agreement> } }")
    browser.click("#run")
    browser.wait_for("return document.querySelector('#results')?.getAttribute('data-state') === 'done'")
    assert browser.run("return window.__notReloaded === true")
    assert browser.text("#boolean-result") == "yes (true)"


def test_query_page_draws_a_construct_answer_as_triples(browser, fixture_server):
    browser.go(fixture_server.url + "/query")
    browser.wait_for(EDITOR_READY)
    browser.run(f"{EDITOR}.setValue(arguments[0])",
                "CONSTRUCT { ?m <https://w3id.org/spacecoop/ontology#crewMember> ?p } "
                "WHERE { GRAPH ?g { ?m <https://w3id.org/spacecoop/ontology#crewMember> ?p } }")
    browser.click("#run")
    browser.wait_for("return document.querySelector('#results')?.getAttribute('data-state') === 'done'")
    headers = browser.run("return [...document.querySelectorAll('#results-table th')].map(th => th.textContent)")
    assert headers == ["subject", "predicate", "object"]
    cells = browser.run("return [...document.querySelectorAll('#results-table tbody td')]"
                        ".map(td => td.textContent.trim())")
    assert cells[0].startswith("Shenzhou-15") and cells[2].startswith("Fei Junlong")
    downloads = browser.run("return [...document.querySelectorAll('#results .downloads a')].map(a => a.textContent)")
    assert downloads == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML"]
