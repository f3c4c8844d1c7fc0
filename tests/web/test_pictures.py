"""The pictures' queries and templates (spacecoop.web.pages.pictures, templates/_network.html, …).

Each picture query runs on the fixture release through the server's own
`/sparql`, as the browser sends it, and its answer holds exactly the nodes,
links and dated items the pictures draw: the fixture agreement with its two
agencies, the mission's launch on its stated date, the articles on their
publication dates, each from the source document stating it. The templates
render the figures with their query (shown, and linked to `/query`) and a
`<noscript>` link; the neighbourhood partial renders from `iri`, `site` and
`page_language` alone. The vendored drawing libraries are the files their
SOURCE names, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape
from rdflib import RDFS, Graph, URIRef
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    BASE,
    CNSA,
    ESA,
    FEI,
    MARKUP_LABEL,
    MISSION,
    ROOT,
    SOURCE_A,
    SOURCE_B,
    TIANGONG,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.iris import SCO
from spacecoop.web.pages import pictures
from spacecoop.web.pages.baseiri import IriMap
from spacecoop.web.pages.site import STATIC_DIR, Config, Site, SiteLinks

DOC_A = f"{BASE}id/source/{SOURCE_A}"
DOC_B = f"{BASE}id/source/{SOURCE_B}"
XSD = "http://www.w3.org/2001/XMLSchema#"
SERVER = "http://pictures.example/"
LINKS = SiteLinks(IriMap(BASE, SERVER))


def select(client, query: str) -> list[dict[str, dict[str, str]]]:
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def values(row: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: term["value"] for name, term in row.items()}


def links(rows) -> set[tuple[str, str, str, str]]:
    """(node, link, target, document) of each link row."""
    return {(r["node"], r["link"], r["target"], r["document"]) for r in map(values, rows) if "link" in r}


def nodes(rows) -> dict[str, set[str]]:
    """Each node row's node with its kinds."""
    found: dict[str, set[str]] = {}
    for r in map(values, rows):
        if "link" not in r:
            found.setdefault(r["node"], set()).update({r["kind"]} if "kind" in r else set())
    return found


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------


def test_network_query_gives_the_agreement_and_its_two_agencies(client):
    rows = select(client, pictures.network_query())
    assert links(rows) == {
        (AGREEMENT, f"{SCO}party", CNSA, DOC_A),
        (AGREEMENT, f"{SCO}party", ESA, DOC_A),
    }
    assert nodes(rows) == {AGREEMENT: {"agreement"}, CNSA: {"agency"}, ESA: {"agency"}, TIANGONG: {"spacecraft"}}


def test_network_query_gives_labels_in_each_language_and_document_titles(client):
    rows = [values(r) for r in select(client, pictures.network_query())]
    esa_labels = {r["label"] for r in rows if r["node"] == ESA and "label" in r}
    assert esa_labels == {MARKUP_LABEL, "欧洲航天局"}
    titles = {r["document"]: r["documentTitle"] for r in rows}
    assert titles == {DOC_A: "Agencies sign an agreement", DOC_B: "Shenzhou-15 launches"}


def test_network_query_leaves_out_people_missions_and_the_inferred_graph(client):
    rows = select(client, pictures.network_query())
    drawn = set(nodes(rows)) | {iri for link in links(rows) for iri in (link[0], link[2])}
    assert FEI not in drawn and MISSION not in drawn
    assert not any(r["link"] == f"{SCO}partyTo" for r in map(values, rows) if "link" in r)


# ---------------------------------------------------------------------------
# The timeline
# ---------------------------------------------------------------------------


def dated(rows) -> set[tuple[str, str, str, str, str, str]]:
    """(node, kind, property, date, datatype, document) of each row."""
    return {(values(r)["node"], values(r)["kind"], values(r)["dateProperty"], r["date"]["value"],
             r["date"].get("datatype", ""), values(r)["document"]) for r in rows}


