"""Search: matching and ranking (on the index itself), `/search` as JSON and as a page, the OpenSearch
description, the header's search box on every page, and "did you mean" on a missing resource's 404.

The server tests run on the fixture release (two agencies, a mission, an astronaut, a station, an
agreement; English and Chinese labels); the unit tests build an index from rows like the store's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    CNSA,
    ESA,
    FEI,
    MARKUP_LABEL,
    MISSION,
    ONTOLOGY_TTL,
    TIANGONG,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.iris import SCO
from spacecoop.web.pages import search_index as si
from spacecoop.web.pages.vocabulary import Vocabulary

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lod.example.org", "X-Forwarded-Prefix": "/spacecoop"}
PROXY_BASE = "https://lod.example.org/spacecoop/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = {"Accept": "application/json"}
OPENSEARCH_NS = "{http://a9.com/-/spec/opensearch/1.1/}"
ID = "https://w3id.org/spacecoop/id/"


# ---------------------------------------------------------------------------
# The index, on its own
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    graph = Graph()
    graph.parse(data=ONTOLOGY_TTL, format="turtle")
    return Vocabulary(graph)


def rows(*statements: tuple[str, URIRef, object]) -> list[dict[str, object]]:
    return [{"s": URIRef(s), "p": p, "o": o} for s, p, o in statements]


@pytest.fixture(scope="module")
def index(vocabulary: Vocabulary) -> si.SearchIndex:
    return si.build_index(rows(
        (ID + "agency/esa", RDF.type, SCO.Agency),
        (ID + "agency/esa", RDFS.label, Literal("European Space Agency", lang="en")),
        (ID + "agency/esa", RDFS.label, Literal("欧洲航天局", lang="zh")),
        (ID + "agency/cnsa", RDF.type, SCO.Agency),
        (ID + "agency/cnsa", RDFS.label, Literal("China National Space Administration", lang="en")),
        (ID + "agency/cnsa", SKOS.altLabel, Literal("CNSA", lang="en")),
        (ID + "station/tiangong", RDF.type, SCO.SpaceStation),
        (ID + "station/tiangong", RDF.type, SCO.Spacecraft),
        (ID + "station/tiangong", RDFS.label, Literal("Tiangong space station", lang="en")),
        (ID + "station/tiangong", RDFS.label, Literal("天宫空间站", lang="zh")),
        (ID + "station/tiangong", SKOS.altLabel, Literal("中国空间站", lang="zh")),
        (ID + "mission/shenzhou-15", RDF.type, SCO.CrewedMission),
        (ID + "mission/shenzhou-15", RDFS.label, Literal("Shenzhou-15", lang="en")),
        (ID + "mission/shenzhou-15", RDFS.label, Literal("神舟十五号", lang="zh")),
        (ID + "agreement/space", RDF.type, SCO.Agreement),
        (ID + "agreement/space", RDFS.label, Literal("Space", lang="en")),
        (ID + "agreement/spaceflight", RDF.type, SCO.Agreement),
        (ID + "agreement/spaceflight", RDFS.label, Literal("Spaceflight pact", lang="en")),
        (ID + "agreement/deep", RDF.type, SCO.Agreement),
        (ID + "agreement/deep", RDFS.label, Literal("Deep space pact", lang="en")),
        (ID + "agreement/aerospace", RDF.type, SCO.Agreement),
        (ID + "agreement/aerospace", RDFS.label, Literal("Aerospace pact", lang="en")),
        (ID + "evidence/001", RDF.type, URIRef("http://www.w3.org/ns/oa#Annotation")),
    ), ID, vocabulary)


def iris(hits: list[si.Hit]) -> list[str]:
    return [hit.entry.iri[len(ID):] for hit in hits]


def test_normalising_ignores_case_and_width():
    assert si.normalize("ＥＳＡ") == si.normalize("esa") == "esa"
    assert si.normalize("  Straße\tＡＢＣ ") == "strasse abc"


def test_a_run_of_capitalised_words_gives_an_acronym():
    assert si.acronym("European Space Agency") == "ESA"
    assert si.acronym("United Nations Office for Outer Space Affairs") == "UNOOSA"
    assert si.acronym(MARKUP_LABEL) == "ESA"
    assert si.acronym("CNSA–ESA cooperation agreement") is None
    assert si.acronym("Tiangong space station") is None


def test_ranking_is_exact_then_prefix_then_word_then_word_prefix_then_substring(index):
    hits = index.search("space", limit=20)
    assert iris(hits) == ["agreement/space", "agreement/spaceflight", "agency/cnsa", "agreement/deep",
                          "agency/esa", "station/tiangong", "agreement/aerospace"]
    assert [h.score for h in hits] == [si.EXACT, si.PREFIX, si.WORD, si.WORD, si.WORD, si.WORD, si.SUBSTRING]


def test_equal_scores_are_in_the_order_of_their_labels(index):
    hits = index.search("pact", limit=20)
    assert iris(hits) == ["agreement/aerospace", "agreement/deep", "agreement/spaceflight"]
    assert {h.score for h in hits} == {si.WORD}


def test_a_word_prefix_finds_a_hyphenated_name(index):
    hits = index.search("shen", limit=20)
    assert iris(hits) == ["mission/shenzhou-15"] and hits[0].score == si.PREFIX
    assert iris(index.search("15", limit=20)) == ["mission/shenzhou-15"]
    assert index.search("shenzhou 15", limit=5)[0].score == si.WORD


def test_short_latin_queries_do_not_match_inside_words(index):
    assert index.search("zh", limit=20) == []
    assert iris(index.search("zhou", limit=20)) == ["mission/shenzhou-15"]


def test_chinese_matches_anywhere_in_a_label(index):
    assert iris(index.search("天宫", limit=20)) == ["station/tiangong"]
    hits = index.search("空间站", limit=20)
    assert iris(hits) == ["station/tiangong"] and hits[0].score == si.SUBSTRING
    assert hits[0].matched.lang == "zh"
    assert iris(index.search("航天", limit=20)) == ["agency/esa"]
    assert iris(index.search("十五", limit=20)) == ["mission/shenzhou-15"]


def test_an_alternative_label_and_an_acronym_find_their_resource(index):
    hits = index.search("cnsa", limit=20)
    assert iris(hits) == ["agency/cnsa"]
    assert hits[0].matched.kind == si.ALTERNATIVE and hits[0].score == si.EXACT - si.KIND_PENALTY[si.ALTERNATIVE]
    hits = index.search("ＥＳＡ", limit=20)
    assert iris(hits) == ["agency/esa"] and hits[0].matched.text == "ESA" and hits[0].matched.kind == si.ACRONYM
    assert index.search("es", limit=20) == []  # an acronym matches whole only


def test_a_resource_scores_by_its_best_label_and_reports_it(index):
    hits = index.search("tiangong space station", limit=20)
    assert hits[0].score == si.EXACT and hits[0].matched.text == "Tiangong space station"
    assert hits[0].entry.label(["zh", "en"]) == Literal("天宫空间站", lang="zh")


def test_classes_most_specific_first_and_the_type_filter_takes_superclasses(index):
    station = next(e for e in index.entries if e.iri.endswith("station/tiangong"))
    assert station.classes == (str(SCO.SpaceStation), str(SCO.Spacecraft))
    assert iris(index.search("space", limit=20, within=str(SCO.Actor))) == ["agency/cnsa", "agency/esa"]
    assert iris(index.search("space", limit=20, within=str(SCO.Spacecraft))) == ["station/tiangong"]
    assert len(index.search("space", limit=2)) == 2


def test_a_resource_without_labels_is_found_by_its_slug_and_typed_by_its_class(index):
    evidence = next(e for e in index.entries if e.iri.endswith("evidence/001"))
    assert evidence.classes == ("http://www.w3.org/ns/oa#Annotation",)
    assert iris(index.search("001", limit=5)) == ["evidence/001"]


def test_nearest_resources_are_close_slugs_and_labels_of_the_same_kind_first(index):
    def near(segment, slug):
        return [e.iri[len(ID):] for e in index.nearest(segment, slug)]

    assert near("agency", "esaa") == ["agency/esa"]
    assert near("agency", "cnsa-x") == ["agency/cnsa"]
    assert near("agency", "european-space-agency") == ["agency/esa"]
    assert near("agency", "shenzhou-15") == ["mission/shenzhou-15"]
    assert near("station", "tiangon") == ["station/tiangong"]
    assert near("agreement", "spaceflite") == ["agreement/spaceflight"]
    assert near("agency", "zzqxwv") == []
    assert near("agency", "nothing") == []
    assert near("agency", "x") == []


# ---------------------------------------------------------------------------
# /search as JSON
# ---------------------------------------------------------------------------


def search(client, accept: str = "application/json", **params):
    return client.get("/search", params=params, headers={"Accept": accept, **FORWARDED})


def test_json_results_have_the_documented_shape(client):
    response = search(client, q="shen")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["query"] == "shen" and body["type"] is None and body["limit"] == 20
    first = body["results"][0]
    assert set(first) == {"iri", "href", "label", "lang", "types", "matched", "score"}
    assert first["iri"] == MISSION
    assert first["href"] == PROXY_BASE + "id/mission/shenzhou-15"
    assert (first["label"], first["lang"]) == ("Shenzhou-15", "en")
    assert first["types"] == [{"iri": str(SCO.CrewedMission), "label": "crewed mission"}]
    assert first["matched"] == {"label": "Shenzhou-15", "lang": "en", "kind": "label"}
    assert first["score"] == 80
    # the source article "Shenzhou-15 launches" matches as well, after it (same score, later label)
    assert [r["label"] for r in body["results"]][:2] == ["Shenzhou-15", "Shenzhou-15 launches"]


def test_the_acronym_ranks_its_agency_first(client):
    results = search(client, q="ESA").json()["results"]
    assert results[0]["iri"] == ESA and results[0]["label"] == MARKUP_LABEL
    assert results[0]["matched"]["label"] == "ESA"
    assert AGREEMENT in [r["iri"] for r in results[1:]]
    results = search(client, q="cnsa").json()["results"]
    assert [r["iri"] for r in results][:2] == [CNSA, AGREEMENT]
    assert results[0]["matched"] == {"label": "CNSA", "lang": "en", "kind": "alternative"}


def test_chinese_queries_find_chinese_labels(client):
    results = search(client, q="天宫").json()["results"]
    assert [r["iri"] for r in results] == [TIANGONG]
    assert results[0]["matched"] == {"label": "天宫空间站", "lang": "zh", "kind": "label"}
    assert [r["iri"] for r in search(client, q="空间站").json()["results"]] == [TIANGONG]
    assert [r["iri"] for r in search(client, q="俊龙").json()["results"]] == [FEI]


def test_labels_follow_the_clients_languages(client):
    response = client.get("/search", params={"q": "tiangong"},
                          headers={"Accept": "application/json", "Accept-Language": "zh-CN,zh;q=0.9"})
    first = response.json()["results"][0]
    assert (first["label"], first["lang"]) == ("天宫空间站", "zh")
    assert first["types"][0]["label"] == "空间站"


def test_the_type_filter_takes_a_local_name_a_prefixed_name_or_an_iri(client):
    for value in ("Agreement", "sco:Agreement", str(SCO.Agreement)):
        results = search(client, q="cnsa", type=value).json()["results"]
        assert [r["iri"] for r in results] == [AGREEMENT], value
    actors = search(client, q="space", type="Actor").json()["results"]
    assert {r["iri"] for r in actors} == {CNSA, ESA}  # agencies, members of a subclass
    assert TIANGONG in [r["iri"] for r in search(client, q="space").json()["results"]]


def test_limit_cuts_the_results(client):
    assert len(search(client, q="s", limit=1).json()["results"]) == 1
    assert len(search(client, q="s", limit=100).json()["results"]) > 1


@pytest.mark.parametrize(("params", "reason"), [
    ({"q": "esa", "limit": "0"}, "limit must be from 1 to 100"),
    ({"q": "esa", "limit": "101"}, "limit must be from 1 to 100"),
    ({"q": "esa", "limit": "ten"}, "limit must be a whole number"),
    ({"q": "esa", "type": "Spaceship"}, "type='Spaceship' names no class"),
    ({"q": "esa", "type": "party"}, "type='party' names no class"),  # a property, not a class
    ({"q": "x" * 201}, "at most 200 are searched for"),
    ({"q": "esa", "format": "xml"}, "unknown format 'xml'"),
    ({}, "Give the text to search for as the q parameter"),
    ({"q": "   "}, "Give the text to search for as the q parameter"),
])
def test_bad_parameters_are_400_with_a_reason(client, params, reason):
    response = search(client, **params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.json()["detail"]


def test_a_query_matching_nothing_has_no_results(client):
    response = search(client, q="zzqxwv")
    assert response.status_code == 200 and response.json()["results"] == []


def test_search_answers_are_negotiated_and_conditional(client):
    response = search(client, q="esa")
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in response.headers["vary"].split(",")}
    etag = response.headers["etag"]
    again = client.get("/search", params={"q": "esa"},
                       headers={"Accept": "application/json", "If-None-Match": etag, **FORWARDED})
    assert again.status_code == 304
    page = search(client, BROWSER, q="esa")
    assert page.headers["etag"] != etag
    assert f'<{PROXY_BASE}search?q=esa&format=json>; rel="alternate"; type="application/json"' in page.headers["link"]
    by_format = client.get("/search", params={"q": "esa", "format": "json"}, headers=FORWARDED)
    assert by_format.headers["content-type"] == "application/json"
    assert "Accept" not in {v.strip() for v in by_format.headers["vary"].split(",")}


# ---------------------------------------------------------------------------
# /search as a page
# ---------------------------------------------------------------------------


class Page(HTMLParser):
    """Start tags with their attributes, and the text inside elements with a class."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def test_the_page_lists_results_linking_to_the_resources(client):
    response = search(client, BROWSER, q="ESA")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    results = [a["href"] for a in page.all("a", **{"class": "label"})]
    assert results[0] == PROXY_BASE + "id/agency/esa"
    assert PROXY_BASE + "id/agreement/cnsa-esa-2020" in results
    assert all(href.startswith(PROXY_BASE + "id/") for href in results)
    assert "<script>alert" not in response.text  # the label's markup is text
    assert "European Space Agency &lt;script&gt;" in response.text
    assert 'class="type" title="https://w3id.org/spacecoop/ontology#Agency">space agency</span>' in response.text
    assert 'matched <q lang="en">ESA</q>' in response.text
    assert PROXY_BASE + "static/search.css" in [a["href"] for a in page.all("link", rel="stylesheet")]


