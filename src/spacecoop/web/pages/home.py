"""The home page (`/`) and the class listings (`/class/{name}`, paged by label).

Each view builds one data dict that feeds both the page and its JSON twin
(`?format=json` or `Accept: application/json`), Datasette-style. The home page
embeds a schema.org `Dataset` in JSON-LD for dataset search engines.

A class listing is a table: each member's English and Chinese labels and the
class's key properties — the ones `CLASS_COLUMNS` names for the class or an
ancestor (an agreement's parties, signing date and type; a mission's launch,
crew and spacecraft) where its members have them, else the properties most of
its members have — with every value linked to its page. `static/tables.js`
sorts the table by a column when its header is clicked; without script it is
a plain table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsInt, cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from spacecoop.iris import INFERRED_GRAPH, SCO
from spacecoop.rdf import formats
from spacecoop.web.http import negotiation as neg
from spacecoop.web.i18n import N_
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages.describe import is_safe_iri
from spacecoop.web.pages.descriptions import load
from spacecoop.web.pages.representations import choose
from spacecoop.web.pages.resource_view import WELL_KNOWN, short_iri
from spacecoop.web.pages.resources import select
from spacecoop.web.pages.site import LANGUAGE_VARY, Alternate, Page, Site, vary
from spacecoop.web.pages.vocabulary import LABEL_PROPERTIES

PAGE_OR_JSON = neg.FormatTable.of(*formats.named("html", "json"))
JSON = formats.JSON


def _respond(page: Page, request: Request, template: str, data: dict[str, Any], *, path: str,
             extra_alternates: Sequence[Alternate] = ()) -> Response:
    """The data dict as a page or as JSON, each advertising the other."""
    choice = choose(request, PAGE_OR_JSON, None)
    query = f"?{request.url.query}&" if request.url.query else "?"
    base = page.iris.path(path)
    if choice.media_type == JSON:
        response: Response = JSONResponse(data)
        alternates = [Alternate(neg.HTML, f"{base}{query}format=html", "HTML"), *extra_alternates]
        from spacecoop.web.pages.site import add_links

        add_links(response, alternates)
    else:
        alternates = [Alternate(JSON, f"{base}{query}format=json", "JSON"), *extra_alternates]
        response = page.html(template, {"data": data}, alternates=alternates)
    vary(response, *LANGUAGE_VARY)  # the interface's language and the labels'; the JSON's labels too
    if choice.negotiated:
        vary(response, "Accept")
    return page.conditional(response, choice.media_type)


def _labels(site: Site, iris: list[str]) -> dict[str, list[Literal]]:
    iris = [i for i in iris if is_safe_iri(i)]
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    props = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    rows = select(site, f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} GRAPH ?g {{ ?x ?p ?label }} "
                        f"FILTER(?p IN ({props})) FILTER(?g != <{INFERRED_GRAPH}>) }}")
    found: dict[str, list[Literal]] = {}
    for row in rows:
        if isinstance(row.get("label"), Literal):
            found.setdefault(str(row["x"]), []).append(cast(Literal, row["label"]))
    return found


def _label(found: dict[str, list[Literal]], iri: str, languages: list[str]) -> tuple[str, str | None]:
    labels = found.get(iri, [])
    chosen = labelling.choose(labels, languages)
    if chosen is None:
        return iri.rstrip("/").rsplit("/", 1)[-1].split("#")[-1], None
    other = labelling.beside(labels, chosen)
    return str(chosen), (str(other) if other is not None else None)


def _int(term: object) -> int:
    try:
        return int(cast("str | SupportsInt", term))
    except (TypeError, ValueError):
        return 0


# ---------------------------------------------------------------------------
# /
# ---------------------------------------------------------------------------


def home_data(site: Site, page: Page) -> dict[str, Any]:
    """What `/` shows: the dataset, its classes with counts, its sources and where to go next."""
    void = load(site.release.void_ttl) if site.release.void_ttl.exists() else None
    dataset = next(iter(void.subjects(RDF.type, URIRef("http://rdfs.org/ns/void#Dataset"))), None) if void else None
    top = next((d for d in (void.subjects(RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) if void else [])
                if (None, URIRef("http://rdfs.org/ns/void#subset"), d) not in cast(Graph, void)), dataset)
    title = (str(void.value(top, DCTERMS.title))
             if void is not None and top is not None and void.value(top, DCTERMS.title) else "spacecoop")
    description = (str(void.value(top, DCTERMS.description)) if void is not None and top is not None
                   and void.value(top, DCTERMS.description) else
                   "International space cooperation as linked data: facts from five news articles, "
                   "each with its verbatim evidence.")

    rows = select(site, f"""SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        GRAPH ?g {{ ?s a ?type }} FILTER(?g != <{INFERRED_GRAPH}>) FILTER(STRSTARTS(STR(?type), "{SCO}"))
    }} GROUP BY ?type ORDER BY DESC(?n) ?type""")
    classes = []
    for row in rows:
        iri = str(row["type"])
        local = iri[len(str(SCO)):]
        classes.append({
            "iri": iri,
            "name": local,
            "label": site.vocabulary.label(iri, page.languages) or local,
            "count": _int(row["n"]),
            "url": page.iris.path(f"class/{local}"),
        })

    source_rows = select(site, f"""SELECT ?src ?issued WHERE {{
        GRAPH ?g {{ ?src a <{SCO.NewsArticle}> OPTIONAL {{ ?src <{DCTERMS.issued}> ?issued }} }}
        FILTER(?g != <{INFERRED_GRAPH}>) }} ORDER BY ?src""")
    labels = _labels(site, sorted({str(r["src"]) for r in source_rows}))
    sources, seen = [], set()
    for row in source_rows:
        iri = str(row["src"])
        if iri in seen:
            continue
        seen.add(iri)
        sid = iri.rsplit("/", 1)[-1]
        sources.append({
            "iri": iri,
            "id": sid,
            "title": _label(labels, iri, page.languages)[0],
            "issued": str(row["issued"]) if row.get("issued") is not None else None,
            "url": page.iris.path(f"source/{sid}"),
            "resource_url": page.iris.to_server(iri),
            "graph_url": page.iris.path(f"graph/{sid}"),
        })

    counts = site.store.counts()
    files = site.manifest.get("files", [])
    return {
        "title": title,
        "description": description,
        "release": site.manifest.get("release") or site.store.release_id,
        # The default graph is the RDF merge of the named graphs: a triple two documents state is one
        # triple there and two statements (quads) in the named graphs.
        "triples": _int(select(site, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]),
        "statements": sum(counts.values()),
        "graphs": counts,
        "classes": classes,
        "sources": sources,
        "links": {
            "dumps": page.links.dumps,
            "vocabulary": page.links.ontology,
            "sparql": page.links.sparql,
            "query": page.links.query,
            "void": page.links.void,
            "catalog": page.links.catalog,
            "context": page.links.context,
        },
        "dumps": [{"path": f["path"], "media_type": f.get("media_type"), "bytes": f.get("bytes"),
                   "url": page.iris.path(f"dumps/{f['path']}")} for f in files],
        "dataset_iri": str(top) if top is not None else site.config.base_iri + "void#dataset",
    }


def schema_org(data: dict[str, Any], page: Page) -> dict[str, Any]:
    """A schema.org `Dataset` (what Google Dataset Search and others index)."""
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": data["dataset_iri"],
        "name": data["title"],
        "description": data["description"],
        "url": page.iris.server,
        "sameAs": page.iris.canonical,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "isAccessibleForFree": True,
        "keywords": ["space cooperation", "linked data", "knowledge graph", "evidence", "news"],
        "inLanguage": ["en", "zh"],
        "creator": {"@type": "Organization", "name": "The spacecoop developers"},
        "version": data["release"],
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": d["media_type"], "contentUrl": d["url"],
             **({"contentSize": f"{d['bytes']} B"} if d.get("bytes") is not None else {})}
            for d in data["dumps"]
        ],
        "includedInDataCatalog": {"@type": "DataCatalog", "url": data["links"]["catalog"]},
        "variableMeasured": [c["label"] for c in data["classes"]],
    }


def home(site: Site, request: Request) -> Response:
    page = site.page(request)
    data = home_data(site, page)
    data["schema_org"] = schema_org(data, page)
    return _respond(page, request, "home.html", data, path="",
                    extra_alternates=[Alternate(neg.TURTLE, page.iris.path("void.ttl"), "VoID (Turtle)")])


# ---------------------------------------------------------------------------
# /class/{name}
# ---------------------------------------------------------------------------


MAX_PAGE_SIZE = 1000
MAX_COLUMNS = 3
# Key columns of a class (its local name, lower case, or an ancestor's): (heading, properties).
# The headings stay English in the JSON; the page translates them.
CLASS_COLUMNS: dict[str, list[tuple[str, list[str]]]] = {
    "agreement": [(N_("parties"), [str(SCO.party)]), (N_("signed"), [str(SCO.signingDate), str(SCO.date)]),
                  (N_("type"), [str(SCO.agreementType)])],
    "mission": [(N_("launch date"), [str(SCO.launchDate)]),
                (N_("crew"), [str(SCO.commander), str(SCO.crewMember)]),
                (N_("spacecraft"), [str(SCO.spacecraft)])],
}
# Properties that never make a column: labels and types are shown already.
NOT_COLUMNS = {str(RDF.type), str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(DCTERMS.title)}
# Properties every member has and that say little about it: a column only when nothing else fills one.
LAST_RESORT = {str(PROV.wasDerivedFrom)}


def _page_query(number: int, size: int, default: int) -> str:
    return f"page={number}" if size == default else f"page={number}&size={size}"


def _members_pattern(site: Site, iri: str) -> tuple[list[str], str]:
    """The class and its subclasses, and the SPARQL pattern binding `?s` to their members."""
    classes = [c for c in site.vocabulary.terms
               if iri in site.vocabulary.ancestors(c) and site.vocabulary.terms[c].kind == "class"]
    values = " ".join(f"<{c}>" for c in sorted(classes))
    return classes, f"GRAPH ?g {{ ?s a ?t }} VALUES ?t {{ {values} }} FILTER(?g != <{INFERRED_GRAPH}>)"


def _coverage(site: Site, members: str) -> list[tuple[str, int]]:
    """Each property of the members with how many members have it, most common first."""
    rows = select(site, f"""SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        {{ SELECT DISTINCT ?s WHERE {{ {members} }} }}
        GRAPH ?g3 {{ ?s ?p ?o }} FILTER(?g3 != <{INFERRED_GRAPH}>)
    }} GROUP BY ?p ORDER BY DESC(?n) ?p""")
    return [(str(r["p"]), _int(r["n"])) for r in rows]


def class_columns(site: Site, iri: str, coverage: list[tuple[str, int]],
                  languages: list[str]) -> list[dict[str, Any]]:
    """The key columns of a class: its `CLASS_COLUMNS` that its members fill, else (and to make up at
    least two) the properties most of its members have."""
    present = {p for p, _ in coverage}
    columns: list[dict[str, Any]] = []
    for ancestor in site.vocabulary.ancestors(iri):
        spec = CLASS_COLUMNS.get(ancestor.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower())
        if spec:
            columns = [{"heading": heading, "properties": [p for p in props if p in present]}
                       for heading, props in spec if any(p in present for p in props)]
            break
    used = {p for c in columns for p in c["properties"]}
    spare = [p for p, _ in coverage if p not in NOT_COLUMNS and p not in used]
    wanted = 2 if columns else MAX_COLUMNS
    chosen = [p for p in spare if p not in LAST_RESORT][: max(0, wanted - len(columns))]
    chosen += [p for p in spare if p in LAST_RESORT][: max(0, 2 - len(columns) - len(chosen))]
    for predicate in chosen:
        heading = site.vocabulary.label(predicate, languages) or WELL_KNOWN.get(predicate) or _local(predicate)
        columns.append({"heading": heading, "properties": [predicate]})
    for number, column in enumerate(columns):
        column["key"] = f"c{number}"
    return columns


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _column_values(site: Site, page: Page, subjects: list[str],
                   columns: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """subject -> column key -> its values ({"value", "label", "url" for IRIs, "beside"})."""
    predicates = sorted({p for c in columns for p in c["properties"]})
    safe = [s for s in subjects if is_safe_iri(s)]
    if not predicates or not safe:
        return {}
    rows = select(site, f"""SELECT DISTINCT ?s ?p ?o WHERE {{
        VALUES ?s {{ {" ".join(f"<{s}>" for s in safe)} }} VALUES ?p {{ {" ".join(f"<{p}>" for p in predicates)} }}
        GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED_GRAPH}>) }}""")
    labels = _labels(site, sorted({str(r["o"]) for r in rows if isinstance(r["o"], URIRef)}))
    column_of = {p: c["key"] for c in columns for p in c["properties"]}
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        obj = row["o"]
        cell = out.setdefault(str(row["s"]), {}).setdefault(column_of[str(row["p"])], [])
        if isinstance(obj, URIRef):
            label, beside = _label(labels, str(obj), page.languages)
            item = {"value": str(obj), "label": label, "beside": beside, "url": page.iris.to_server(str(obj))}
        else:
            item = {"value": str(obj), "label": str(obj), "beside": None, "url": None}
        if item["value"] not in [i["value"] for i in cell]:
            cell.append(item)
    for cells in out.values():
        for cell in cells.values():
            cell.sort(key=lambda i: (str(i["label"]).lower(), i["value"]))
    return out


def _language_label(found: dict[str, list[Literal]], iri: str, language: str) -> str | None:
    """The member's label in `language` (any regional variant), if it has one."""
    matching = sorted(str(lab) for lab in found.get(iri, [])
                      if (lab.language or "").lower().split("-")[0] == language)
    return matching[0] if matching else None


