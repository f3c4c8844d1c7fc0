"""The language switch in a real headless browser: the header's 中文 link sets the cookie and comes
back to the same page in Chinese, and the pages after it stay Chinese (the cookie is kept)."""

from __future__ import annotations

import re

import pytest
from support.browser import browser  # noqa: F401  (fixture)
from support.pages import fixture_release, fixture_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_the_chinese_link_switches_this_page_and_the_next(browser, fixture_server):
    browser.go(fixture_server.url + "/id/agency/cnsa")
    assert browser.text("#properties h2") == "Properties"
    browser.click('header.site nav.languages a[hreflang="zh"]')
    browser.wait_for("return document.documentElement.lang === 'zh' && document.readyState === 'complete'")
    assert browser.run("return location.pathname") == "/id/agency/cnsa"
    assert browser.text("#properties h2") == "属性"
    assert browser.text("#incoming h2") == "反向链接"
    assert browser.text('header.site nav.languages [aria-current="true"]') == "中文"
    assert "lang=zh" in browser.run("return document.cookie")

    browser.click(f'header.site nav a[href="{fixture_server.url}/query"]')
    browser.wait_for("return location.pathname === '/query' && document.readyState === 'complete'")
    assert browser.text("h1") == "查询数据集"
    assert browser.text("#run") == "运行查询"
    browser.screenshot("interface-zh")

    browser.click('header.site nav.languages a[hreflang="en"]')
    browser.wait_for("return document.documentElement.lang === 'en' && document.readyState === 'complete'")
    assert browser.run("return location.pathname") == "/query"
    assert browser.text("h1") == "Query the dataset"


def test_the_scripts_write_in_the_chosen_language(browser, fixture_server):
    """The query page's script counts the answer's rows in Chinese, and the home page's network
    says what it drew in Chinese, once the switch has chosen Chinese."""
    browser.go(f"{fixture_server.url}/lang?to=zh&next=/query")
    browser.wait_for("return document.querySelector('#results')?.getAttribute('data-editor') === 'ready'")
    assert browser.text("h1") == "查询数据集"
    query = ("SELECT ?party WHERE { GRAPH ?g { <https://w3id.org/spacecoop/id/agreement/cnsa-esa-2020> "
             "<https://w3id.org/spacecoop/ontology#party> ?party } }")
    browser.run("document.getElementById('yasqe').yasqe.setValue(arguments[0])", query)
    browser.click("#run")
    browser.wait_for("return document.querySelector('#results')?.getAttribute('data-state') === 'done'")
    assert browser.text("#results p.count") == "2 行"
    assert browser.text("#results p.downloads").startswith("下载：")
    assert browser.run("return document.querySelector('#yasqe .CodeMirror textarea').getAttribute('aria-label')") \
        == "SPARQL 查询"

    browser.go(fixture_server.url + "/")
    browser.wait_for("return ['done', 'error', 'empty'].includes("
                     "document.querySelector('#cooperation-network')?.getAttribute('data-state'))")
    status = browser.text("#cooperation-network .picture-status")
    assert re.fullmatch(r"\d+ 个资源，\d+ 条链接", status), status
    browser.wait_for("return ['done', 'error', 'empty'].includes("
                     "document.querySelector('#timeline')?.getAttribute('data-state'))")
    status = browser.text("#timeline .picture-status")
    assert re.fullmatch(r"\d+ 个有日期的条目", status), status
    assert browser.text("#pictures h2") == "数据图示"
    browser.run("document.querySelector('#cooperation-network .picture-status').scrollIntoView({block: 'center'})")
    browser.screenshot("home-zh")

    browser.go(f"{fixture_server.url}/lang?to=en&next=/")  # the next test starts in English
    browser.wait_for("return document.documentElement.lang === 'en' && document.readyState === 'complete'")
    browser.wait_for("return document.querySelector('#cooperation-network')?.getAttribute('data-state') === 'done'")
    assert re.fullmatch(r"\d+ resources, \d+ links", browser.text("#cooperation-network .picture-status"))
