"""Support for the Linked Data tests: a fixture release and a server process serving it.

The fixture release is small and exact: two document graphs (an agreement
between two agencies; a crewed mission with its crew and station), a sources
graph, an inferred graph, a small vocabulary and three competency questions,
plus the two source texts the evidence quotes point into. One agency's English
label contains markup, for the escaping tests. `write_release` builds it with
the build's own release writer (support.releases), so it has every file a real
release has: dumps, example queries, VoID, DCAT, the manifest, the store.

This module holds no tests; the `test_linkeddata_*` modules import from it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from support.releases import FixtureInputs, build_release, competency_query
from support.server import ServerProcess, free_port  # noqa: F401  (free_port: for the browser tests)
from support.server import start_server as start_serve_process

BASE = "https://w3id.org/spacecoop/"
ROOT = Path(__file__).resolve().parents[2]

SOURCE_A = "000_aaaaaaaaaaaaaaaa"
SOURCE_B = "001_bbbbbbbbbbbbbbbb"
TEXT_A = (
    "date 2020-01-03 Agencies sign an agreement\n\n"
    "CNSA and ESA signed a cooperation agreement on 2 January 2020 in Beijing. "
    "The agreement covers space science.\n\n"
    "Reporter: nobody\n"
)
TEXT_B = (
    "Shenzhou-15\n\n"
    "The Shenzhou-15 crewed mission launched on 29 November 2022, carrying commander Fei Junlong "
    "to the Tiangong space station.\n"
)
MARKUP_LABEL = 'European Space Agency <script>alert("esa")</script> & <b>co</b>'

QUOTE_AGREEMENT = "CNSA and ESA signed a cooperation agreement on 2 January 2020"
QUOTE_ESA = "ESA signed"
QUOTE_MISSION = "The Shenzhou-15 crewed mission launched on 29 November 2022"
QUOTE_CREW = "commander Fei Junlong"

AGREEMENT = BASE + "id/agreement/cnsa-esa-2020"
CNSA = BASE + "id/agency/cnsa"
ESA = BASE + "id/agency/esa"
MISSION = BASE + "id/mission/shenzhou-15"
FEI = BASE + "id/person/fei-junlong"
TIANGONG = BASE + "id/spacecraft/tiangong"

ONTOLOGY_TTL = """
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .

<https://w3id.org/spacecoop/ontology> a owl:Ontology ;
    dcterms:title "spacecoop fixture vocabulary"@en ;
    dcterms:description "A small part of the spacecoop vocabulary, for tests."@en ;
    dcterms:creator "The spacecoop developers" ;
    dcterms:created "2026-01-01"^^xsd:date .

sco:Actor a owl:Class ; rdfs:label "actor"@en , "行为主体"@zh .
sco:Organization a owl:Class ; rdfs:subClassOf sco:Actor ; rdfs:label "organisation"@en , "组织"@zh .
sco:Agency a owl:Class ; rdfs:subClassOf sco:Organization ; rdfs:label "space agency"@en , "航天机构"@zh ;
    skos:definition "A governmental body responsible for space activities."@en .
sco:Person a owl:Class ; rdfs:subClassOf sco:Actor ; rdfs:label "person"@en , "人物"@zh .
sco:Astronaut a owl:Class ; rdfs:subClassOf sco:Person ; rdfs:label "astronaut"@en , "航天员"@zh .
sco:Spacecraft a owl:Class ; rdfs:label "spacecraft"@en , "航天器"@zh .
sco:SpaceStation a owl:Class ; rdfs:subClassOf sco:Spacecraft ; rdfs:label "space station"@en , "空间站"@zh .
sco:Mission a owl:Class ; rdfs:subClassOf prov:Activity ; rdfs:label "mission"@en , "任务"@zh .
sco:CrewedMission a owl:Class ; rdfs:subClassOf sco:Mission ; rdfs:label "crewed mission"@en , "载人航天任务"@zh .
sco:Agreement a owl:Class ; rdfs:subClassOf prov:Entity ; rdfs:label "agreement"@en , "协议"@zh ;
    skos:definition "A cooperation agreement or memorandum of understanding between two or more parties."@en .
