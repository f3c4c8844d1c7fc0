"""The query page's SPARQL editor in a real headless browser (YASGUI, vendored under static/vendor/yasgui/).

The editor loads and highlights SPARQL; completion offers the predeclared
prefixes and the vocabulary's terms from the page itself; an example runs and
its answer is in view; the page's address reproduces the query; `/sparql`
opened in the browser is the page (not a download); and no request the page
makes leaves the server's origin.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from support.browser import browser  # noqa: F401  (fixture)
from support.pages import CNSA, ESA, fixture_release, fixture_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

EDITOR = "document.getElementById('yasqe').yasqe"
READY = "return document.querySelector('#results')?.getAttribute('data-editor') === 'ready'"
DONE = "return document.querySelector('#results')?.getAttribute('data-state') === 'done'"
AGREEMENT_PARTIES = ("SELECT ?party WHERE { GRAPH ?g { <https://w3id.org/spacecoop/id/agreement/cnsa-esa-2020> "
                     "<https://w3id.org/spacecoop/ontology#party> ?party } } ORDER BY ?party")


def open_editor(browser, url: str) -> None:
    browser.go(url)
    browser.wait_for(READY)


def other_origins(browser, origin: str) -> list[str]:
    """Every resource the page has asked for that is not at `origin`."""
    names = browser.run("return performance.getEntriesByType('resource').map(e => e.name)")
    return [name for name in names if not name.startswith(origin + "/")]


def hints(browser) -> list[str]:
    browser.wait_for("return document.querySelectorAll('.CodeMirror-hints li').length > 0")
    return browser.run("return [...document.querySelectorAll('.CodeMirror-hints li')].map(li => li.textContent)")


def complete(browser, text: str) -> list[str]:
    """The suggestions for `text` typed into an empty editor, the cursor at its end."""
    browser.run(f"var e = {EDITOR}; e.setValue(arguments[0]); e.focus(); e.setCursor(e.lastLine(), 1e6);"
                " e.autocomplete();", text)
    return hints(browser)


def test_the_editor_loads_and_highlights_sparql(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/query")
    assert browser.run("return !!document.querySelector('#yasqe .CodeMirror')")
    assert browser.run("return document.getElementById('query').hidden")  # the editor replaces the textarea
    keywords = browser.run("return [...document.querySelectorAll('#yasqe .cm-keyword')].map(s => s.textContent)")
    assert "SELECT" in keywords
    assert browser.run(f"return {EDITOR}.getValue()") == browser.run("return document.getElementById('query').value")


def test_prefix_completion_offers_the_predeclared_prefixes(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/query")
    suggestions = complete(browser, "PREFIX s")
    assert "sco: <https://w3id.org/spacecoop/ontology#>" in suggestions
    assert all(s.startswith("s") for s in suggestions)


def test_completion_offers_the_vocabularys_properties_and_classes_undeclared(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/query")
    assert "sco:crewMember" in complete(browser, "SELECT * WHERE { ?m sco:crew")
    assert "sco:Agreement" in complete(browser, "SELECT * WHERE { ?x a sco:Agr")
    assert other_origins(browser, fixture_server.url) == []


def test_yasqes_own_completers_are_not_used(browser, fixture_server):
    """Yasqe's default completers ask prefix.cc and lov.linkeddata.es; the page's own replace them."""
    open_editor(browser, fixture_server.url + "/query")
    names = browser.run("return document.getElementById('yasqe').yasqe.config.autocompleters")
    assert names == ["site-prefixes", "site-properties", "site-classes", "variables"]
    assert browser.run("return Yasgui.Yasqe.defaults.autocompleters") == names


def test_an_example_runs_and_its_answer_is_in_view(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/query")
    browser.run("window.__notReloaded = true")
    browser.run("var link = document.querySelector('a.example[data-name=\"cq01-agreement-parties\"]');"
                "link.scrollIntoView({block: 'end'}); window.scrollTo(0, document.body.scrollHeight); link.click();")
    browser.wait_for(DONE)
    assert browser.run("return window.__notReloaded === true"), "the page reloaded"
    assert browser.run(f"return {EDITOR}.getValue()").endswith("ORDER BY ?party\n")
    top = browser.run("return document.querySelector('#results-table').getBoundingClientRect().top")
    height = browser.run("return window.innerHeight")
    assert 0 <= top < height, f"the answer starts at {top} px in a {height} px window"
    hrefs = browser.run("return [...document.querySelectorAll('#results-table td a')].map(a => a.getAttribute('href'))")
    assert hrefs == [fixture_server.url + "/id/agency/cnsa", fixture_server.url + "/id/agency/esa"]
    views = browser.run("return [...document.querySelectorAll('#yasr .yasr_header button.select_labelled,"
                        " #yasr .yasr_header button.select_table, #yasr .yasr_header button.select_response')]"
                        ".map(b => b.className)")
    assert len(views) == 3, views  # the labelled table, Yasr's table and the raw response
    browser.screenshot("query-editor-answer")
    browser.click("#yasr button.select_table")
    browser.wait_for("return document.querySelectorAll('#yasr table.dataTable tbody tr').length === 2")
    browser.click("#yasr button.select_response")
    browser.wait_for("return (document.querySelector('#yasr .yasr_results')?.textContent || '').includes('bindings')")
    assert other_origins(browser, fixture_server.url) == []


def test_the_address_reproduces_the_query(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/query")
    browser.run(f"{EDITOR}.setValue(arguments[0])", AGREEMENT_PARTIES)
    browser.click("#run")
    browser.wait_for(DONE)
    address = browser.run("return location.href")
    assert address == fixture_server.url + "/query?query=" + quote(AGREEMENT_PARTIES, safe="").replace("%20", "+")
    open_editor(browser, address)
    assert browser.run(f"return {EDITOR}.getValue()") == AGREEMENT_PARTIES
    rows = browser.run("return [...document.querySelectorAll('#results-table td a')].map(a => a.title)")
    assert rows == [CNSA, ESA]


def test_the_examples_filter_as_you_type(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/query")
    visible = "return [...document.querySelectorAll('a.example')].filter(a => a.offsetParent).map(a => a.dataset.name)"
    assert len(browser.run(visible)) == 3
    browser.run("var f = document.getElementById('example-filter'); f.value = 'tiangong OPERATE';"
                "f.dispatchEvent(new Event('input'))")
    assert browser.run(visible) == ["cq03-operator"]
    browser.run("var f = document.getElementById('example-filter'); f.value = 'no such words';"
                "f.dispatchEvent(new Event('input'))")
    assert browser.run(visible) == []
    assert browser.run("return [...document.querySelectorAll('.example-group')].every(g => g.hidden)")


def test_sparql_in_the_browser_is_the_query_page(browser, fixture_server):
    open_editor(browser, fixture_server.url + "/sparql")
    assert browser.run("return location.href") == fixture_server.url + "/sparql"
    assert browser.text("h1") == "SPARQL endpoint"
    assert browser.run("return !!document.querySelector('header.site') && !!document.querySelector('#endpoint')")
    links = browser.run("return [...document.querySelectorAll('#endpoint .descriptions a')].map(a => a.textContent)")
    assert "Turtle" in links
    browser.screenshot("sparql-endpoint-page")
    assert other_origins(browser, fixture_server.url) == []


def test_sparql_with_a_query_in_the_browser_shows_the_answer(browser, fixture_server):
    """Not a download of SPARQL XML: the page, the query in the editor, its answer as the table."""
    open_editor(browser, fixture_server.url + "/sparql?query=" + quote(AGREEMENT_PARTIES, safe=""))
    assert browser.run(f"return {EDITOR}.getValue()") == AGREEMENT_PARTIES
    rows = browser.run("return [...document.querySelectorAll('#results-table td a')].map(a => a.title)")
    assert rows == [CNSA, ESA]
    browser.run(f"{EDITOR}.setValue('ASK {{ GRAPH ?g {{ ?s ?p ?o }} }}')")
    browser.click("#run")
    browser.wait_for(DONE)
    assert browser.text("#boolean-result") == "yes (true)"
    assert browser.run("return location.pathname") == "/sparql"  # the shareable address stays the endpoint's
