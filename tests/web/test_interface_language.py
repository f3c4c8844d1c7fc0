"""The interface in English and Chinese: the message catalogue, the choice of language, the switch.

The catalogue is checked against the messages Babel extracts from the templates and the Python
views (as `scripts/messages.sh` does): every one has a Chinese translation, checked (not fuzzy),
with the same placeholders. The pages are read from the fixture server: `Accept-Language`
chooses the language, the `lang` cookie set by `/lang` overrides it, and `?lang=` overrides
both; the page cache keeps each language apart. Error pages stay English.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from support.pages import (  # noqa: F401  (fixtures)
    SOURCE_A,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.web import i18n

WEB = Path(i18n.__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# The same extraction as babel.cfg: the templates with Jinja's i18n extension, the Python views.
METHOD_MAP = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS_MAP = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
EXTRACTORS = {"jinja2": "jinja2.ext:babel_extract"}

# English words of every page's header and footer, which a Chinese page no longer shows.
ENGLISH = ("Search the data", ">Vocabulary</a>", ">Catalogue</a>", "Also as")


def extracted() -> Iterator[tuple[str, tuple[str, ...]]]:
    """(file, the message's forms: singular and plural) of every message marked for translation."""
    for filename, _, message, _, _ in extract_from_dir(str(WEB), METHOD_MAP, options_map=OPTIONS_MAP):
        forms = message if isinstance(message, tuple) else (message,)
        yield filename, tuple(form for form in forms if form)


def catalogue() -> dict[str, tuple[str, ...] | str]:
    with i18n.catalogue_path("zh").open("rb") as handle:
        read = read_po(handle, locale="zh")
    out: dict[str, tuple[str, ...] | str] = {}
    for message in read:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        out[key] = message.string
    return out


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------


def test_the_extraction_finds_the_templates_and_the_python_views_messages():
    found = {(Path(filename).name, forms[0]) for filename, forms in extracted() if forms}
    assert ("base.html", "Vocabulary") in found
    assert ("resource.html", "Linked from") in found
    assert ("resource_view.py", "Launch") in found  # a heading marked with N_
    assert ("query.py", "The query does not parse: %(problem)s") in found


def test_every_message_has_a_checked_chinese_translation_with_the_same_placeholders():
    translated = catalogue()
    problems = []
    for filename, forms in extracted():
        if not forms:
            continue
        string = translated.get(forms[0])
        strings = [string] if isinstance(string, str) else list(string or ())
        if not strings or not all(s.strip() for s in strings):
            problems.append(f"{Path(filename).name}: no Chinese for {forms[0]!r}")
            continue
        wanted = set().union(*(placeholders(form) for form in forms))
        for s in strings:
            if placeholders(s) != wanted:
                problems.append(f"{forms[0]!r}: placeholders {sorted(placeholders(s))} instead of {sorted(wanted)}")
            if re.search(r"[\u4e00-\u9fff]", s) is None and s != forms[0]:
                problems.append(f"{forms[0]!r}: {s!r} is not Chinese")
    assert not problems, "\n".join(problems)


def test_a_fuzzy_translation_is_not_shown(tmp_path, monkeypatch):
    po = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Search"\nmsgstr "搜索"\n\n#, fuzzy\nmsgid "Query"\nmsgstr "查询"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        chinese = i18n.messages("zh")
        assert (chinese.gettext("Search"), chinese.gettext("Query")) == ("搜索", "Query")
    finally:
        i18n.translations.cache_clear()


# ---------------------------------------------------------------------------
# Pages in the client's language
# ---------------------------------------------------------------------------


def page(fixture_server, path: str, **headers: str) -> httpx.Response:
    """A page as a browser asks for it, with no cookie but the ones given (no shared cookie jar)."""
    response = httpx.get(fixture_server.url + path, headers={"Accept": "text/html", **headers}, timeout=30)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response


# path: Chinese interface text the page shows, English text it shows instead
PAGES = {
    "/": (["词汇表", "SPARQL 端点", "数据下载", "搜索数据", "数据目录"], []),  # its own text: home.html
    "/id/agency/cnsa": (["属性", "反向链接", "证据", "以数据形式获取此描述"],
                        ["Properties", "Linked from", "Evidence", "This description as data"]),
    "/id/mission/shenzhou-15": (["<dt>发射</dt>", "<dt>乘组</dt>", "属性", "证据"],
                                ["Properties", "Linked from", "Evidence", ">Launch<", ">Crew<"]),
    "/id/agreement/cnsa-esa-2020": (["<dt>缔约方</dt>", "<dt>签署</dt>", "支持"],
                                    [">Parties<", ">Signed<", "Supports"]),
    "/dumps/": (["<h1>数据下载</h1>", "媒体类型", "字节"], ["Media type", "Every file of the release"]),
    f"/graph/{SOURCE_A}": (["<h1>命名图</h1>", "个三元组", "阅读标出证据的原文"], [" triples", "Read the document"]),
    "/class/Mission": (["英文标签", "发射日期", "乘组", "词汇表中的该类</a>。"],
                       ["English label", "launch date", "The class in the vocabulary"]),
    f"/source/{SOURCE_A}": (["正文", "本文中的证据引文", "技术细节", "显示全部证据", "其陈述（命名图）"],
                            ["Evidence quotes in this document", "Technical details", "Show all evidence"]),
    "/query": (["查询数据集", "运行查询", "示例查询", "SPARQL 查询"],
               ["Query the dataset", "Run query", "Example queries"]),
    "/search?q=ESA": (["搜索", "标签、名称或缩写", "匹配的资源有"],
                      ["Label, name or acronym", "with a label matching", "any type"]),
}


@pytest.mark.parametrize("path", list(PAGES))
def test_a_chinese_client_gets_the_chinese_interface(fixture_server, path):
    chinese, english = PAGES[path]
    text = page(fixture_server, path, **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    for words in chinese:
        assert words in text, (path, words)
    for words in (*english, *ENGLISH):
        assert words not in text, (path, words)
    assert '<strong lang="zh" aria-current="true">中文</strong>' in text  # the switch shows the language chosen


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("language", ["en", None])
def test_an_english_or_unspecified_client_gets_the_english_interface(fixture_server, path, language):
    chinese, english = PAGES[path]
    headers = {"Accept-Language": language} if language else {}
    text = page(fixture_server, path, **headers).text
    assert "Search the data" in text and ">Vocabulary<" in text
    assert not any(words in text for words in ("搜索数据", "词汇表", "反向链接", "本文中的证据引文", "运行查询"))
    assert '<strong lang="en" aria-current="true">English</strong>' in text


def test_a_query_error_is_shown_in_the_page_s_language(fixture_server):
    response = httpx.get(fixture_server.url + "/query", params={"query": "SELECT * WHERE {"},
                         headers={"Accept-Language": "zh"}, timeout=30)
    assert response.status_code == 400
    assert "查询无法解析：" in response.text and "The query does not parse" not in response.text


def test_a_highlight_that_marks_nothing_is_explained_in_the_page_s_language(fixture_server):
    path = f"/source/{SOURCE_A}?highlight=person/nobody"
    assert "so no quote is highlighted" in page(fixture_server, path).text
    assert "因此未高亮任何引文" in page(fixture_server, path, **{"Accept-Language": "zh"}).text


def test_the_json_twins_stay_english(fixture_server):
    data = httpx.get(fixture_server.url + "/class/Mission?format=json", headers={"Accept-Language": "zh"},
                     timeout=30).json()
    assert "launch date" in [column["heading"] for column in data["columns"]]


@pytest.mark.parametrize("path", ["/id/agency/cnsa", "/class/Mission", "/", f"/source/{SOURCE_A}", "/query",
                                  "/search?q=ESA", "/dumps/", "/graph/" + SOURCE_A])
def test_a_page_in_the_client_s_language_varies_on_accept_language_and_cookie(fixture_server, path):
    vary = {v.strip().lower() for v in page(fixture_server, path).headers["vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary, (path, vary)


# ---------------------------------------------------------------------------
# The switch
# ---------------------------------------------------------------------------


def switch(fixture_server, query: str) -> httpx.Response:
    return httpx.get(f"{fixture_server.url}/lang?{query}", follow_redirects=False, timeout=30)


def test_the_switch_sets_the_cookie_and_goes_back_to_the_page(fixture_server):
    response = switch(fixture_server, "to=zh&next=/id/agency/cnsa")
    assert response.status_code == 303
    assert response.headers["location"] == fixture_server.url + "/id/agency/cnsa"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=zh;")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "samesite=lax" in attributes and "path=/" in attributes
    assert any(a.startswith("max-age=") for a in attributes)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "", "evil"])
def test_the_switch_never_leaves_the_site(fixture_server, target):
    response = switch(fixture_server, str(httpx.QueryParams({"to": "en", "next": target})))
    assert response.status_code == 303
    assert response.headers["location"] == fixture_server.url + "/"


def test_the_switch_refuses_a_language_the_site_does_not_speak(fixture_server):
    response = switch(fixture_server, "to=fr&next=/")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "fr" in response.json()["detail"] and "set-cookie" not in response.headers


def test_the_cookie_outweighs_accept_language(fixture_server):
    text = page(fixture_server, "/id/agency/cnsa", **{"Accept-Language": "en", "Cookie": "lang=zh"}).text
    assert "反向链接" in text and "Linked from" not in text
    text = page(fixture_server, "/id/agency/cnsa", **{"Accept-Language": "zh", "Cookie": "lang=en"}).text
    assert "Linked from" in text and "反向链接" not in text


def test_lang_in_the_url_outweighs_the_cookie(fixture_server):
    text = page(fixture_server, "/id/agency/cnsa?lang=en", Cookie="lang=zh").text
    assert "Linked from" in text and "反向链接" not in text
    text = page(fixture_server, "/query?lang=zh", Cookie="lang=en").text
    assert "运行查询" in text


def test_an_unknown_cookie_value_leaves_accept_language_to_choose(fixture_server):
    text = page(fixture_server, "/id/agency/cnsa", **{"Accept-Language": "zh", "Cookie": "lang=fr; other=1"}).text
    assert "反向链接" in text


def test_the_switch_links_come_back_to_the_same_page(fixture_server):
    text = page(fixture_server, "/search?q=ESA&lang=en").text
    found = re.search(r'<a lang="zh" hreflang="zh" href="([^"]+)"', text)
    assert found is not None
    href = html.unescape(found.group(1))
    assert href == fixture_server.url + "/lang?" + str(httpx.QueryParams({"to": "zh", "next": "/search?q=ESA"}))


# ---------------------------------------------------------------------------
# The page cache
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/id/agency/cnsa", "/id/mission/shenzhou-15", "/"])
def test_a_kept_english_page_is_never_sent_to_a_client_whose_cookie_chose_chinese(fixture_server, client, path):
    health = client.get("/health").json()["page_cache"]
    english = page(fixture_server, path, **{"Accept-Language": "en"})
    again = page(fixture_server, path, **{"Accept-Language": "en"})
    assert again.content == english.content
    assert client.get("/health").json()["page_cache"]["hits"] > health["hits"]  # the English page is kept
    chinese = page(fixture_server, path, **{"Accept-Language": "en", "Cookie": "lang=zh"})
    assert "搜索数据" in chinese.text and "Search the data" not in chinese.text
    assert "cookie" in chinese.headers["vary"].lower()
    assert chinese.headers["etag"] != english.headers["etag"]
    kept = page(fixture_server, path, **{"Accept-Language": "en", "Cookie": "lang=zh"})
    assert kept.content == chinese.content


# ---------------------------------------------------------------------------
# Error pages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Accept-Language": "zh"}, {"Cookie": "lang=zh"}])
def test_a_404_page_renders_in_english(fixture_server, headers):
    response = httpx.get(fixture_server.url + "/id/agency/nowhere", headers={"Accept": "text/html", **headers},
                         timeout=30)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "404" in response.text and ">Home</a>" in response.text and ">SPARQL endpoint</a>" in response.text


@pytest.mark.parametrize("headers", [{}, {"Cookie": "lang=zh"}])
def test_a_malformed_query_s_error_page_renders_in_english(fixture_server, headers):
    response = httpx.get(fixture_server.url + "/sparql", params={"query": "SELECT * WHERE {"},
                         headers={"Accept": "text/html", **headers}, timeout=30)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "400" in response.text and ">Home</a>" in response.text


# ---------------------------------------------------------------------------
# The pictures and the scripts' messages
# ---------------------------------------------------------------------------

STATIC = WEB / "static"
CHINESE_CLIENT = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def section(text: str, start: str) -> str:
    """The interface text of `text` from `start` to the end of its section: without the pictures'
    queries (data, in English comments), shown in `<pre>` and sent in links."""
    part = text[text.index(start):]
    part = part[:part.index("</section>")]
    return re.sub(r'href="[^"]*/query\?query=[^"]*"', 'href="…"', re.sub(r"<pre>.*?</pre>", "", part, flags=re.S))


def picture_messages(text: str) -> list[dict]:
    """The `messages` of every picture's JSON configuration in a page."""
    found = re.findall(r'<script type="application/json" class="picture-config">(.*?)</script>', text, re.S)
    assert found, "no picture on the page"
    return [json.loads(config)["messages"] for config in found]


def query_messages(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="query-messages">(.*?)</script>', text, re.S)
    assert found is not None, "no messages for the query page's script"
    return json.loads(found.group(1))


def test_the_home_page_s_pictures_are_in_the_page_s_language(fixture_server):
    pictures = section(page(fixture_server, "/", **CHINESE_CLIENT).text, '<section id="pictures"')
    for words in ("<h2>数据图示</h2>", "由您的浏览器根据本站 SPARQL 端点的数据绘制", "<strong>合作网络。</strong>",
                  "<strong>时间线。</strong>", "航天机构、国家和组织", "<summary>此图背后的查询</summary>",
                  "在查询页面中打开", "<legend>来源文档</legend>", 'aria-label="合作网络"',
                  "</span>载荷项目</li>"):  # a kind the fixture vocabulary does not label: its English translated
        assert words in pictures, words
    for words in ("Pictures of the data", "Cooperation network", "Timeline", "The query behind this picture",
                  "Open it on the query page", "Source documents", "payload project", "Run its query"):
        assert words not in pictures, words
    assert pictures.count("运行其查询</a>，以表格查看同样的数据。") == 2  # each figure's <noscript>
    english = section(page(fixture_server, "/", **{"Accept-Language": "en"}).text, '<section id="pictures"')
    assert "<strong>Cooperation network.</strong> Agencies" in english
    assert "<summary>The query behind this picture</summary>" in english and "数据图示" not in english


def test_the_home_page_s_own_text_is_in_the_page_s_language(fixture_server):
    text = page(fixture_server, "/", **CHINESE_CLIENT).text
    for words in ("<h2>数据内容</h2>", "<h2>来源</h2>", "<h2>下载</h2>", "个不同的三元组", "查询页面</a>——SPARQL 查询",
                  "词汇表文档</a>", "全部文件（含大小、SHA-256 和三元组数）", ">命名图</a>"):
        assert words in text, words
    for words in ("What it holds", "<h2>Sources</h2>", "<h2>Downloads</h2>", "distinct triples", "Query page",
                  "Vocabulary documentation", "All files with sizes", ">named graph</a>"):
        assert words not in text, words


def test_a_resource_s_neighbourhood_is_in_the_page_s_language(fixture_server):
    path = "/id/agreement/cnsa-esa-2020"
    chinese = section(page(fixture_server, path, **CHINESE_CLIENT).text, '<section id="neighbourhood-section"')
    for words in ("<h2>关联网络</h2>", "<strong>关联网络。</strong>此资源、它所链接的资源以及链接到它的资源。",
                  "<summary>此图背后的查询</summary>", "此网络图由脚本绘制，但脚本未能运行。"):
        assert words in chinese, words
    for words in ("Neighbourhood", "The query behind this picture", "This resource, the resources",
                  "drawn by a script"):
        assert words not in chinese, words
    english = section(page(fixture_server, path).text, '<section id="neighbourhood-section"')
    assert "<h2>Neighbourhood</h2>" in english and "<summary>The query behind this picture</summary>" in english


def test_the_pictures_script_gets_its_messages_in_the_page_s_language(fixture_server):
    for path in ("/", "/id/agreement/cnsa-esa-2020"):
        for messages in picture_messages(page(fixture_server, path, **CHINESE_CLIENT).text):
            assert messages["loading"] == "正在查询 SPARQL 端点…"
            assert messages["resources"] == ["{count} 个资源", "{count} 个资源"]
            assert messages["network"] == ["{resources}，{count} 条链接", "{resources}，{count} 条链接"]
            assert messages["failed"] == "无法绘制此图：{problem}"
        for messages in picture_messages(page(fixture_server, path, **{"Accept-Language": "en"}).text):
            assert messages["loading"] == "Asking the SPARQL endpoint…"
            assert messages["resources"] == ["{count} resource", "{count} resources"]
            assert messages["network"] == ["{resources}, {count} link", "{resources}, {count} links"]
            assert messages["timeline"] == ["{count} dated item", "{count} dated items"]


def test_the_query_script_gets_its_messages_in_the_page_s_language(fixture_server):
    chinese = query_messages(page(fixture_server, "/query", **CHINESE_CLIENT).text)
    assert chinese["rows"] == ["{count} 行", "{count} 行"]
    assert (chinese["running"], chinese["yes"], chinese["no"]) == ("正在运行…", "是（true）", "否（false）")
    assert chinese["download"] == "下载："
    english = query_messages(page(fixture_server, "/query").text)
    assert english["rows"] == ["{count} row", "{count} rows"]
    assert (english["running"], english["yes"], english["no"]) == ("Running…", "yes (true)", "no (false)")
    assert query_messages(page(fixture_server, "/query", Cookie="lang=zh").text) == chinese


@pytest.mark.parametrize(("path", "script", "read"), [("/", "pictures.js", picture_messages),
                                                      ("/query", "query.js", query_messages)])
def test_each_script_falls_back_to_the_english_the_page_gives(fixture_server, path, script, read):
    """A message the page leaves out is written in English: the script's own English is the page's."""
    found = read(page(fixture_server, path, **{"Accept-Language": "en"}).text)
    messages = found[0] if isinstance(found, list) else found
    source = (STATIC / script).read_text(encoding="utf-8")
    fallback = source[source.index("ENGLISH = {"):]
    fallback = fallback[:fallback.index("};")]
    assert messages
    for key, english in messages.items():
        forms = english if isinstance(english, list) else [english]
        written = ", ".join(json.dumps(form, ensure_ascii=False) for form in forms)
        assert f"{key}: {f'[{written}]' if isinstance(english, list) else written}" in fallback, (script, key)
