"""The header's search box in a real headless browser: typed into on the home page, submitted as a
plain GET form (no script involved), it leads to the results page, which lists the agency."""

from __future__ import annotations

import pytest
from support.browser import browser  # noqa: F401  (fixture)
from support.pages import (  # noqa: F401  (fixtures)
    CNSA,
    fixture_release,
    fixture_server,
)

pytestmark = pytest.mark.browser


def test_the_header_search_box_finds_the_agency(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    label = browser.run("return document.querySelector('label[for=\"site-search-q\"]').textContent")
    assert label.strip()
    browser.run("document.querySelector('#site-search-q').value = arguments[0]", "space administration")
    browser.click("form.site-search button[type=submit]")
    browser.wait_for("return location.pathname === '/search' && document.readyState === 'complete'")
    assert browser.run("return new URLSearchParams(location.search).get('q')") == "space administration"
    results = browser.run("return [...document.querySelectorAll('ol.search-results a.label')]"
                          ".map(a => [a.textContent, a.href])")
    assert results[0] == ["China National Space Administration", fixture_server.url + "/id/agency/cnsa"]
    types = browser.run("return [...document.querySelectorAll('ol.search-results li:first-child .type')]"
                        ".map(t => [t.textContent, t.title])")
    assert types == [["space agency", CNSA.rsplit("/id/", 1)[0] + "/ontology#Agency"]]
    assert browser.run("return document.querySelector('#search-q').value") == "space administration"
    browser.screenshot("search")


def test_a_result_leads_to_the_resource_page(browser, fixture_server):
    browser.go(fixture_server.url + "/search?q=%E5%A4%A9%E5%AE%AB")  # 天宫
    browser.click("ol.search-results a.label")
    browser.wait_for("return location.pathname === '/id/spacecraft/tiangong'")
    assert "Tiangong" in browser.text("h1")