def test_the_page_shows_the_label_matched_in_its_language(client):
    response = search(client, BROWSER, q="空间站")
    assert 'matched <q lang="zh">天宫空间站</q>' in response.text
    assert Page(response.text).all("a", **{"class": "label"})[0]["href"] == PROXY_BASE + "id/spacecraft/tiangong"


def test_without_a_query_the_page_is_the_empty_form(client):
    for params in ({}, {"q": ""}):
        response = search(client, BROWSER, **params)
        assert response.status_code == 200
        page = Page(response.text)
        assert page.all("ol", **{"class": "search-results"}) == []
        assert page.all("form", **{"class": "search-page"})[0]["action"] == PROXY_BASE + "search"
        assert page.all("input", id="search-q")[0]["value"] == ""


def test_the_page_keeps_the_query_and_the_type_in_its_form(client):
    page = Page(search(client, BROWSER, q="cnsa", type="Agreement").text)
    assert page.all("input", id="search-q")[0]["value"] == "cnsa"
    assert page.all("option", value="Agreement")[0].get("selected") == ""
    assert [a["href"] for a in page.all("a", **{"class": "label"})] == [PROXY_BASE + "id/agreement/cnsa-esa-2020"]


def test_a_bad_parameter_on_the_page_is_an_error_page(client):
    response = search(client, BROWSER, q="esa", limit="1000")
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "limit must be from 1 to 100; 1000 was asked for." in response.text