sco:Document a owl:Class ; rdfs:label "document"@en , "文献"@zh .
sco:NewsArticle a owl:Class ; rdfs:subClassOf sco:Document ; rdfs:label "news article"@en , "新闻报道"@zh .
sco:AgreementType a owl:Class ; rdfs:subClassOf skos:Concept ; rdfs:label "agreement type"@en , "协议类型"@zh .
sco:cooperationAgreement a sco:AgreementType , skos:Concept ; rdfs:label "cooperation agreement"@en , "合作协议"@zh .

sco:party a owl:ObjectProperty ; rdfs:label "party"@en , "缔约方"@zh ;
    rdfs:domain sco:Agreement ; rdfs:range sco:Actor ; owl:inverseOf sco:partyTo .
sco:partyTo a owl:ObjectProperty ; rdfs:label "party to"@en , "参与协议"@zh ;
    rdfs:domain sco:Actor ; rdfs:range sco:Agreement .
sco:agreementType a owl:ObjectProperty , owl:FunctionalProperty ; rdfs:label "has agreement type"@en ;
    rdfs:domain sco:Agreement ; rdfs:range sco:AgreementType .
sco:signingDate a owl:DatatypeProperty , owl:FunctionalProperty ; rdfs:label "signing date"@en , "签署日期"@zh ;
    rdfs:domain sco:Agreement ; rdfs:range rdfs:Literal .
sco:crewMember a owl:ObjectProperty ; rdfs:label "crew member"@en , "乘组成员"@zh ;
    rdfs:domain sco:CrewedMission ; rdfs:range sco:Person .
sco:commander a owl:ObjectProperty ; rdfs:label "commander"@en , "指令长"@zh ;
    rdfs:domain sco:CrewedMission ; rdfs:range sco:Person .
sco:spacecraft a owl:ObjectProperty ; rdfs:label "uses spacecraft"@en , "使用航天器"@zh ; rdfs:range sco:Spacecraft .
sco:operator a owl:ObjectProperty ; rdfs:label "operator"@en , "运营方"@zh ; rdfs:range sco:Actor .
sco:launchDate a owl:DatatypeProperty , owl:FunctionalProperty ; rdfs:label "launch date"@en , "发射日期"@zh ;
    rdfs:domain sco:Mission ; rdfs:range rdfs:Literal .
sco:count a owl:DatatypeProperty ; rdfs:label "count"@en ; rdfs:range xsd:integer .
sco:sha256 a owl:DatatypeProperty ; rdfs:label "SHA-256"@en ; rdfs:range xsd:string .
sco:fileName a owl:DatatypeProperty ; rdfs:label "file name"@en ; rdfs:range xsd:string .
sco:bodyStart a owl:DatatypeProperty ; rdfs:label "body start"@en ; rdfs:range xsd:nonNegativeInteger .
sco:bodyEnd a owl:DatatypeProperty ; rdfs:label "body end"@en ; rdfs:range xsd:nonNegativeInteger .
"""

PREFIXES = """
@prefix sco: <https://w3id.org/spacecoop/ontology#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix id: <https://w3id.org/spacecoop/id/> .
"""


def _annotation(slug: str, body: str, source: str, text: str, exact: str) -> str:
    start = text.index(exact)
    end = start + len(exact)
    return f"""
<{BASE}id/evidence/{slug}> a oa:Annotation ;
    oa:motivatedBy oa:identifying ;
    oa:hasBody <{body}> ;
    oa:hasTarget [ a oa:SpecificResource ;
        oa:hasSource <{BASE}id/source/{source}> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {json.dumps(exact)} ;
                         oa:prefix {json.dumps(text[max(0, start - 8):start])} ; oa:suffix {json.dumps(text[end:end + 8])} ] ,
                       [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ] .
