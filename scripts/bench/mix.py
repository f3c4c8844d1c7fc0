"""The benchmark's query mix, generated from the data with a fixed seed.

    .venv/bin/python scripts/bench/mix.py DATA.nq [--seed 1]    # prints the mix (kind, name, query)

`build_mix` loads the N-Quads file every peer serves into an in-process
pyoxigraph store (default graph = the RDF merge of the named graphs, as on the
endpoints), picks resources, words and classes from it, and writes:

  competency   every tests/competency/*.rq (always, even where they find nothing)
  lookup       SELECT ?p ?o WHERE { <iri> ?p ?o }
  describe     CONSTRUCT { <iri> ?p ?o . ?s ?q <iri> } WHERE { { <iri> ?p ?o } UNION { ?s ?q <iri> } }
  label-en     labels containing a word of a real English label
  label-zh     labels containing two characters of a real Chinese label
  join         an actor's agreements with the other parties' labels; missions with launch dates
               (of a year); an actor's statements with the events' labels
  aggregate    instances per class; triples per graph; instances of one class per graph;
               agreements per type
  paging       members of a class by label, ORDER BY ... LIMIT 20 OFFSET k
  provenance   which documents (named graphs) state facts about <iri>, and their sources' titles
  ask          ASK { <iri> ?p ?o } and ASK { <agreement> sco:party <actor> } (true or false)

Every query is evaluated in process once; a candidate with more than
MAX_ANSWER rows is left out (spacecoop refuses answers over 10000 rows), so a
mix of a large dataset is made of the same kinds of queries as a small one's.
The queries are the same text for every peer: the competency queries' escaped
prefixed names (`id:agency\\/cnsa`, which Virtuoso 7.2 cannot read) are written
out as full IRIs, which keeps their meaning.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPETENCY = ROOT / "tests" / "competency"
SCO = "https://w3id.org/spacecoop/ontology#"
ID = "https://w3id.org/spacecoop/id/"
GRAPH_PREFIX = "https://w3id.org/spacecoop/graph/"
PREFIXES = (
    "PREFIX sco: <https://w3id.org/spacecoop/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
MAX_ANSWER = 5000

# How many queries of each kind (the competency queries come on top, all of them).
PLAN = {
    "lookup": 300,
    "describe": 40,
    "label-en": 20,
    "label-zh": 20,
    "join": 24,
    "aggregate": 8,
    "paging": 24,
    "provenance": 24,
    "ask": 24,
}
# Taken before any sampled query of their kind.
ALWAYS = {"aggregate-per-class", "aggregate-per-graph", "aggregate-agreement-types", "join-missions-launch-dates"}
KINDS = ["lookup", "describe", "label-en", "label-zh", "join", "aggregate", "paging", "provenance", "ask", "competency"]


@dataclass
class Query:
    name: str
    kind: str
    text: str
    form: str  # select, ask, construct
    rows: int = -1  # the in-process answer's size (rows, boolean as 0/1, triples)
    missing_graphs: tuple[str, ...] = ()  # `GRAPH <iri>` of the query that the data does not hold

    @property
    def accept(self) -> str:
        return N_TRIPLES if self.form == "construct" else JSON_RESULTS


# --------------------------------------------------------------------------
# The in-process store (the reference answers and the floor of the timings)
# --------------------------------------------------------------------------

def load_store(data: Path):
    """An in-memory pyoxigraph store: the quads, and their merge as the default graph."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def evaluate(store, query: Query) -> tuple[bytes, str]:
    """The query's answer serialized as an endpoint would send it: (body, media type)."""
    import pyoxigraph as ox

    result = store.query(query.text)
    if query.form == "construct":
        return result.serialize(format=ox.RdfFormat.N_TRIPLES), N_TRIPLES
    return result.serialize(format=ox.QueryResultsFormat.JSON), JSON_RESULTS


def floor_seconds(store, query: Query) -> float:
    started = time.perf_counter()
    evaluate(store, query)
    return time.perf_counter() - started


# --------------------------------------------------------------------------
# Answer sizes: how the agreement check counts
# --------------------------------------------------------------------------

RDF_MEDIA = {
    "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES", "text/ntriples": "N_TRIPLES",
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE", "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD", "application/n-quads": "N_QUADS", "application/trig": "TRIG",
}