def test_timeline_query_gives_the_stated_dates_only(client):
    rows = select(client, pictures.timeline_query())
    assert dated(rows) == {
        (MISSION, "mission", f"{SCO}launchDate", "2022-11-29", f"{XSD}date", DOC_B),
        (AGREEMENT, "agreement", f"{SCO}signingDate", "2020-01-02", f"{XSD}date", DOC_A),
        # each article's publication, stated in the sources graph, counts as coming from the article
        (DOC_A, "document", "http://purl.org/dc/terms/issued", "2020-01-03", f"{XSD}date", DOC_A),
        (DOC_B, "document", "http://purl.org/dc/terms/issued", "2022-11-30", f"{XSD}date", DOC_B),
    }


def test_timeline_query_labels_its_items(client):
    rows = [values(r) for r in select(client, pictures.timeline_query())]
    assert {r["label"] for r in rows if r["node"] == MISSION} == {"Shenzhou-15", "神舟十五号"}


# ---------------------------------------------------------------------------
# A neighbourhood
# ---------------------------------------------------------------------------


def test_neighbourhood_of_the_agreement_is_its_parties_and_source(client):
    rows = select(client, pictures.neighbourhood_query(AGREEMENT))
    assert links(rows) == {
        (AGREEMENT, f"{SCO}party", CNSA, DOC_A),
        (AGREEMENT, f"{SCO}party", ESA, DOC_A),
        (AGREEMENT, "http://www.w3.org/ns/prov#wasDerivedFrom", DOC_A, DOC_A),
    }
    kinds = nodes(rows)
    assert {AGREEMENT, CNSA, ESA, DOC_A} <= set(kinds)
    assert kinds[AGREEMENT] == {"agreement"} and kinds[CNSA] == {"agency"}
    # neither the evidence annotations nor the vocabulary's terms are neighbours
    assert not [n for n in kinds if "/id/evidence/" in n or not n.startswith(f"{BASE}id/")]


def test_neighbourhood_of_an_agency_holds_the_links_into_it(client):
    found = links(select(client, pictures.neighbourhood_query(CNSA)))
    assert (AGREEMENT, f"{SCO}party", CNSA, DOC_A) in found
    assert (TIANGONG, f"{SCO}operator", CNSA, DOC_B) in found


@pytest.mark.parametrize("iri", ["", "https://w3id.org/spacecoop/id/x> } DROP ALL {", "not an iri <"])
def test_neighbourhood_query_refuses_what_is_no_iri(iri):
    with pytest.raises(ValueError):
        pictures.neighbourhood_query(iri)
    assert pictures.neighbourhood_picture(iri, LINKS, "en") is None


def test_neighbourhood_is_only_for_the_datasets_resources():
    assert pictures.neighbourhood_picture("https://example.org/elsewhere", LINKS, "en") is None


# ---------------------------------------------------------------------------
# The kinds cover the vocabulary
# ---------------------------------------------------------------------------


def test_every_class_under_a_drawn_kind_has_that_kind():
    """A class the vocabulary adds under a kind's class is drawn as that kind (the kinds list it)."""
    vocabulary = Graph().parse(ROOT / "ontology" / "spacecoop.ttl")
    listed = {iri for kind in pictures.KINDS for iri in kind.class_iris}
    for kind in pictures.KINDS:
        root = URIRef(kind.class_iris[0])
        below = {str(c) for c in vocabulary.transitive_subjects(RDFS.subClassOf, root)}
        missing = {c for c in below if c not in listed}
        assert not missing, f"{kind.name}: {sorted(missing)}"
    for iri in listed:
        assert (URIRef(iri), None, None) in vocabulary, f"{iri} is not in the vocabulary"


# ---------------------------------------------------------------------------
# The template context and the partials
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(fixture_release: Path) -> Site:
    """The site's templates with `pictures` installed, rendered without a store or a route."""
    made = Site(Config(dist=fixture_release), store=None)  # type: ignore[arg-type]  (no query is run)
    pictures.register(made)
    return made


def test_home_pictures_link_their_queries_to_the_query_page():
    home = pictures.home_pictures(LINKS, "en")
    assert home["network"].query == pictures.network_query()
    assert home["timeline"].query == pictures.timeline_query()
    for picture in home.values():
        url = urlsplit(picture.query_url)
        assert f"{url.scheme}://{url.netloc}{url.path}" == SERVER + "query"
        assert parse_qs(url.query)["query"] == [picture.query]
        assert picture.config["sparql"] == SERVER + "sparql"
        assert picture.config["canonicalBase"] == BASE and picture.config["serverBase"] == SERVER


