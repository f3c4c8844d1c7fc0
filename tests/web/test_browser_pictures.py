"""The pictures in a real headless browser: the cooperation network, the timeline and a neighbourhood.

The home page's network and timeline are drawn from the fixture release (the
network's nodes counted through the `vis.Network` the figure exposes as
`.network`, the timeline's items as its `.vis-item` elements, less the lines
and dots of box items); a click on a node opens its page; unticking a source
document takes its facts out of both pictures.
The neighbourhood (`_neighbourhood.html`) is drawn on the agreement's own
resource page. Screenshots go to `build/screenshots/`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import browser  # noqa: F401  (fixture)
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    BASE,
    CNSA,
    ESA,
    MARKUP_LABEL,
    MISSION,
    SOURCE_A,
    SOURCE_B,
    TIANGONG,
    fixture_release,
    fixture_server,
)

from spacecoop.web.pages import pictures
from spacecoop.web.pages.baseiri import IriMap
from spacecoop.web.pages.site import Config, Site, SiteLinks

pytestmark = pytest.mark.browser

DOC_A = f"{BASE}id/source/{SOURCE_A}"
DOC_B = f"{BASE}id/source/{SOURCE_B}"
NETWORK = "#cooperation-network"
TIMELINE = "#timeline"
ITEMS = ".vis-item:not(.vis-line):not(.vis-dot)"  # a box item comes with its line and dot, also .vis-item


def wait_drawn(browser, figure: str) -> None:
    browser.wait_for(f"const f = document.querySelector('{figure}'); "
                     "return f && ['done', 'error', 'empty'].includes(f.getAttribute('data-state'))")
    state = browser.run(f"return document.querySelector('{figure}').getAttribute('data-state')")
    status = browser.run(f"return document.querySelector('{figure} .picture-status').textContent")
    assert state == "done", status


def node_ids(browser, figure: str) -> set[str]:
    """The nodes vis-network lays out (its public `getPositions`), by IRI."""
    return set(browser.run(f"return Object.keys(document.querySelector('{figure}').network.getPositions())"))


def item_links(browser, figure: str) -> list[str]:
    return browser.run(f"return [...document.querySelectorAll('{figure} .vis-item a')].map(a => a.href)")


def click_node(browser, figure: str, iri: str) -> None:
    """A real pointer click on the node's place on the canvas, once the layout has settled."""
    browser.run(f"document.querySelector('{figure}').scrollIntoView({{block: 'center'}})")
    browser.wait_for(f"return document.querySelector('{figure}').getAttribute('data-layout') === 'settled'")
    x, y = browser.run(
        "const f = document.querySelector(arguments[0]), net = f.network;"
        "const p = net.canvasToDOM(net.getPosition(arguments[1]));"
        "const r = f.querySelector('.vis-network canvas').getBoundingClientRect();"
        "return [Math.round(r.left + p.x), Math.round(r.top + p.y)]", figure, iri)
    browser._value(browser.http.post("/actions", json={"actions": [{
        "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
        "actions": [{"type": "pointerMove", "duration": 0, "origin": "viewport", "x": x, "y": y},
                    {"type": "pointerDown", "button": 0}, {"type": "pause", "duration": 50},
                    {"type": "pointerUp", "button": 0}]}]}))


# ---------------------------------------------------------------------------
# The home page
# ---------------------------------------------------------------------------