"""  # noqa: E501 (Turtle template kept as written)


def document_a() -> str:
    src = f"<{BASE}id/source/{SOURCE_A}>"
    return PREFIXES + f"""
<{AGREEMENT}> a sco:Agreement ;
    rdfs:label "CNSA–ESA cooperation agreement of 2020"@en , "中欧航天合作协议"@zh ;
    sco:party <{CNSA}> , <{ESA}> ;
    sco:signingDate "2020-01-02"^^xsd:date ;
    sco:agreementType sco:cooperationAgreement ;
    prov:wasDerivedFrom {src} .
<{CNSA}> a sco:Agency ;
    rdfs:label "China National Space Administration"@en , "国家航天局"@zh ;
    skos:altLabel "CNSA"@en ;
    prov:wasDerivedFrom {src} .
<{ESA}> a sco:Agency ;
    rdfs:label {json.dumps(MARKUP_LABEL)}@en , "欧洲航天局"@zh ;
    prov:wasDerivedFrom {src} .
""" + _annotation("000-agreement", AGREEMENT, SOURCE_A, TEXT_A, QUOTE_AGREEMENT) + _annotation(
        "000-esa", ESA, SOURCE_A, TEXT_A, QUOTE_ESA)


def document_b() -> str:
    src = f"<{BASE}id/source/{SOURCE_B}>"
    return PREFIXES + f"""
<{MISSION}> a sco:CrewedMission ;
    rdfs:label "Shenzhou-15"@en , "神舟十五号"@zh ;
    sco:commander <{FEI}> ;
    sco:crewMember <{FEI}> ;
    sco:spacecraft <{TIANGONG}> ;
    sco:launchDate "2022-11-29"^^xsd:date ;
    prov:wasDerivedFrom {src} .
<{FEI}> a sco:Astronaut ; rdfs:label "Fei Junlong"@en , "费俊龙"@zh ; prov:wasDerivedFrom {src} .
<{TIANGONG}> a sco:SpaceStation ; rdfs:label "Tiangong space station"@en , "天宫空间站"@zh ;
    sco:operator <{CNSA}> ; prov:wasDerivedFrom {src} .
""" + _annotation("001-mission", MISSION, SOURCE_B, TEXT_B, QUOTE_MISSION) + _annotation(
        "001-crew", MISSION, SOURCE_B, TEXT_B, QUOTE_CREW)


def sources_graph() -> str:
    out = PREFIXES
    for sid, text, title, issued in (
        (SOURCE_A, TEXT_A, "Agencies sign an agreement", "2020-01-03"),
        (SOURCE_B, TEXT_B, "Shenzhou-15 launches", "2022-11-30"),
    ):
        body_start = text.index("\n\n") + 2
        body_end = len(text.rstrip("\n"))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        out += f"""
<{BASE}id/source/{sid}> a sco:NewsArticle ;
    rdfs:label {json.dumps(title)}@en ; dcterms:title {json.dumps(title)}@en ;
    dcterms:issued "{issued}"^^xsd:date ; dcterms:language "en" ;
    sco:fileName "{sid}.txt" ; sco:sha256 "{digest}" ;
    sco:bodyStart {body_start} ; sco:bodyEnd {body_end} .