def answer_size(form: str, content_type: str, body: bytes) -> int:
    """SELECT: rows; ASK: 1 (true) or 0 (false); CONSTRUCT: distinct triples."""
    if form == "construct":
        import pyoxigraph as ox

        media = content_type.split(";")[0].strip().lower()
        fmt = RDF_MEDIA.get(media)
        if fmt is None:
            raise ValueError(f"unexpected media type {content_type!r} for a CONSTRUCT answer")
        if not body.strip() or body.strip().startswith(b"# Empty"):
            return 0
        return len({(t.subject, t.predicate, t.object) for t in ox.parse(body, format=getattr(ox.RdfFormat, fmt))})
    doc = json.loads(body)
    if "boolean" in doc:
        return int(bool(doc["boolean"]))
    return len(doc["results"]["bindings"])


# --------------------------------------------------------------------------
# Building the mix
# --------------------------------------------------------------------------

def query_form(text: str) -> str:
    stripped = re.sub(r"#[^\n]*", " ", re.sub(r"<[^<>\s]*>", "<>", text))
    match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", stripped, re.IGNORECASE)
    word = match.group(1).upper() if match else "SELECT"
    return {"SELECT": "select", "ASK": "ask"}.get(word, "construct")


def expand_escaped_names(text: str) -> str:
    """`id:agency\\/cnsa` as `<https://w3id.org/spacecoop/id/agency/cnsa>` (same meaning)."""
    try:
        from spacecoop.rdf.escaped_names import expand_escaped_prefixed_names
    except ImportError:  # the project's module moved: the simple case is enough for these files
        prefixes = dict(re.findall(r"PREFIX\s+(\w*):\s*<([^>]*)>", text, re.IGNORECASE))

        def full(match: re.Match) -> str:
            base = prefixes.get(match.group(1))
            if base is None:
                return match.group(0)
            local = re.sub(r"\\(.)", r"\1", match.group(2))
            return "<" + base + local + ">"

        return re.sub(r"(?<![\w<?$])(\w*):((?:[\w\-.]|\\.)*\\.(?:[\w\-]|\\.)*)", full, text)
    return expand_escaped_prefixed_names(text)


def competency_queries() -> list[Query]:
    queries = []
    for path in sorted(COMPETENCY.glob("*.rq")):
        text = expand_escaped_names(path.read_text(encoding="utf-8"))
        queries.append(Query(path.stem, "competency", text, query_form(text)))
    return queries


def uses_prefixes(body: str) -> bool:
    """Whether a query body (IRIs and strings aside) uses one of PREFIXES' names."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', re.sub(r"<[^<>\s]*>", "<>", body))
    return re.search(r"\b(?:sco|rdfs|prov|dcterms|xsd):", bare) is not None


def _values(store, sparql: str) -> list[tuple[str, ...]]:
    """Rows of a SELECT as tuples of lexical values, in the query's order."""
    rows = []
    for solution in store.query(PREFIXES + sparql):
        rows.append(tuple(term.value if term is not None else "" for term in solution))
    return rows


def _iri(value: str) -> str:
    return f"<{value}>"


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _sample(rng: random.Random, items: list, k: int) -> list:
    items = sorted(set(items))
    return rng.sample(items, min(k, len(items)))