# ---------------------------------------------------------------------------
# OpenSearch, and the header's search box on every page
# ---------------------------------------------------------------------------


def test_the_opensearch_description_is_at_the_clients_address(client):
    response = client.get("/opensearch.xml", headers=FORWARDED)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/opensearchdescription+xml")
    assert response.headers["etag"]
    root = ET.fromstring(response.content)
    assert root.tag == OPENSEARCH_NS + "OpenSearchDescription"
    short_name = root.findtext(OPENSEARCH_NS + "ShortName")
    assert short_name and len(short_name) <= 16
    assert root.findtext(OPENSEARCH_NS + "Description")
    urls = {u.get("type"): u.get("template") for u in root.findall(OPENSEARCH_NS + "Url")}
    assert urls["text/html"] == PROXY_BASE + "search?q={searchTerms}"
    assert urls["application/json"] == PROXY_BASE + "search?q={searchTerms}&format=json"
    assert urls["application/opensearchdescription+xml"] == PROXY_BASE + "opensearch.xml"
    direct = ET.fromstring(client.get("/opensearch.xml").content)
    html = next(u for u in direct.findall(OPENSEARCH_NS + "Url") if u.get("type") == "text/html")
    assert html.get("template").startswith(client.base_url.scheme + "://" + client.base_url.netloc.decode())


