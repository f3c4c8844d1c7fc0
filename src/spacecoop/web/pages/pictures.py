"""Pictures of the data: the cooperation network, the timeline and a resource's neighbourhood.

Each picture is one SPARQL SELECT query, sent by the browser to this server's
`/sparql` and drawn by `static/pictures.js` (vis-network for the graphs,
vis-timeline for the timeline). The queries live here so that the pages show
them (each picture has its query beside it, and a link opening it on `/query`)
and the tests run them.

Every query answers in the same shape: rows about resources (`?node`, its
`?kind` and each of its `?label`s) and rows about links (`?node ?link
?target`) or dates (`?node ?dateProperty ?date`), each link or date with the
`?document` it comes from: the source document whose named graph states it
(the article itself for what the sources graph says about an article) and that
document's `?documentTitle`. The pictures filter by that document.

Only dates the data states are drawn, at the precision stated (a `xsd:gYear`
spans its year); a plan's timeframe in words stays words (shown beside a dated
plan, never placed on the timeline).

Templates reach the pictures through the Jinja global `pictures` that
`register` installs: `pictures.home(site, page_language, gettext)` gives the
home page's network and timeline, `pictures.neighbourhood(iri, site,
page_language, gettext)` a resource's neighbourhood
(`templates/_neighbourhood.html`). The English text kept here (titles,
descriptions, the kinds' and dates' labels where the vocabulary has none) is
marked with `N_` and shown translated by the page's `gettext`; the messages
`static/pictures.js` writes come from the page too (`templates/_picture.html`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from spacecoop.iris import BASE, GRAPH, ID, OA, SCO
from spacecoop.web.i18n import N_
from spacecoop.web.pages.describe import is_safe_iri

if TYPE_CHECKING:
    import jinja2

    from spacecoop.web.pages.site import Site, SiteLinks
    from spacecoop.web.pages.vocabulary import Vocabulary

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Kind:
    """A kind of resource as the pictures draw it: its classes, colour and shape."""

    name: str
    classes: tuple[str, ...]  # local names in the vocabulary (sco:…), the one naming the kind first
    label: str  # English (translated where shown), when the vocabulary has no label for the first class
    colour: str
    shape: str  # a vis-network shape whose label is drawn below it

    @property
    def class_iris(self) -> tuple[str, ...]:
        return tuple(f"{SCO}{name}" for name in self.classes)


# Most specific kinds first: a resource of classes of several kinds is drawn as the first. The
# colours are the Okabe–Ito palette, told apart with colour-blindness too; the shapes tell them apart in grey.
KINDS: tuple[Kind, ...] = (
    Kind("agency", ("Agency",), N_("space agency"), "#0072B2", "dot"),
    Kind("country", ("Country",), N_("country"), "#009E73", "diamond"),
    Kind("organisation", ("Organization", "InternationalOrganization", "Alliance", "GovernmentBody",
                          "TrainingCentre", "NewsMedium"), N_("organisation"), "#56B4E9", "square"),
    Kind("agreement", ("Agreement",), N_("agreement"), "#E69F00", "triangle"),
    Kind("payload-project", ("PayloadProject",), N_("payload project"), "#CC79A7", "star"),
    Kind("spacecraft", ("Spacecraft", "SpaceStation", "CrewedSpacecraft", "SpaceProbe"), N_("spacecraft"),
         "#7F7F7F", "hexagon"),
    Kind("launch", ("Launch", "Landing"), N_("launch"), "#D55E00", "triangleDown"),
    Kind("event", ("Event", "Meeting", "Summit", "PressConference", "Exhibition"), N_("event"), "#F0E442", "dot"),
    Kind("mission", ("Mission", "CrewedMission", "LunarMission"), N_("mission"), "#D55E00", "triangle"),
    Kind("plan", ("Plan",), N_("plan"), "#999933", "square"),
    Kind("document", ("Document", "NewsArticle", "WhitePaper", "Letter"), N_("document"), "#332288", "square"),
    Kind("person", ("Person", "Astronaut"), N_("person"), "#882255", "dot"),
    Kind("programme", ("Programme", "LunarResearchStation", "SatelliteNavigationSystem", "SatelliteConstellation",
                       "TrainingProgramme", "Initiative"), N_("programme"), "#44AA99", "hexagon"),
    Kind("place", ("Place", "City", "Region", "CelestialBody"), N_("place"), "#117733", "diamond"),
)
OTHER = Kind("other", (), N_("other"), "#BBBBBB", "dot")  # a resource of no class above
KIND_BY_NAME = {kind.name: kind for kind in (*KINDS, OTHER)}

# The cooperation network: who cooperates (agencies, countries, organisations other than news media),
# through what (agreements, payload projects), and the station hosting a project.
NETWORK_CLASSES: tuple[str, ...] = tuple(
    c for kind in KINDS if kind.name in ("agency", "country", "organisation", "agreement", "payload-project")
    for c in kind.class_iris if c != f"{SCO}NewsMedium"
) + (f"{SCO}SpaceStation",)
NETWORK_LINKS: tuple[str, ...] = (f"{SCO}party", f"{SCO}cooperationPartner", f"{SCO}participant", f"{SCO}hostedOn")
NETWORK_LINK_SUBJECTS: tuple[str, ...] = (f"{SCO}Agreement", f"{SCO}PayloadProject")

# The timeline: documents by publication, events, launches and missions, plans with a target date,
# agreements with a signing date.
TIMELINE_KINDS = ("document", "event", "launch", "mission", "plan", "agreement")
DATE_PROPERTIES: tuple[tuple[str, str], ...] = (  # (property, English label when the vocabulary has none)
    (f"{DCTERMS}issued", N_("published")),
    (f"{SCO}date", N_("date")),
    (f"{SCO}launchDate", N_("launch date")),
    (f"{SCO}landingDate", N_("landing date")),
    (f"{SCO}signingDate", N_("signing date")),
    (f"{SCO}targetDate", N_("target date")),
)
DATE_TYPES = (f"{XSD}date", f"{XSD}gYearMonth", f"{XSD}gYear")

# Links a neighbourhood leaves out: those of the evidence annotations (the resource page quotes them).
NEIGHBOURHOOD_SKIPPED = (f"{OA}hasBody", f"{OA}hasSource")

PREFIXES = f"""PREFIX sco: <{SCO}>
PREFIX rdfs: <{RDFS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX xsd: <{XSD}>
PREFIX oa: <{OA}>
PREFIX id: <{ID}>
PREFIX graph: <{GRAPH}>
"""


def _curie(iri: str) -> str:
    for prefix, namespace in (("sco", str(SCO)), ("dcterms", DCTERMS), ("xsd", XSD), ("oa", str(OA)),
                              ("rdfs", RDFS)):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def _values_kinds(kinds: Iterable[Kind], only: Iterable[str] | None = None) -> str:
    """`(?class ?kind)` pairs for a VALUES block, one per line."""
    allowed = set(only) if only is not None else None
    pairs = [f'(sco:{name} "{kind.name}")' for kind in kinds for name, iri in zip(kind.classes, kind.class_iris,
                                                                                     strict=True)
             if allowed is None or iri in allowed]
    return "\n      ".join(pairs)


def _document(graph_var: str, subject_var: str) -> str:
    """The source document a statement comes from: the one its named graph belongs to, or, for the
    sources graph (which describes the articles), the article it describes."""
    return (f"BIND(IF({graph_var} = graph:sources, {subject_var}, "
            f"IRI(CONCAT(STR(id:), \"source/\", STRAFTER(STR({graph_var}), STR(graph:))))) AS ?document)\n"
            "  OPTIONAL { GRAPH graph:sources { ?document rdfs:label ?documentTitle } }")


def network_query() -> str:
    """Agencies, countries, organisations, agreements and payload projects, and the links between them."""
    links = " ".join(_curie(p) for p in NETWORK_LINKS)
    subjects = " ".join(_curie(c) for c in NETWORK_LINK_SUBJECTS)
    return PREFIXES + f"""# The cooperation network: a row per resource drawn (its kind, a label) and a row per link
# (party to an agreement, partner in or participant of a payload project, host of a payload project),
# each with the source document stating it.
SELECT DISTINCT ?node ?kind ?label ?link ?target ?document ?documentTitle WHERE {{
  {{
    GRAPH ?graph {{ ?node a ?class }}
    VALUES (?class ?kind) {{
      {_values_kinds(KINDS, NETWORK_CLASSES)}
    }}
    OPTIONAL {{ ?node rdfs:label ?label }}
  }} UNION {{
    GRAPH ?graph {{ ?node ?link ?target }}
    VALUES ?link {{ {links} }}
    ?node a ?linked .
    VALUES ?linked {{ {subjects} }}
  }}
  FILTER(?graph NOT IN (graph:inferred, graph:sources))
  {_document("?graph", "?node")}
}}
"""


def timeline_query() -> str:
    """Dated documents, events, launches, missions, plans and agreements, each date as stated."""
    kinds = [KIND_BY_NAME[name] for name in TIMELINE_KINDS]
    properties = " ".join(_curie(p) for p, _ in DATE_PROPERTIES)
    types = ", ".join(_curie(t) for t in DATE_TYPES)
    return PREFIXES + f"""# The timeline: a row per date stated of a document (published), an event, a launch, a
# mission, a plan (its target date) or an agreement (signed), with a label of the resource and the
# source document stating the date. A plan's timeframe in words comes along; it is never placed on the timeline.
SELECT DISTINCT ?node ?kind ?label ?dateProperty ?date ?timeframe ?document ?documentTitle WHERE {{
  GRAPH ?graph {{ ?node ?dateProperty ?date }}
  VALUES ?dateProperty {{ {properties} }}
  FILTER(datatype(?date) IN ({types}))
  FILTER(?graph != graph:inferred)
  GRAPH ?typeGraph {{ ?node a ?class }}
  FILTER(?typeGraph != graph:inferred)
  VALUES (?class ?kind) {{
      {_values_kinds(kinds)}
  }}
  OPTIONAL {{ ?node rdfs:label ?label }}
  OPTIONAL {{ ?node sco:timeframe ?timeframe }}
  {_document("?graph", "?node")}
}}
"""


def neighbourhood_query(iri: str) -> str:
    """`iri`, the resources it links to and those linking to it (one step), and those links.

    Raises `ValueError` for a string that cannot be written as a SPARQL IRI as it is."""
    if not is_safe_iri(iri):
        raise ValueError(f"not an IRI that can be queried: {iri!r}")
    skipped = ", ".join(_curie(p) for p in NEIGHBOURHOOD_SKIPPED)
    return PREFIXES + f"""# The neighbourhood of <{iri}>: a row per link between it and another resource of the
# dataset, in either direction (the evidence annotations left out), with the source document stating
# it, and a row per resource drawn with its kind and a label.
SELECT DISTINCT ?node ?kind ?label ?link ?target ?document ?documentTitle WHERE {{
  {{
    {{ GRAPH ?graph {{ <{iri}> ?link ?target }} BIND(<{iri}> AS ?node) }}
    UNION
    {{ GRAPH ?graph {{ ?node ?link <{iri}> }} BIND(<{iri}> AS ?target) }}
    FILTER(isIRI(?node) && isIRI(?target) && STRSTARTS(STR(?node), STR(id:)) && STRSTARTS(STR(?target), STR(id:)))
    FILTER(?link NOT IN ({skipped}))
    FILTER(?graph != graph:inferred)
    {_document("?graph", "?node")}
  }} UNION {{
    {{ BIND(<{iri}> AS ?node) }}
    UNION {{ <{iri}> ?out ?node }}
    UNION {{ ?node ?in <{iri}> FILTER(?in NOT IN ({skipped})) }}
    FILTER(isIRI(?node) && STRSTARTS(STR(?node), STR(id:)))
    OPTIONAL {{
      GRAPH ?typeGraph {{ ?node a ?class }}
      FILTER(?typeGraph != graph:inferred)
      VALUES (?class ?kind) {{
      {_values_kinds(KINDS)}
      }}
    }}
    OPTIONAL {{ ?node rdfs:label ?label }}
  }}
}}
"""


# ---------------------------------------------------------------------------
# What the templates get
# ---------------------------------------------------------------------------


# The pictures' titles and descriptions, in English; `picture` shows them in the page's language.
NETWORK_TITLE = N_("Cooperation network")
NETWORK_DESCRIPTION = N_("Agencies, countries and organisations, the agreements they are party to and the payload "
                         "projects they take part in. Each node opens its page.")
TIMELINE_TITLE = N_("Timeline")
TIMELINE_DESCRIPTION = N_("Documents by publication date, events and launches, missions, plans with a target date "
                          "and agreements with a signing date: only dates the data states, as precise as stated "
                          "(a year spans its year). Each item opens its page.")
NEIGHBOURHOOD_TITLE = N_("Neighbourhood")
NEIGHBOURHOOD_DESCRIPTION = N_("This resource, the resources it links to and those linking to it. "
                               "Each node opens its page.")


def untranslated(message: str) -> str:
    """The English of `message`: the translation of a page that passes none."""
    return message


@dataclass(frozen=True)
class Picture:
    """One picture as a template draws it: its query, where to send it, and how to draw the answer.

    Its title, description and labels are in the page's language (the `gettext` it was made with)."""

    id: str  # the element's id
    drawing: str  # "network" or "timeline"
    title: str
    description: str
    query: str
    query_url: str  # the query on /query, to run or edit it there
    legend: list[dict[str, str]]
    config: dict[str, Any]  # read by pictures.js


def _kind_label(kind: Kind, vocabulary: Vocabulary | None, languages: list[str],
                gettext: Callable[[str], str] = untranslated) -> str:
    """The vocabulary's label of the kind's first class, else the kind's English label translated."""
    if vocabulary is not None and kind.class_iris:
        return vocabulary.label(kind.class_iris[0], languages) or gettext(kind.label)
    return gettext(kind.label)


def _languages(page_language: str) -> list[str]:
    return [page_language] if page_language == "en" else [page_language, "en"]


def picture(site: SiteLinks, page_language: str, *, id: str, drawing: str, title: str, description: str,
            query: str, kinds: Iterable[str], vocabulary: Vocabulary | None = None,
            focus: str | None = None, gettext: Callable[[str], str] = untranslated) -> Picture:
    """A picture of `query`'s answer, drawn as `drawing` with the legend of `kinds`.

    `title`, `description` and the English labels of kinds and dates (where the vocabulary has
    none) are shown translated by `gettext` (the page's; English without one)."""
    languages = _languages(page_language)
    shown = [KIND_BY_NAME[name] for name in kinds]
    every = (*KINDS, OTHER)
    config = {
        "drawing": drawing,
        "sparql": site.sparql,
        "canonicalBase": site.iris.canonical,
        "serverBase": site.iris.server,
        "languages": languages,
        "focus": focus,
        "kinds": {k.name: {"label": _kind_label(k, vocabulary, languages, gettext), "colour": k.colour,
                           "shape": k.shape} for k in every},
        "kindOrder": [k.name for k in every],
        "properties": {iri: (vocabulary.label(iri, languages) if vocabulary is not None else None) or gettext(english)
                       for iri, english in DATE_PROPERTIES},
    }
    return Picture(
        id=id, drawing=drawing, title=gettext(title), description=gettext(description), query=query,
        query_url=site.query + "?" + urlencode({"query": query}),
        legend=[{"kind": k.name, "label": _kind_label(k, vocabulary, languages, gettext), "colour": k.colour,
                 "shape": k.shape} for k in shown],
        config=config,
    )


def home_pictures(site: SiteLinks, page_language: str, vocabulary: Vocabulary | None = None,
                  gettext: Callable[[str], str] = untranslated) -> dict[str, Picture]:
    """The home page's pictures: the cooperation network and the timeline."""
    return {
        "network": picture(
            site, page_language, id="cooperation-network", drawing="network", title=NETWORK_TITLE,
            description=NETWORK_DESCRIPTION, query=network_query(), vocabulary=vocabulary, gettext=gettext,
            kinds=("agency", "country", "organisation", "agreement", "payload-project", "spacecraft")),
        "timeline": picture(
            site, page_language, id="timeline", drawing="timeline", title=TIMELINE_TITLE,
            description=TIMELINE_DESCRIPTION, query=timeline_query(), vocabulary=vocabulary, gettext=gettext,
            kinds=TIMELINE_KINDS),
    }


def neighbourhood_picture(iri: str, site: SiteLinks, page_language: str, vocabulary: Vocabulary | None = None,
                          gettext: Callable[[str], str] = untranslated) -> Picture | None:
    """The neighbourhood of `iri` as a network, or None for an IRI no query can name."""
    if not is_safe_iri(iri) or not iri.startswith(BASE):
        return None
    return picture(
        site, page_language, id="neighbourhood", drawing="network", title=NEIGHBOURHOOD_TITLE,
        description=NEIGHBOURHOOD_DESCRIPTION, query=neighbourhood_query(iri), vocabulary=vocabulary,
        gettext=gettext, focus=iri, kinds=[k.name for k in KINDS])


class Pictures:
    """The Jinja global `pictures`: the pictures of a page, labelled with the site's vocabulary.

    A template passes its `gettext` (`pictures.home(site, page_language, gettext)`) for the
    pictures' text in the page's language; without it they are English."""

    def __init__(self, vocabulary: Callable[[], Vocabulary | None]) -> None:
        self._vocabulary = vocabulary

    def home(self, site: SiteLinks, page_language: str,
             gettext: Callable[[str], str] = untranslated) -> dict[str, Picture]:
        return home_pictures(site, page_language, self._vocabulary(), gettext)

    def neighbourhood(self, iri: str, site: SiteLinks, page_language: str,
                      gettext: Callable[[str], str] = untranslated) -> Picture | None:
        return neighbourhood_picture(str(iri), site, page_language, self._vocabulary(), gettext)


def register(site: Site) -> None:
    """Make `pictures` a global of `site`'s templates (the vocabulary is read when a page first needs it)."""
    install(site.templates, lambda: _vocabulary_or_none(site))


def install(templates: jinja2.Environment, vocabulary: Callable[[], Vocabulary | None] = lambda: None) -> None:
    """Make `pictures` a global of `templates`."""
    templates.globals["pictures"] = Pictures(vocabulary)


def _vocabulary_or_none(site: Site) -> Vocabulary | None:
    return site.vocabulary if site.release.ontology_ttl.exists() else None