def test_home_network_draws_the_agreement_and_its_agencies(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    wait_drawn(browser, NETWORK)
    assert node_ids(browser, NETWORK) == {AGREEMENT, CNSA, ESA, TIANGONG}
    edges = browser.run(f"return document.querySelector('{NETWORK}').network.body.data.edges.get()"
                        ".map(e => [e.from, e.to])")
    assert sorted(edges) == sorted([[AGREEMENT, CNSA], [AGREEMENT, ESA]])
    # a label with markup is drawn as text: nothing of it runs or becomes an element
    label = browser.run(f"return document.querySelector('{NETWORK}').network.body.data.nodes.get(arguments[0]).label",
                        ESA)
    assert MARKUP_LABEL.startswith(label.rstrip("…"))
    assert browser.run("return window.__esa_alerted === undefined")
    assert browser.run("return document.querySelectorAll('#pictures b, #pictures script:not([type])').length") == 0
    # the libraries came from this server
    hosts = browser.run("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(hosts) <= {fixture_server.url.split("//")[1]}
    browser.run(f"document.querySelector('{NETWORK}').scrollIntoView()")
    browser.screenshot("pictures-home-network")


def test_home_timeline_draws_the_stated_dates(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    wait_drawn(browser, TIMELINE)
    assert browser.run(f"return document.querySelectorAll('{TIMELINE} {ITEMS}').length") == 4
    base = fixture_server.url + "/"
    assert sorted(item_links(browser, TIMELINE)) == sorted(
        base + iri[len(BASE):] for iri in (MISSION, AGREEMENT, DOC_A, DOC_B))
    dates = browser.run(f"return [...document.querySelectorAll('{TIMELINE} .picture-item-date')]"
                        ".map(s => s.textContent.trim())")
    assert sorted(dates) == ["2020-01-02", "2020-01-03", "2022-11-29", "2022-11-30"]
    assert browser.run(f"return document.querySelector('{TIMELINE}').timeline !== undefined")
    browser.run(f"document.querySelector('{TIMELINE}').scrollIntoView()")
    browser.screenshot("pictures-home-timeline")


def test_network_node_opens_its_page(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    wait_drawn(browser, NETWORK)
    url = browser.run(f"return document.querySelector('{NETWORK}').network.body.data.nodes.get(arguments[0]).url",
                      AGREEMENT)
    assert url == fixture_server.url + "/id/agreement/cnsa-esa-2020"
    click_node(browser, NETWORK, AGREEMENT)
    browser.wait_for(f"return location.href === '{url}' && document.readyState === 'complete'")
    assert "CNSA–ESA cooperation agreement of 2020" in browser.text("h1")


def test_timeline_item_opens_its_page(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    wait_drawn(browser, TIMELINE)
    browser.run(f"document.querySelector('{TIMELINE}').scrollIntoView({{block: 'center'}})")
    browser.click(f'{TIMELINE} .vis-item a[href$="/id/mission/shenzhou-15"]')
    browser.wait_for("return location.pathname === '/id/mission/shenzhou-15' && document.readyState === 'complete'")
    assert "Shenzhou-15" in browser.text("h1")


def untick(browser, figure: str, document_iri: str) -> None:
    browser.run(f"document.querySelector('{figure}').scrollIntoView()")
    browser.click(f'{figure} .picture-filter input[value="{document_iri}"]')


def test_document_filter_changes_the_pictures(browser, fixture_server):
    browser.go(fixture_server.url + "/")
    wait_drawn(browser, NETWORK)
    wait_drawn(browser, TIMELINE)
    untick(browser, NETWORK, DOC_A)
    browser.wait_for(f"return Object.keys(document.querySelector('{NETWORK}').network.getPositions()).length === 1")
    assert node_ids(browser, NETWORK) == {TIANGONG}
    untick(browser, NETWORK, DOC_B)
    assert node_ids(browser, NETWORK) == set()
    assert browser.run(f"return document.querySelector('{NETWORK}').getAttribute('data-state')") == "empty"

    untick(browser, TIMELINE, DOC_B)
    browser.wait_for(f"return document.querySelectorAll('{TIMELINE} {ITEMS}').length === 2")
    assert sorted(item_links(browser, TIMELINE)) == sorted(
        fixture_server.url + "/" + iri[len(BASE):] for iri in (AGREEMENT, DOC_A))


# ---------------------------------------------------------------------------
# A neighbourhood (on a resource page)
# ---------------------------------------------------------------------------


@pytest.fixture
def neighbourhood_page(fixture_server) -> str:
    """The agreement's resource page, which draws its neighbourhood."""
    return fixture_server.url + "/id/agreement/cnsa-esa-2020"


def test_neighbourhood_draws_the_resource_and_its_neighbours(browser, neighbourhood_page):
    browser.go(neighbourhood_page)
    figure = "#neighbourhood"
    wait_drawn(browser, figure)
    assert node_ids(browser, figure) == {AGREEMENT, CNSA, ESA, DOC_A}
    focus = browser.run(f"return document.querySelector('{figure}').network.body.data.nodes.get(arguments[0]).size",
                        AGREEMENT)
    assert focus > browser.run(
        f"return document.querySelector('{figure}').network.body.data.nodes.get(arguments[0]).size", CNSA)
    browser.wait_for(f"return document.querySelector('{figure}').getAttribute('data-layout') === 'settled'")
    browser.screenshot("pictures-neighbourhood")


def test_neighbourhood_node_opens_its_page(browser, neighbourhood_page, fixture_server):
    browser.go(neighbourhood_page)
    wait_drawn(browser, "#neighbourhood")
    click_node(browser, "#neighbourhood", CNSA)
    browser.wait_for(f"return location.href === '{fixture_server.url}/id/agency/cnsa' "
                     "&& document.readyState === 'complete'")
    assert browser.text("h1 .label") == "China National Space Administration"