def test_the_templates_urls_answer(client):
    root = ET.fromstring(client.get("/opensearch.xml").content)
    for url in root.findall(OPENSEARCH_NS + "Url"):
        if url.get("rel") == "self":
            continue
        address = url.get("template").replace("{searchTerms}", "shenzhou")
        response = client.get(address, headers={"Accept": url.get("type")})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(url.get("type"))
        assert "shenzhou-15" in response.text


@pytest.mark.parametrize("path", ["/", "/id/agency/cnsa", "/class/Agency", "/query", "/search?q=esa", "/sparql"])
def test_every_page_links_the_description_and_has_the_search_box(client, path):
    response = client.get(path, headers={"Accept": BROWSER, **FORWARDED})
    assert response.status_code == 200
    page = Page(response.text)
    assert page.all("link", rel="search") == [{
        "rel": "search", "type": "application/opensearchdescription+xml", "title": "spacecoop",
        "href": PROXY_BASE + "opensearch.xml"}]
    form = page.all("form", **{"class": "site-search"})
    assert form == [{"class": "site-search", "role": "search", "method": "get", "action": PROXY_BASE + "search"}]
    box = page.all("input", id="site-search-q")
    assert box and box[0]["name"] == "q" and box[0]["type"] == "search"
    assert page.all("label", **{"for": "site-search-q"})