def class_listing(site: Site, request: Request) -> Response:
    """The members of a class and of its subclasses as a table sorted by English label, a page at a time."""
    page = site.page(request)
    name = request.path_params["name"]
    iri = f"{SCO}{name}"
    term = site.vocabulary.terms.get(iri)
    if term is None or term.kind != "class":
        raise HTTPException(404, f"there is no class sco:{name} in the vocabulary")
    try:
        number = int(request.query_params.get("page", "1"))
        size = int(request.query_params.get("size", str(site.config.page_size)))
    except ValueError as error:
        raise HTTPException(400, "page and size must be whole numbers") from error
    if number < 1:
        raise HTTPException(400, "page numbers start at 1")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise HTTPException(400, f"size must be between 1 and {MAX_PAGE_SIZE}")
    classes, members = _members_pattern(site, iri)
    total = _int(select(site, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {members} }}")[0]["n"])
    if number > 1 and (number - 1) * size >= total:
        raise HTTPException(404, f"page {number} is past the end ({total} members)")
    rows = select(site, f"""SELECT ?s (MIN(?l) AS ?key) WHERE {{
        {members}
        OPTIONAL {{ GRAPH ?g2 {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l0 }} """
                        f"""FILTER(langMatches(lang(?l0), "en")) }}
        BIND(LCASE(STR(COALESCE(?l0, ?s))) AS ?l)
    }} GROUP BY ?s ORDER BY ?key ?s LIMIT {size} OFFSET {(number - 1) * size}""")
    subjects = [str(r["s"]) for r in rows]
    labels = _labels(site, subjects)
    columns = class_columns(site, iri, _coverage(site, members) if total else [], page.languages)
    cells = _column_values(site, page, subjects, columns)
    items = []
    for s in subjects:
        label, beside = _label(labels, s, page.languages)
        items.append({"iri": s, "label": label, "beside": beside, "url": page.iris.to_server(s),
                      "label_en": _language_label(labels, s, "en"), "label_zh": _language_label(labels, s, "zh"),
                      "values": {c["key"]: cells.get(s, {}).get(c["key"], []) for c in columns}})
    base = page.iris.path(f"class/{name}")
    data = {
        "class": {"iri": iri, "name": name, "label": site.vocabulary.label(iri, page.languages) or name,
                  "curie": short_iri(iri), "url": page.iris.to_server(iri),
                  "definition": str(term.definition) if term.definition else None},
        "subclasses": [{"name": c[len(str(SCO)):], "label": site.vocabulary.label(c, page.languages) or c,
                        "url": page.iris.path(f"class/{c[len(str(SCO)):]}")} for c in sorted(classes) if c != iri],
        "total": total,
        "page": number,
        "page_size": size,
        "columns": columns,
        "members": items,
        "previous": f"{base}?{_page_query(number - 1, size, site.config.page_size)}" if number > 1 else None,
        "next": f"{base}?{_page_query(number + 1, size, site.config.page_size)}" if number * size < total else None,
    }
    return _respond(page, request, "class.html", data, path=f"class/{name}")
