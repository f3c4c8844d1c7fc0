"""Resources, the vocabulary and named graphs over a real server process on the fixture release.

Every IRI answers on itself with content negotiation (`Vary: Accept`), by
extension and by `?format=`; each representation parses back to the same graph
and advertises the others.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from support.graphs import isomorphic
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    BASE,
    CNSA,
    ESA,
    FEI,
    MARKUP_LABEL,
    MISSION,
    SOURCE_A,
    TEXT_A,
    TIANGONG,
    client,
    fixture_release,
    fixture_server,
)

SCO = BASE + "ontology#"
OA = "http://www.w3.org/ns/oa#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}
AGREEMENT_PATH = "/id/agreement/cnsa-esa-2020"


class Elements(HTMLParser):
    """The start tags of a page with their attributes, and the text inside chosen elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def h1_text(html: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert match, "the page has no <h1>"
    return re.sub(r"<[^>]+>", "", match.group(1))


def links(response: httpx.Response) -> dict[str, list[tuple[str, str]]]:
    """rel -> [(href, type)] from the Link header."""
    found: dict[str, list[tuple[str, str]]] = {}
    for part in re.findall(r"<([^>]*)>([^,]*)", response.headers.get("link", "")):
        href, params = part
        rel = re.search(r'rel="([^"]+)"', params)
        type_ = re.search(r'type="([^"]+)"', params)
        found.setdefault(rel.group(1) if rel else "", []).append((href, type_.group(1) if type_ else ""))
    return found


def vary(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


def parse(response: httpx.Response, rdflib_format: str) -> Graph:
    return Graph().parse(data=response.content, format=rdflib_format, publicID=str(response.url))


@pytest.fixture(scope="module")
def agreement_nt(client: httpx.Client) -> Graph:
    response = client.get(AGREEMENT_PATH + ".nt")
    assert response.status_code == 200
    return parse(response, "nt")


# ---------------------------------------------------------------------------
# Content negotiation on the resource IRI
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_resource_negotiates_each_rdf_format_on_its_iri(client, agreement_nt, media_type):
    response = client.get(AGREEMENT_PATH, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" in vary(response)
    assert isomorphic(parse(response, RDF_FORMATS[media_type][1]), agreement_nt)


def test_resource_description_holds_outgoing_incoming_labels_and_evidence(agreement_nt):
    g = agreement_nt
    agreement = URIRef(AGREEMENT)
    assert (agreement, URIRef(SCO + "party"), URIRef(CNSA)) in g
    assert (agreement, URIRef(SCO + "signingDate"), None) in g
    # labels and types of linked resources, classes included
    assert (URIRef(CNSA), RDFS.label, Literal("China National Space Administration", lang="en")) in g
    assert (URIRef(CNSA), RDF.type, URIRef(SCO + "Agency")) in g
    assert (URIRef(SCO + "Agreement"), RDFS.label, Literal("agreement", lang="en")) in g
    # the evidence, blank nodes followed down to the selectors
    annotation = URIRef(BASE + "id/evidence/000-agreement")
    assert (annotation, URIRef(OA + "hasBody"), agreement) in g
    exact = list(g.objects(None, URIRef(OA + "exact")))
    assert Literal("CNSA and ESA signed a cooperation agreement on 2 January 2020") in exact
    assert (None, URIRef(OA + "start"), None) in g
    # nothing but the neighbourhood: the other document's mission is absent
    assert (URIRef(MISSION), None, None) not in g


def test_resource_description_holds_incoming_links(client):
    g = parse(client.get("/id/agency/cnsa.ttl"), "turtle")
    assert (URIRef(AGREEMENT), URIRef(SCO + "party"), URIRef(CNSA)) in g
    assert (URIRef(TIANGONG), URIRef(SCO + "operator"), URIRef(CNSA)) in g
    # inferred triples are not part of the description
    assert (URIRef(CNSA), URIRef(SCO + "partyTo"), None) not in g


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER, "text/html"),
        ("text/turtle, */*;q=0.1", "text/turtle"),
        ("application/ld+json;q=0.9, text/turtle;q=0.5", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("*/*", "text/turtle"),
    ],
)
def test_resource_gives_browsers_html_and_rdf_clients_rdf(client, accept, expected):
    response = client.get(AGREEMENT_PATH, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "accept" in vary(response)


def test_negotiated_response_names_its_variant(client):
    response = client.get(AGREEMENT_PATH, headers={"Accept": "text/turtle"})
    assert response.headers["content-location"] == f"{client.base_url}{AGREEMENT_PATH}.ttl"


@pytest.mark.parametrize(
    ("extension", "media_type"),
    [("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
     ("rdf", "application/rdf+xml"), ("html", "text/html")],
)
def test_resource_by_extension(client, agreement_nt, extension, media_type):
    response = client.get(f"{AGREEMENT_PATH}.{extension}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" not in vary(response)
    if media_type != "text/html":
        assert isomorphic(parse(response, RDF_FORMATS[media_type][1]), agreement_nt)


@pytest.mark.parametrize(
    ("value", "media_type"),
    [("ttl", "text/turtle"), ("turtle", "text/turtle"), ("jsonld", "application/ld+json"),
     ("nt", "application/n-triples"), ("rdfxml", "application/rdf+xml"), ("html", "text/html"),
     ("application/n-triples", "application/n-triples")],
)
def test_resource_by_format_parameter(client, value, media_type):
    response = client.get(AGREEMENT_PATH, params={"format": value}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize("accept", [BROWSER, "text/turtle", "application/ld+json"])
def test_each_representation_advertises_the_others(client, accept):
    response = client.get(AGREEMENT_PATH, headers={"Accept": accept})
    own = response.headers["content-type"].split(";")[0]
    alternates = {t: href for href, t in links(response)["alternate"]}
    expected = {"text/html", *RDF_FORMATS} - {own}
    assert set(alternates) == expected
    for media_type, href in alternates.items():
        assert href.startswith(str(client.base_url))
        followed = client.get(href)
        assert followed.status_code == 200
        assert followed.headers["content-type"].split(";")[0] == media_type
    assert links(response)["canonical"] == [(AGREEMENT, "")]


def test_html_page_lists_alternates_as_link_elements(client):
    page = elements(client.get(AGREEMENT_PATH, headers={"Accept": BROWSER}).text)
    types = {a["type"] for a in page.find("link", rel="alternate")}
    assert set(RDF_FORMATS) <= types


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_unknown_resource_is_a_problem_json_404(client):
    response = client.get("/id/agency/nowhere", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    assert "nowhere" in response.json()["detail"]


def test_unknown_resource_is_an_html_404_for_browsers(client):
    response = client.get("/id/agency/nowhere", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"].split(";")[0] == "text/html"


@pytest.mark.parametrize(
    ("path", "params", "accept", "status"),
    [
        (AGREEMENT_PATH + ".png", {}, "*/*", 404),
        (AGREEMENT_PATH, {"format": "pdf"}, "*/*", 400),
        (AGREEMENT_PATH, {}, "image/png", 406),
        ("/id/", {}, "text/turtle", 404),
        ("/graph/nothing", {}, "application/trig", 404),
        ("/source/nothing", {}, BROWSER, 404),
        ("/class/Nothing", {}, BROWSER, 404),
        ("/class/Agency", {"page": "9"}, BROWSER, 404),
        ("/class/Agency", {"page": "x"}, BROWSER, 400),
        ("/class/Agency", {"size": "0"}, BROWSER, 400),
        ("/dumps/../pyproject.toml", {}, "*/*", 404),
        ("/id/agency/cnsa%3E%20%3Fp%20%3Fo%20%7D%20%7D%23", {}, "text/turtle", 404),
        ("/graph/x%3E%20%7B", {}, "application/trig", 404),
        ("/dumps/not-a-file.nq", {}, "*/*", 404),
    ],
)
def test_bad_requests_get_4xx(client, path, params, accept, status):
    assert client.get(path, params=params, headers={"Accept": accept}).status_code == status


# ---------------------------------------------------------------------------
# Proxies and base IRIs
# ---------------------------------------------------------------------------

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lod.example.org", "X-Forwarded-Prefix": "/spacecoop"}


def test_html_links_follow_the_proxy_address(client):
    response = client.get(AGREEMENT_PATH, headers={"Accept": BROWSER, **FORWARDED})
    page = elements(response.text)
    hrefs = [a["href"] for a in page.find("a") if "href" in a]
    assert "https://lod.example.org/spacecoop/id/agency/cnsa" in hrefs
    assert not any(h.startswith(str(client.base_url)) for h in hrefs)
    assert all(h.startswith("https://lod.example.org/spacecoop/") for _, h in
               [(a["type"], a["href"]) for a in page.find("link", rel="alternate")])


def test_rdf_keeps_canonical_iris_behind_a_proxy(client, agreement_nt):
    response = client.get(AGREEMENT_PATH, headers={"Accept": "text/turtle", **FORWARDED})
    assert isomorphic(parse(response, "turtle"), agreement_nt)
    assert "lod.example.org" not in response.text
    assert response.headers["content-location"] == "https://lod.example.org/spacecoop" + AGREEMENT_PATH + ".ttl"
    assert all(h.startswith("https://lod.example.org/spacecoop/") for h, _ in links(response)["alternate"])


# ---------------------------------------------------------------------------
# Pages: escaping, languages, class templates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/id/agency/esa", AGREEMENT_PATH, f"/source/{SOURCE_A}", "/class/Agency", f"/graph/{SOURCE_A}",
     "/query?example=cq01-agreement-parties"],
)
def test_markup_in_labels_is_escaped(client, path):
    html = client.get(path, headers={"Accept": BROWSER}).text
    assert '<script>alert("esa")' not in html
    assert "<b>co</b>" not in html
    assert "European Space Agency &lt;script&gt;alert(" in html


def test_label_with_markup_is_shown_as_text(client):
    assert h1_text(client.get("/id/agency/esa", headers={"Accept": BROWSER}).text).startswith(
        "European Space Agency &lt;script&gt;")
    assert MARKUP_LABEL.startswith("European Space Agency <script>")


@pytest.mark.parametrize(
    ("accept_language", "headline", "beside"),
    [
        (None, "China National Space Administration", "国家航天局"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "国家航天局", None),
        ("fr-FR,fr;q=0.9", "China National Space Administration", "国家航天局"),
        ("en-GB", "China National Space Administration", "国家航天局"),
    ],
)
def test_page_labels_follow_accept_language(client, accept_language, headline, beside):
    headers = {"Accept": BROWSER}
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = client.get("/id/agency/cnsa", headers=headers)
    match = re.search(r'<h1><span class="label">(.*?)</span>'
                      r'(?: <span class="beside" lang="zh">(.*?)</span>)?</h1>', response.text)
    assert match, response.text[:500]
    assert match.group(1) == headline
    assert match.group(2) == beside
    assert "accept-language" in vary(response)


def test_agreement_page_shows_parties_and_date_first(client):
    html = client.get(AGREEMENT_PATH, headers={"Accept": BROWSER}).text
    headline = re.search(r'<dl class="headline agreement">(.*?)</dl>', html, re.S)
    assert headline, "the agreement template was not used"
    text = headline.group(1)
    assert "Parties" in text and "Signed" in text
    assert "China National Space Administration" in text and "2020-01-02" in text
    assert html.index('class="headline agreement"') < html.index('id="properties"')


def test_mission_page_shows_launch_crew_and_platform(client):
    html = client.get("/id/mission/shenzhou-15", headers={"Accept": BROWSER}).text
    headline = re.search(r'<dl class="headline mission">(.*?)</dl>', html, re.S)
    assert headline, "the mission template was not used"
    for expected in ("Launch", "2022-11-29", "Crew", "Fei Junlong", "Platform", "Tiangong space station"):
        assert expected in headline.group(1)


def test_resource_page_shows_properties_incoming_links_and_evidence(client):
    html = client.get("/id/agency/cnsa", headers={"Accept": BROWSER}).text
    page = elements(html)
    hrefs = {a.get("href") for a in page.find("a")}
    assert f"{client.base_url}/id/agreement/cnsa-esa-2020" in hrefs  # incoming: party
    assert f"{client.base_url}/id/spacecraft/tiangong" in hrefs  # incoming: operator
    assert f"{client.base_url}/ontology#Agency" in hrefs  # type, linked to the vocabulary
    esa = client.get("/id/agency/esa", headers={"Accept": BROWSER}).text
    assert "<mark>ESA signed</mark>" in esa
    assert f'href="{client.base_url}/source/{SOURCE_A}?highlight=agency/esa#ev-000-esa"' in esa
    for media in RDF_FORMATS:
        assert f'type="{media}"' in esa


def test_pages_load_nothing_from_another_host(client):
    for path in ("/", AGREEMENT_PATH, "/query", f"/source/{SOURCE_A}", "/ontology", "/dumps/", "/class/Agency"):
        page = elements(client.get(path, headers={"Accept": BROWSER}).text)
        loaded = [a.get("src") for t, a in page.tags if t in ("script", "img", "iframe") and a.get("src")]
        loaded += [a["href"] for a in page.find("link") if a.get("rel") in ("stylesheet", "icon", "preload")]
        assert all(not u.startswith(("http://", "https://", "//")) or u.startswith(str(client.base_url))
                   for u in loaded), (path, loaded)


# ---------------------------------------------------------------------------
# The vocabulary and the JSON-LD context
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology_graph(fixture_release: Path) -> Graph:
    return Graph().parse(fixture_release / "ontology.ttl", format="turtle")


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
@pytest.mark.parametrize("path", ["/ontology", "/ontology.{ext}"])
def test_ontology_in_each_rdf_format(client, ontology_graph, media_type, path):
    ext, rdflib_format = RDF_FORMATS[media_type]
    response = client.get(path.format(ext=ext), headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert isomorphic(parse(response, rdflib_format), ontology_graph)


def test_ontology_is_documentation_for_browsers_anchored_at_every_term(client, ontology_graph):
    response = client.get("/ontology", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in vary(response)
    ids = set(re.findall(r'\bid="([^"]+)"', response.text))
    terms = {str(s)[len(SCO):] for s in ontology_graph.subjects() if str(s).startswith(SCO)}
    assert terms and terms <= ids, sorted(terms - ids)
    types = {a["type"] for a in elements(response.text).find("link", rel="alternate")}
    assert set(RDF_FORMATS) <= types


def test_the_vocabulary_page_has_a_way_back_to_the_site(client):
    """pyLODE's page gets the site's bar: home, the query page, search, the endpoint, the dumps."""
    page = client.get("/ontology", headers={"Accept": BROWSER}).text
    bar = page[page.index("<body"):][:2000]
    assert 'class="spacecoop-site-bar"' in bar
    hrefs = re.findall(r'href="([^"]+)"', bar[bar.index("spacecoop-site-bar"):bar.index("</nav>")])
    assert hrefs == [str(client.base_url.join(path)) for path in ("/", "/query", "/search", "/sparql", "/dumps/")]


@pytest.mark.parametrize("term", ["Agreement", "signingDate", "party"])
def test_term_iris_dereference_to_the_vocabulary(client, ontology_graph, term):
    """A client strips the fragment: `…/ontology#party` is a GET of /ontology."""
    iri = httpx.URL(f"{client.base_url}/ontology#{term}")
    response = client.get(iri.copy_with(fragment=None), headers={"Accept": "text/turtle"})
    graph = parse(response, "turtle")
    assert (URIRef(SCO + term), RDF.type, None) in graph
    page = client.get(iri.copy_with(fragment=None), headers={"Accept": BROWSER}).text
    assert f'id="{term}"' in page


def test_context_is_generated_from_the_vocabulary(client):
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    context = response.json()["@context"]
    assert context["party"] == {"@id": "sco:party", "@type": "@id", "@container": "@set"}
    assert context["Agreement"] == "sco:Agreement"
    assert context["sco"] == SCO


def test_jsonld_reads_as_plain_json_and_parses_back(client, agreement_nt):
    response = client.get(AGREEMENT_PATH, headers={"Accept": "application/ld+json"})
    document = response.json()
    assert document["@context"] == f"{client.base_url}/context.jsonld"
    nodes = {n["id"]: n for n in document["@graph"]}
    agreement = nodes[AGREEMENT]
    assert agreement["type"] == "Agreement"
    assert sorted(agreement["party"]) == sorted([CNSA, ESA])
    assert agreement["label"]["en"] == "CNSA–ESA cooperation agreement of 2020"
    assert isomorphic(parse(response, "json-ld"), agreement_nt)


# ---------------------------------------------------------------------------
# Named graphs and source documents
# ---------------------------------------------------------------------------

GRAPH_A = f"{BASE}graph/{SOURCE_A}"


@pytest.fixture(scope="module")
def document_graph(fixture_release: Path) -> Graph:
    dataset = Dataset()
    dataset.parse(fixture_release / "data.nq", format="nquads")
    return dataset.graph(URIRef(GRAPH_A))


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("application/trig", "trig"), ("application/n-quads", "nquads"), ("text/turtle", "turtle")],
)
def test_named_graph_of_a_document(client, document_graph, accept, rdflib_format):
    response = client.get(f"/graph/{SOURCE_A}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    if rdflib_format == "turtle":
        graph = parse(response, "turtle")
    else:
        dataset = Dataset()
        dataset.parse(data=response.content, format=rdflib_format)
        assert URIRef(GRAPH_A) in {g.identifier for g in dataset.graphs()}
        graph = dataset.graph(URIRef(GRAPH_A))
    assert isomorphic(graph, document_graph)


@pytest.mark.parametrize("extension", ["trig", "nq", "ttl", "html"])
def test_named_graph_by_extension(client, extension):
    response = client.get(f"/graph/{SOURCE_A}.{extension}")
    assert response.status_code == 200


def test_named_graph_page_links_to_its_source_page(client):
    html = client.get(f"/graph/{SOURCE_A}", headers={"Accept": BROWSER}).text
    assert f'href="{client.base_url}/source/{SOURCE_A}"' in html


def test_source_page_marks_every_quote_and_links_the_resources_it_supports(client):
    html = client.get(f"/source/{SOURCE_A}", params={"highlight": "all"}, headers={"Accept": BROWSER}).text
    assert 'id="ev-000-agreement"' in html and 'id="ev-000-esa"' in html
    marked = "".join(re.findall(r'<mark class="quote[^"]*"[^>]*>(.*?)</mark>', html))
    assert marked == "CNSA and ESA signed a cooperation agreement on 2 January 2020"
    assert f'href="{client.base_url}{AGREEMENT_PATH}"' in html
    assert f'href="{client.base_url}/id/agency/esa"' in html
    assert "The agreement covers space science." in html  # the body
    assert "Agencies sign an agreement" in h1_text(html)


def test_source_text_is_served_as_it_is(client):
    response = client.get(f"/source/{SOURCE_A}.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content.decode("utf-8") == TEXT_A


# ---------------------------------------------------------------------------
# Home page and class listings
# ---------------------------------------------------------------------------


def test_home_page_says_what_the_dataset_holds(client):
    response = client.get("/", headers={"Accept": BROWSER})
    assert response.status_code == 200
    html = response.text
    for path in ("/class/Agency", "/class/Agreement", "/class/CrewedMission", f"/source/{SOURCE_A}",
                 "/dumps/", "/ontology", "/sparql", "/query", "/void"):
        assert f'href="{client.base_url}{path}"' in html, path
    data = client.get("/", params={"format": "json"}).json()
    counts = {c["name"]: c["count"] for c in data["classes"]}
    assert counts["Agency"] == 2 and counts["Agreement"] == 1 and counts["NewsArticle"] == 2
    assert len(data["sources"]) == 2


def test_home_page_embeds_a_schema_org_dataset(client):
    html = client.get("/", headers={"Accept": BROWSER}).text
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    dataset = json.loads(match.group(1))
    assert dataset["@type"] == "Dataset" and dataset["@context"] == "https://schema.org/"
    assert dataset["name"] and len(dataset["description"]) >= 50
    assert dataset["license"].startswith("https://creativecommons.org/")
    urls = [d["contentUrl"] for d in dataset["distribution"]]
    assert urls and all(client.get(u).status_code == 200 for u in urls)
    assert all(d["@type"] == "DataDownload" and d["encodingFormat"] for d in dataset["distribution"])


def test_class_listing_pages_members_by_label(client):
    data = client.get("/class/Actor", params={"format": "json"}).json()
    labels = [m["label"] for m in data["members"]]
    assert labels == sorted(labels, key=str.lower)
    assert data["total"] == 3  # two agencies and an astronaut, through the subclasses
    assert {m["url"] for m in data["members"]} == {f"{client.base_url}/id/agency/cnsa",
                                                   f"{client.base_url}/id/agency/esa",
                                                   f"{client.base_url}/id/person/fei-junlong"}
    html = client.get("/class/Actor", headers={"Accept": BROWSER}).text
    assert "Fei Junlong" in html


@pytest.mark.parametrize(
    ("page", "member", "previous", "next_"),
    [(1, "China National Space Administration", None, "page=2&size=1"),
     (2, MARKUP_LABEL, "page=1&size=1", "page=3&size=1"),
     (3, "Fei Junlong", "page=2&size=1", None)],
)
def test_class_listing_pages_follow_each_other(client, page, member, previous, next_):
    data = client.get("/class/Actor", params={"page": page, "size": 1, "format": "json"}).json()
    assert [m["label"] for m in data["members"]] == [member]
    assert (data["previous"] or "").endswith(previous or "") and bool(data["previous"]) == bool(previous)
    assert (data["next"] or "").endswith(next_ or "") and bool(data["next"]) == bool(next_)


@pytest.mark.parametrize("accept", ["text/turtle", BROWSER])
def test_head_of_a_resource_has_the_headers_of_its_get(client, accept):
    head = client.head(AGREEMENT_PATH, headers={"Accept": accept})
    get = client.get(AGREEMENT_PATH, headers={"Accept": accept})
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "vary", "link", "content-location"):
        assert head.headers[name] == get.headers[name]