def candidates(store, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Candidate (name, query text) pairs per kind, more than the plan asks for; sampled later."""
    out: dict[str, list[tuple[str, str]]] = {kind: [] for kind in PLAN}
    subjects = [r[0] for r in _values(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s")]
    instances = [s for s in subjects if s.startswith(ID)]
    labelled = [r[0] for r in _values(store, f"SELECT DISTINCT ?s WHERE {{ ?s rdfs:label ?l "
                                             f"FILTER(STRSTARTS(STR(?s), \"{ID}\")) }} ORDER BY ?s")]

    # lookup: any subject, mostly the labelled resources people look for
    for i, iri in enumerate(_sample(rng, labelled, PLAN["lookup"] * 3 // 4) + _sample(rng, subjects, PLAN["lookup"])):
        out["lookup"].append((f"lookup-{i:03d}", f"SELECT ?p ?o WHERE {{ {_iri(iri)} ?p ?o }}"))

    for i, iri in enumerate(_sample(rng, labelled, PLAN["describe"] * 2) + _sample(rng, instances, PLAN["describe"])):
        t = _iri(iri)
        out["describe"].append((f"describe-{i:03d}",
                                f"CONSTRUCT {{ {t} ?p ?o . ?s ?q {t} }} "
                                f"WHERE {{ {{ {t} ?p ?o }} UNION {{ ?s ?q {t} }} }}"))

    # label search: a word of an English label, two characters of a Chinese one
    en_labels = [r[0] for r in _values(store, "SELECT DISTINCT ?l WHERE { ?s rdfs:label ?l "
                                              "FILTER(LANG(?l) = \"en\") } ORDER BY ?l")]
    words = sorted({w for label in en_labels for w in re.findall(r"[A-Za-z]{4,}", label)})
    for i, word in enumerate(_sample(rng, words, PLAN["label-en"] * 3)):
        out["label-en"].append((f"label-en-{i:03d}",
                                f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label "
                                f"FILTER(CONTAINS(?label, {_literal(word)}) && LANG(?label) = \"en\") }}"))
    zh_labels = [r[0] for r in _values(store, "SELECT DISTINCT ?l WHERE { ?s rdfs:label ?l "
                                              "FILTER(LANG(?l) = \"zh\") } ORDER BY ?l")]
    pieces = sorted({label[j:j + 2] for label in zh_labels for j in range(len(label) - 1)
                     if all("\u4e00" <= c <= "\u9fff" for c in label[j:j + 2])})
    for i, piece in enumerate(_sample(rng, pieces, PLAN["label-zh"] * 3)):
        out["label-zh"].append((f"label-zh-{i:03d}",
                                f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label "
                                f"FILTER(CONTAINS(?label, {_literal(piece)}) && LANG(?label) = \"zh\") }}"))

    # joins
    parties = [r[0] for r in _values(store,
                                     "SELECT DISTINCT ?p WHERE { ?a a sco:Agreement ; sco:party ?p } ORDER BY ?p")]
    for i, party in enumerate(_sample(rng, parties, PLAN["join"])):
        out["join"].append((f"join-agreement-{i:03d}",
                            f"SELECT ?agreement ?other ?label WHERE {{ ?agreement a sco:Agreement ; "
                            f"sco:party {_iri(party)} , ?other . ?other rdfs:label ?label "
                            f"FILTER(?other != {_iri(party)} && LANG(?label) = \"en\") }}"))
    years = sorted({r[0][:4] for r in _values(store, "SELECT DISTINCT ?d WHERE { ?m sco:launchDate ?d } ORDER BY ?d")
                    if re.match(r"\d{4}", r[0])})
    out["join"].append(("join-missions-launch-dates",
                        "SELECT ?mission ?label ?date WHERE { ?mission a sco:Mission ; rdfs:label ?label "
                        "OPTIONAL { ?mission sco:launchDate ?date } FILTER(LANG(?label) = \"en\") } "
                        "ORDER BY ?date ?mission"))
    for _i, year in enumerate(_sample(rng, years, PLAN["join"] // 3)):
        out["join"].append((f"join-launches-{year}",
                            f"SELECT ?mission ?label ?date WHERE {{ ?mission a sco:Mission ; sco:launchDate ?date ; "
                            f"rdfs:label ?label FILTER(LANG(?label) = \"en\" && ?date >= \"{year}-01-01\"^^xsd:date "
                            f"&& ?date < \"{int(year) + 1}-01-01\"^^xsd:date) }} ORDER BY ?date"))
    speakers = [r[0] for r in _values(store, "SELECT DISTINCT ?a WHERE { ?s sco:statedBy ?a } ORDER BY ?a")]
    for i, actor in enumerate(_sample(rng, speakers, PLAN["join"] // 2)):
        out["join"].append((f"join-statements-{i:03d}",
                            f"SELECT ?statement ?event ?label WHERE {{ ?statement sco:statedBy {_iri(actor)} ; "
                            f"sco:statedAt ?event . ?event rdfs:label ?label FILTER(LANG(?label) = \"en\") }}"))

    # aggregates: two over everything, the rest about one class
    out["aggregate"].append(("aggregate-per-class",
                             "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"))
    out["aggregate"].append(("aggregate-per-graph",
                             "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
    out["aggregate"].append(("aggregate-agreement-types",
                             "SELECT ?type (COUNT(?a) AS ?n) WHERE { ?a sco:agreementType ?type } GROUP BY ?type"))
    classes = [r[0] for r in _values(store, f"SELECT ?c WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?c), \"{SCO}\")) }} "
                                            "GROUP BY ?c HAVING (COUNT(?s) >= 5) ORDER BY ?c")]
    for cls in _sample(rng, classes, PLAN["aggregate"]):
        short = cls[len(SCO):]
        out["aggregate"].append((f"aggregate-graphs-{short}",
                                 f"SELECT ?g (COUNT(DISTINCT ?s) AS ?n) "
                                 f"WHERE {{ GRAPH ?g {{ ?s a {_iri(cls)} }} }} GROUP BY ?g"))

    # paging through a class's members by label
    sized = _values(store, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c ; rdfs:label ?l "
                           f"FILTER(STRSTARTS(STR(?c), \"{SCO}\") && LANG(?l) = \"en\") }} GROUP BY ?c ORDER BY ?c")
    pages = [(c, k) for c, n in sized for k in range(0, int(n), 20) if int(n) >= 20]
    for cls, offset in _sample(rng, pages, PLAN["paging"] * 2):
        short = cls[len(SCO):]
        out["paging"].append((f"paging-{short}-{offset}",
                              f"SELECT ?s ?label WHERE {{ ?s a {_iri(cls)} ; rdfs:label ?label "
                              f"FILTER(LANG(?label) = \"en\") }} "
                              f"ORDER BY ?label ?s LIMIT 20 OFFSET {offset}"))

    # provenance: which documents state something about a resource
    for i, iri in enumerate(_sample(rng, labelled, PLAN["provenance"] * 2)):
        t = _iri(iri)
        if i % 2:
            text = f"SELECT ?g (COUNT(*) AS ?facts) WHERE {{ GRAPH ?g {{ {t} ?p ?o }} }} GROUP BY ?g"
        else:
            text = (f"SELECT DISTINCT ?g ?source ?title WHERE {{ GRAPH ?g {{ {t} prov:wasDerivedFrom ?source }} "
                    f"OPTIONAL {{ ?source dcterms:title ?title }} }}")
        out["provenance"].append((f"provenance-{i:03d}", text))

    # ASK: a resource exists; an actor is (or is not) party to an agreement
    for i, iri in enumerate(_sample(rng, subjects, PLAN["ask"])):
        out["ask"].append((f"ask-exists-{i:03d}", f"ASK {{ {_iri(iri)} ?p ?o }}"))
    agreements = [r[0] for r in _values(store, "SELECT DISTINCT ?a WHERE { ?a a sco:Agreement } ORDER BY ?a")]
    if agreements and parties:
        for i in range(PLAN["ask"]):
            a, p = rng.choice(sorted(agreements)), rng.choice(sorted(parties))
            out["ask"].append((f"ask-party-{i:03d}", f"ASK {{ {_iri(a)} sco:party {_iri(p)} }}"))
    return out


def build_mix(data: Path, seed: int = 1, store=None, progress=None) -> tuple[list[Query], object]:
    """The mix (shuffled with `seed`) and the in-process store it was checked on."""
    if store is None:
        store = load_store(data)
    rng = random.Random(seed)
    pool = candidates(store, rng)
    mix: list[Query] = []
    for kind in PLAN:
        chosen = []
        names = [name for name, _ in pool[kind]]
        order = rng.sample(range(len(names)), len(names))
        order.sort(key=lambda j: names[j] not in ALWAYS)  # stable: the rest stays shuffled
        for j in order:
            if len(chosen) >= PLAN[kind]:
                break
            name, body = pool[kind][j]
            text = PREFIXES + body if uses_prefixes(body) else body
            query = Query(name, kind, text, query_form(text))
            body_bytes, media = evaluate(store, query)
            query.rows = answer_size(query.form, media, body_bytes)
            if query.rows > MAX_ANSWER:
                continue
            chosen.append(query)
        mix += chosen
    graphs = {g.value for g in store.named_graphs() if hasattr(g, "value")}
    for query in competency_queries():
        body_bytes, media = evaluate(store, query)
        query.rows = answer_size(query.form, media, body_bytes)
        named = re.findall(r"\bGRAPH\s*<([^<>\s]*)>", re.sub(r"#[^\n]*", " ", query.text), re.IGNORECASE)
        query.missing_graphs = tuple(sorted(set(named) - graphs))
        mix.append(query)
    seen: set[str] = set()
    unique = []
    for query in mix:  # the same text twice (a small dataset runs out of candidates) counts once
        if query.text not in seen:
            seen.add(query.text)
            unique.append(query)
    rng.shuffle(unique)
    return unique, store


def kind_counts(mix: list[Query]) -> dict[str, int]:
    counts = Counter(q.kind for q in mix)
    return {kind: counts[kind] for kind in KINDS if counts[kind]}


def representative(mix: list[Query], per_kind: int = 2) -> list[Query]:
    """One or two queries of each kind (the first in mix order) and every competency query."""
    chosen, taken = [], Counter()
    for query in mix:
        if query.kind == "competency" or taken[query.kind] < per_kind:
            chosen.append(query)
            taken[query.kind] += 1
    return chosen


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Print the benchmark's query mix for an N-Quads file.")
    parser.add_argument("data", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    mix, _ = build_mix(args.data, args.seed)
    print(json.dumps(kind_counts(mix)))
    for query in mix:
        print(f"# {query.kind} {query.name} ({query.form}, {query.rows} in process)")
        print(query.text.strip())
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