def test_the_error_pages_have_the_search_box_too(client):
    page = Page(client.get("/id/agency/nothing", headers={"Accept": BROWSER, **FORWARDED}).text)
    assert page.all("form", **{"class": "site-search"})[0]["action"] == PROXY_BASE + "search"


# ---------------------------------------------------------------------------
# Did you mean
# ---------------------------------------------------------------------------


def problem(client, path: str) -> dict:
    response = client.get(path, headers={"Accept": "application/json", **FORWARDED})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_a_near_iri_suggests_the_resource(client):
    body = problem(client, "/id/agency/esaa")
    assert body["detail"] == "there is no resource <https://w3id.org/spacecoop/id/agency/esaa> in this dataset"
    assert body["suggestions"] == [{"href": PROXY_BASE + "id/agency/esa", "label": f"{MARKUP_LABEL} (space agency)"}]
    assert problem(client, "/id/person/fei-jun-long")["suggestions"][0]["href"] == PROXY_BASE + "id/person/fei-junlong"
    assert problem(client, "/id/agency/CNSA.ttl")["suggestions"][0]["href"] == PROXY_BASE + "id/agency/cnsa"


def test_a_resource_under_another_kind_is_suggested(client):
    body = problem(client, "/id/agency/shenzhou-15")
    assert body["suggestions"][0]["href"] == PROXY_BASE + "id/mission/shenzhou-15"
    assert len(body["suggestions"]) <= 5


def test_a_path_that_is_no_iri_still_gets_suggestions(client):
    body = problem(client, "/id/agency/cn%20sa")
    assert body["detail"] == "there is no resource with such an IRI in this dataset"
    assert body["suggestions"][0]["href"] == PROXY_BASE + "id/agency/cnsa"


def test_a_path_without_its_kind_gets_suggestions(client):
    assert problem(client, "/id/cnsa")["suggestions"][0]["href"] == PROXY_BASE + "id/agency/cnsa"


@pytest.mark.parametrize("path", ["/id/agency/zzqxwv", "/id/agency/nothing", "/id/agency/x", "/id/agency"])
def test_a_far_iri_suggests_nothing(client, path):
    assert "suggestions" not in problem(client, path)


def test_the_error_page_shows_the_suggestions_as_links(client):
    response = client.get("/id/spacecraft/tiangon", headers={"Accept": BROWSER, **FORWARDED})
    assert response.status_code == 404
    assert "Did you mean:" in response.text
    page = Page(response.text)
    assert PROXY_BASE + "id/spacecraft/tiangong" in [a["href"] for a in page.all("a")]
    assert "there is no resource &lt;https://w3id.org/spacecoop/id/spacecraft/tiangon&gt; in this dataset" in (
        response.text)
