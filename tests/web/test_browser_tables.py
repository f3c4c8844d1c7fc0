"""Class tables and evidence notes in a real headless browser: clicking a header sorts the table.

Also keeps screenshots of an agreement page and a class page for people to look at.
"""

from __future__ import annotations

import pytest
from support.browser import browser  # noqa: F401  (fixture)
from support.pages import (  # noqa: F401  (fixtures)
    MARKUP_LABEL,
    fixture_release,
    fixture_server,
)

pytestmark = pytest.mark.browser

FIRST_COLUMN = ("return [...document.querySelectorAll('table.sortable tbody tr')]"
                ".map(tr => tr.cells[1].textContent.trim())")


def test_clicking_a_header_sorts_the_class_table(browser, fixture_server):
    browser.go(fixture_server.url + "/class/Actor")
    browser.wait_for("return document.querySelector('table.sortable-ready') !== null")
    ascending = ["China National Space Administration", MARKUP_LABEL, "Fei Junlong"]
    assert browser.run(FIRST_COLUMN) == ascending
    browser.click("table.sortable thead th:nth-child(2) button")
    assert browser.run(FIRST_COLUMN) == list(reversed(ascending))
    assert browser.run("return document.querySelector('table.sortable thead th:nth-child(2)')"
                       ".getAttribute('aria-sort')") == "descending"
    browser.click("table.sortable thead th:nth-child(3) button")  # the Chinese labels
    assert browser.run("return document.querySelector('table.sortable thead th:nth-child(3)')"
                       ".getAttribute('aria-sort')") == "ascending"
    assert browser.run("return document.querySelector('table.sortable thead th:nth-child(2)')"
                       ".hasAttribute('aria-sort')") is False
    assert browser.run("return document.querySelectorAll('main script, main b').length") == 0
    browser.screenshot("class-actor")


def test_a_footnote_leads_to_its_note(browser, fixture_server):
    browser.go(fixture_server.url + "/id/agreement/cnsa-esa-2020")
    first = browser.run("return document.querySelector('#properties a.fn').getAttribute('href')")
    assert first.startswith("#note-")
    browser.click("#properties a.fn")
    assert browser.run("return location.hash") == first
    assert "2 January 2020" in browser.text(f"{first} mark")
    browser.screenshot("agreement-page")