def test_pictures_label_kinds_and_dates_in_the_page_language(site):
    network = site.templates.globals["pictures"].home(LINKS, "zh")["network"]
    legend = {k["kind"]: k["label"] for k in network.legend}
    assert legend["agency"] == "航天机构"  # the vocabulary's label
    assert legend["payload-project"] == "payload project"  # the fixture vocabulary has none: English
    timeline = site.templates.globals["pictures"].home(LINKS, "zh")["timeline"]
    assert timeline.config["properties"][f"{SCO}launchDate"] == "发射日期"
    assert timeline.config["languages"] == ["zh", "en"]


def render_neighbourhood(site: Site, iri: str) -> str:
    return site.templates.get_template("_neighbourhood.html").render(iri=iri, site=LINKS, page_language="en")


def test_neighbourhood_partial_needs_only_iri_site_and_language(site):
    page = render_neighbourhood(site, AGREEMENT)
    assert '<figure class="picture picture-network" id="neighbourhood" data-picture="network"' in page
    assert str(escape(pictures.neighbourhood_query(AGREEMENT))) in page
    query_url = escape(pictures.neighbourhood_picture(AGREEMENT, LINKS, "en").query_url)  # type: ignore[union-attr]
    assert page.count(f'href="{query_url}"') == 2  # in <noscript> and under the query
    assert re.search(r"<noscript>.*Run its query.*</noscript>", page, re.S)
    assert f'src="{SERVER}static/pictures.js"' in page
    assert f'src="{SERVER}static/vendor/vis-network/vis-network.min.js"' in page
    config = json.loads(re.search(r'<script type="application/json" class="picture-config">(.*?)</script>',
                                  page, re.S).group(1))  # type: ignore[union-attr]
    assert config["focus"] == AGREEMENT and config["drawing"] == "network"


def test_neighbourhood_partial_renders_nothing_for_what_has_no_neighbourhood(site):
    assert render_neighbourhood(site, "https://example.org/x>").strip() == ""
    bare = Site(Config(dist=site.config.dist), store=None)  # type: ignore[arg-type]  (no query is run)
    bare.templates.globals.pop("pictures", None)  # a site whose templates lack the global
    assert bare.templates.get_template("_neighbourhood.html").render(
        iri=AGREEMENT, site=LINKS, page_language="en").strip() == ""


def test_home_page_shows_both_pictures_with_their_queries(client):
    """Needs `pictures.register(site)` in `Site` (see spacecoop.web.pages.pictures)."""
    page = client.get("/", headers={"Accept": "text/html"}).text
    assert '<section id="pictures"' in page
    for id, query in (("cooperation-network", pictures.network_query()), ("timeline", pictures.timeline_query())):
        figure = page[page.index(f'id="{id}"'):]
        figure = figure[:figure.index("</figure>")]
        assert str(escape(query)) in figure
        assert re.search(r'<noscript>.*href="[^"]*/query\?query=PREFIX[^"]*">Run its query</a>', figure, re.S)
    assert "vendor/vis-timeline/vis-timeline-graph2d.min.css" in page[:page.index("</head>")]
    # without the script, the page still lists the data: classes and sources
    assert 'id="classes"' in page and 'id="sources"' in page


# ---------------------------------------------------------------------------
# The vendored libraries
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("package", ["vis-network", "vis-timeline"])
def test_vendored_files_are_those_their_source_names(package):
    folder = STATIC_DIR / "vendor" / package
    source = (folder / "SOURCE").read_text(encoding="utf-8")
    assert re.search(r"^integrity: sha512-\S+$", source, re.M)
    listed = dict(re.findall(r"^  \S+ -> (\S+) ([0-9a-f]{64})$", source, re.M))
    assert listed, "SOURCE lists no files"
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    present = {p.name for p in folder.iterdir()} - {"SOURCE"}
    assert present == set(listed), "a file is there that SOURCE does not list, or the reverse"
    assert not [p for p in present if p.endswith(".map")]
    assert any(name.startswith("LICENSE") for name in present)