"""
    return out


INFERRED_TTL = PREFIXES + f"""
<{CNSA}> sco:partyTo <{AGREEMENT}> .
<{ESA}> sco:partyTo <{AGREEMENT}> .
<{CNSA}> a sco:Organization , sco:Actor .
"""

# name -> (question, query, expected answer: a set of rows of IRIs/strings, or a boolean)
_QUESTIONS: dict[str, tuple[str, str, object]] = {
    "cq01-agreement-parties": (
        "Which actors are party to the 2020 CNSA–ESA agreement?",
        "PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n"
        f"SELECT ?party WHERE {{ GRAPH ?g {{ <{AGREEMENT}> sco:party ?party }} }} ORDER BY ?party\n",
        {(CNSA,), (ESA,)},
    ),
    "cq02-mission-crew": (
        "Who flew on Shenzhou-15, and on which station?",
        "PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n"
        f"SELECT ?person ?station WHERE {{ GRAPH ?g {{ <{MISSION}> sco:crewMember ?person ; "
        f"sco:spacecraft ?station }} }}\n",
        {(FEI, TIANGONG)},
    ),
    "cq03-operator": (
        "Does CNSA operate the Tiangong space station?",
        "PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n"
        f"ASK {{ GRAPH ?g {{ <{TIANGONG}> sco:operator <{CNSA}> }} }}\n",
        True,
    ),
}
# The same, each query as its competency file (tests/competency/{name}.rq): the header the build reads,
# then the SPARQL. The build publishes the whole file as the example query.
EXAMPLES: dict[str, tuple[str, str, object]] = {
    name: (question, competency_query(question, query), expected)
    for name, (question, query, expected) in _QUESTIONS.items()
}


def write_release(dist: Path) -> Path:
    """Build the fixture release into `dist` with the build's own release writer (see support.releases)."""
    return build_release(dist, FixtureInputs(
        ontology_ttl=ONTOLOGY_TTL,
        instance_ttls={SOURCE_A: document_a(), SOURCE_B: document_b()},
        sources_ttl=sources_graph(),
        source_texts={SOURCE_A: TEXT_A, SOURCE_B: TEXT_B},
        competency={name: query for name, (_, query, _) in EXAMPLES.items()},
        inferred_ttl=INFERRED_TTL,
    ))


# ---------------------------------------------------------------------------
# A server process on a free port
# ---------------------------------------------------------------------------


Server = ServerProcess  # a `spacecoop serve` process: url, client(), stop()


def start_server(dist: Path, log: Path, *, extra_args: tuple[str, ...] = ()) -> Server:
    """`spacecoop serve` on a release that is served as it is, on a free port.

    The tests' client plays the reverse proxy too: its forwarded headers are believed."""
    return start_serve_process(dist, log, "--build", "never", "--host", "127.0.0.1", "--workers", "2",
                               "--log-level", "warning", "--forwarded-allow-ips", "127.0.0.1", *extra_args)


_SERVERS: dict[str, Server] = {}


def shared_server(key: str, make) -> Server:
    """One server per key for the whole session (test modules import the fixtures from here)."""
    if key not in _SERVERS:
        _SERVERS[key] = make()
    return _SERVERS[key]


def stop_all() -> None:
    for server in _SERVERS.values():
        server.stop()
    _SERVERS.clear()


_RELEASES: dict[str, Path] = {}


@pytest.fixture(scope="session")
def fixture_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture release, written once per session under a temporary folder."""
    if "fixture" not in _RELEASES:
        _RELEASES["fixture"] = write_release(tmp_path_factory.mktemp("ld-fixture") / "dist")
    return _RELEASES["fixture"]


@pytest.fixture(scope="session")
def fixture_server(fixture_release: Path):
    """One server process on the fixture release for the whole session."""
    server = shared_server("fixture", lambda: start_server(fixture_release, fixture_release.parent / "server.log"))
    yield server
    stop_all()


@pytest.fixture(scope="session")
def client(fixture_server: Server):
    with fixture_server.client() as http:
        yield http


# Files of the fixture release that /dumps/ serves (as the manifest lists them: all but manifest.json,
# validation.ttl and the store).
DUMP_FILES = (
    "asserted.ttl", "asserted.ttl.gz", "data.jsonld", "data.jsonld.gz", "data.nq", "data.nq.gz", "data.trig",
    "data.trig.gz", "docs/ontology.html", "examples.ttl", "ontology.jsonld", "ontology.nt", "ontology.nt.gz",
    "ontology.rdf", "ontology.ttl", "shapes.ttl", f"sources/{SOURCE_A}.txt", f"sources/{SOURCE_B}.txt", "void.ttl",
    "dcat.ttl",
)
