"""The pure parts of the Linked Data layer: addresses, languages, quotes, the context, anchors."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from starlette.requests import Request

from spacecoop.web.pages import labels
from spacecoop.web.pages.baseiri import IriMap, iri_map
from spacecoop.web.pages.context import build_context
from spacecoop.web.pages.describe import describe_query
from spacecoop.web.pages.highlight import Span, segments
from spacecoop.web.pages.resource_view import short_iri
from spacecoop.web.pages.resources import split_extension
from spacecoop.web.pages.vocabdoc import anchor_terms, term_anchors
from spacecoop.web.pages.vocabulary import Vocabulary

CANONICAL = "https://w3id.org/spacecoop/"


def request(headers: dict[str, str], *, scheme: str = "http", root_path: str = "") -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "server": ("127.0.0.1", 8000),
        "path": "/id/agency/cnsa",
        "root_path": root_path,
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("headers", "server"),
    [
        ({"host": "127.0.0.1:8000"}, "http://127.0.0.1:8000/"),
        ({"host": "127.0.0.1:8000", "x-forwarded-proto": "https", "x-forwarded-host": "data.example.org"},
         "https://data.example.org/"),
        ({"host": "internal:8000", "x-forwarded-proto": "https", "x-forwarded-host": "example.org, proxy.local",
          "x-forwarded-prefix": "/spacecoop/"}, "https://example.org/spacecoop/"),
        ({"host": "internal:8000", "forwarded": 'for=1.2.3.4;proto=https;host="lod.example.net"'},
         "https://lod.example.net/"),
    ],
)
def test_server_base_follows_forwarded_headers(headers, server):
    assert iri_map(request(headers), CANONICAL).server == server


def test_canonical_iris_map_onto_the_server_and_back():
    iris = IriMap(CANONICAL, "http://localhost:8000/")
    assert iris.to_server(CANONICAL + "id/agency/cnsa") == "http://localhost:8000/id/agency/cnsa"
    assert iris.to_server(CANONICAL + "ontology#party") == "http://localhost:8000/ontology#party"
    assert iris.to_server("http://www.wikidata.org/entity/Q1") == "http://www.wikidata.org/entity/Q1"
    assert iris.to_canonical("/id/agency/cnsa") == CANONICAL + "id/agency/cnsa"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ["en"]),
        ("zh-CN,zh;q=0.9,en;q=0.8", ["zh", "en"]),
        ("fr;q=0.5, de", ["de", "fr", "en"]),
        ("en-GB;q=0.2, zh;q=0", ["en"]),
        ("*", ["en"]),
    ],
)
def test_preferred_languages_follow_accept_language(header, expected):
    assert labels.preferred_languages(header) == expected


def test_label_choice_falls_back_to_english_and_shows_chinese_beside():
    found = [Literal("航天局", lang="zh"), Literal("Space agency", lang="en"), Literal("Agence", lang="fr")]
    english = labels.choose(found, ["de", "en"])
    assert english == Literal("Space agency", lang="en")
    assert labels.beside(found, english) == Literal("航天局", lang="zh")
    chinese = labels.choose(found, ["zh", "en"])
    assert chinese == Literal("航天局", lang="zh")
    assert labels.beside(found, chinese) is None
    assert labels.choose([Literal("plain")], ["en"]) == Literal("plain")
    assert labels.choose([], ["en"]) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("id/agency/cnsa.ttl", ("id/agency/cnsa", "ttl")),
        ("id/agency/cnsa.JSONLD", ("id/agency/cnsa", "jsonld")),
        ("id/agency/cnsa", ("id/agency/cnsa", None)),
        ("id/person/j.smith", ("id/person/j.smith", None)),
        ("id/a.ttl/b", ("id/a.ttl/b", None)),
    ],
)
def test_extensions_are_split_off_resource_paths(path, expected):
    assert split_extension(path) == expected


def test_overlapping_quotes_cut_the_text_into_marked_segments():
    text = "CNSA and ESA signed it."
    cuts = segments(text, [Span("a", 0, 19), Span("b", 9, 19), Span("c", 9, 12)])
    assert [(s.text, s.covered_by, s.starts, s.ends) for s in cuts] == [
        ("CNSA and ", ["a"], ["a"], []),
        ("ESA", ["a", "b", "c"], ["b", "c"], ["c"]),
        (" signed", ["a", "b"], [], ["a", "b"]),
        (" it.", [], [], []),
    ]
    assert "".join(s.text for s in cuts) == text


def test_quotes_are_clipped_to_the_part_of_the_text_shown():
    cuts = segments("header|body", [Span("q", 3, 9)], begin=7)
    assert [(s.text, s.covered_by) for s in cuts] == [("bo", ["q"]), ("dy", [])]


VOCABULARY = """
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
sco:Agreement a owl:Class ; rdfs:label "agreement"@en .
sco:Actor a owl:Class .
sco:Agency a owl:Class ; rdfs:subClassOf sco:Actor .
sco:party a owl:ObjectProperty .
sco:agreementType a owl:ObjectProperty , owl:FunctionalProperty .
sco:count a owl:DatatypeProperty ; rdfs:range xsd:integer .
sco:signingDate a owl:DatatypeProperty ; rdfs:range rdfs:Literal .
sco:sha256 a owl:DatatypeProperty ; rdfs:range xsd:string .
"""


def test_context_terms_come_from_the_vocabulary():
    context = build_context(Vocabulary(Graph().parse(data=VOCABULARY, format="turtle")))
    assert context["Agreement"] == "sco:Agreement"
    assert context["party"] == {"@id": "sco:party", "@type": "@id", "@container": "@set"}
    assert context["agreementType"] == {"@id": "sco:agreementType", "@type": "@id"}
    assert context["count"] == {"@id": "sco:count", "@type": "xsd:integer"}
    assert context["signingDate"] == "sco:signingDate"
    assert context["sha256"] == "sco:sha256"
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert context["id"] == "@id" and context["type"] == "@type"


def test_class_depth_orders_templates_most_specific_first():
    vocabulary = Vocabulary(Graph().parse(data=VOCABULARY, format="turtle"))
    assert vocabulary.depth[CANONICAL + "ontology#Agency"] == 1
    assert vocabulary.depth[CANONICAL + "ontology#Actor"] == 0
    assert vocabulary.ancestors(CANONICAL + "ontology#Agency") == [CANONICAL + "ontology#Agency",
                                                                   CANONICAL + "ontology#Actor"]


PYLODE_PAGE = """<html><head></head><body>
<div class="property entity" id="signingdate">
  <h3>signing date <sup class="sup-dp">dp</sup></h3>
  <table><tr><th>IRI</th><td><code>https://w3id.org/spacecoop/ontology#signingDate</code></td></tr></table>
</div>
<div class="property entity" id="Agreement">
  <h3>agreement</h3>
  <table><tr><th>IRI</th><td><code>https://w3id.org/spacecoop/ontology#Agreement</code></td></tr></table>
</div></body></html>"""


def test_vocabulary_page_gets_an_anchor_per_local_name():
    page = anchor_terms(PYLODE_PAGE, CANONICAL + "ontology#")
    assert '<span id="signingDate" class="term-anchor"></span>' in page
    assert page.count('id="Agreement"') == 1
    assert term_anchors(page)[CANONICAL + "ontology#signingDate"] == "signingdate"
    assert anchor_terms(page, CANONICAL + "ontology#") == page


def test_describe_query_parses_and_excludes_the_inferred_graph():
    from rdflib.plugins.sparql import prepareQuery

    query = describe_query(CANONICAL + "id/agency/cnsa")
    prepareQuery(query)
    assert "graph/inferred" in query


def test_short_iris_use_the_dataset_prefixes():
    assert short_iri(CANONICAL + "ontology#party") == "sco:party"
    assert short_iri("http://www.w3.org/2001/XMLSchema#date") == "xsd:date"
    assert short_iri("http://example.org/x") == "http://example.org/x"
