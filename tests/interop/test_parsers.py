"""Every RDF file of the release parses in four independent parsers, with one count.

Raptor (`rapper`), Apache Jena RIOT (`riot --validate`), rdflib and pyoxigraph
each parse every RDF file of the release, compressed copies included, and
count the same number of triples (quads for dataset files) as the manifest
states. Raptor 2 has no JSON-LD parser, so JSON-LD files are counted by the
other three. The Turtle, TriG, N-Quads and JSON-LD forms of the same data are
isomorphic.
"""

from __future__ import annotations

import json

import interop_tools as tools
import pytest

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def files(release):
    found = tools.rdf_files(release.root)
    assert found, f"no RDF files in {release.root}"
    return found


@pytest.fixture(scope="module")
def reference_counts(files):
    return {f: tools.oxigraph_count(f) for f in files}


def _table_line(name: str, counts: dict) -> str:
    return f"{name:32} " + " ".join(f"{tool}={n}" for tool, n in counts.items())


# Written into dist/ by the build but not part of the release (a build log).
NOT_RELEASED = {"validation.ttl"}


def test_manifest_counts_match_pyoxigraph(release, files, reference_counts):
    stated = {e["path"]: e.get("triples") for e in release.manifest.get("files", [])}
    missing = [f.relative_to(release.root).as_posix() for f in files
               if f.relative_to(release.root).as_posix() not in stated.keys() | NOT_RELEASED]
    assert not missing, f"RDF files not in manifest.json: {missing}"
    wrong = {f.name: (stated[f.relative_to(release.root).as_posix()], n) for f, n in reference_counts.items()
             if f.name not in NOT_RELEASED and stated[f.relative_to(release.root).as_posix()] not in (None, n)}
    assert not wrong, f"manifest triples vs pyoxigraph: {wrong}"


def test_rdflib_counts(files, reference_counts):
    counts = {f: tools.rdflib_count(f) for f in files}
    wrong = {f.name: (counts[f], reference_counts[f]) for f in files if counts[f] != reference_counts[f]}
    assert not wrong, f"rdflib vs pyoxigraph (rdflib vs oxigraph): {wrong}"


def test_rapper_counts(files, reference_counts):
    tools.need(tools.have_rapper(), "Raptor (Debian raptor2-utils)")
    readable = [f for f in files if tools.rdf_syntax(f).rapper]
    assert readable
    counts = {f: tools.rapper_count(f) for f in readable}
    wrong = {f.name: (counts[f], reference_counts[f]) for f in readable if counts[f] != reference_counts[f]}
    assert not wrong, f"rapper vs pyoxigraph: {wrong}"


def test_riot_validates_and_counts(files, reference_counts):
    tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
    counts = tools.riot_counts(files)
    wrong = {f.name: (counts[f], reference_counts[f]) for f in files if counts[f] != reference_counts[f]}
    assert not wrong, f"riot vs pyoxigraph: {wrong}"


def test_count_table(release, files, reference_counts, tmp_path_factory):
    """All four parsers in one table (written to .interop/reports/triple-counts.json)."""
    table = {}
    for f in files:
        row = {"pyoxigraph": reference_counts[f], "rdflib": tools.rdflib_count(f)}
        if tools.have_rapper() and tools.rdf_syntax(f).rapper:
            row["rapper"] = tools.rapper_count(f)
        table[f.relative_to(release.root).as_posix()] = row
    if tools.have_jena():
        for f, n in tools.riot_counts(files).items():
            table[f.relative_to(release.root).as_posix()]["riot"] = n
    report = tools.INTEROP_DIR / "reports" / "triple-counts.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"release": str(release.root), "built": release.built, "files": table}, indent=1))
    print("\n".join(_table_line(name, row) for name, row in table.items()))
    disagree = {name: row for name, row in table.items() if len(set(row.values())) != 1}
    assert not disagree, disagree


def test_compressed_copies_match_originals(release):
    for gz in sorted(release.root.rglob("*.gz")):
        original = gz.with_name(gz.name[:-3])
        assert original.is_file(), f"{gz.name} has no uncompressed original"
        assert tools.read_bytes(gz) == original.read_bytes(), f"{gz.name} differs from {original.name}"


def _dataset_forms(release):
    return [release.file(n) for n in ("data.trig", "data.nq", "data.jsonld") if release.file(n).is_file()]


def test_dataset_forms_are_isomorphic(release):
    """data.trig, data.nq and data.jsonld hold the same dataset, up to blank-node labels."""
    forms = _dataset_forms(release)
    assert len(forms) == 3, forms
    canon = {f.name: tools.canonical_nquads(tools.oxigraph_quads(f)) for f in forms}
    first, *others = forms
    for other in others:
        assert canon[other.name] == canon[first.name], f"{other.name} is not isomorphic to {first.name}"


def test_dataset_forms_are_isomorphic_for_rdflib(release):
    """A second implementation agrees: rdflib's isomorphism, graph by graph, literals as written."""
    import rdflib
    from rdflib.compare import isomorphic

    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        graphs = {}
        for f in _dataset_forms(release):
            ds = rdflib.Dataset()
            ds.parse(data=f.read_bytes(), format=tools.rdf_syntax(f).rdflib)
            graphs[f.name] = {str(g.identifier): g for g in ds.graphs() if len(g)}
    finally:
        rdflib.NORMALIZE_LITERALS = saved
    first, *others = graphs
    for other in others:
        assert graphs[other].keys() == graphs[first].keys(), f"{other}: other named graphs than {first}"
        for name, g in graphs[first].items():
            assert isomorphic(g, graphs[other][name]), f"graph {name} differs between {first} and {other}"


def test_jena_reads_jsonld_as_the_same_dataset(release, tmp_path):
    """Jena's JSON-LD reader turns data.jsonld into the same quads as data.nq."""
    tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
    proc = tools.jena("riotcmd.riot", "--syntax=JSONLD10", "--output=nquads", str(release.file("data.jsonld")))
    import pyoxigraph as ox

    jena_quads = list(ox.parse(proc.stdout.encode(), format=ox.RdfFormat.N_QUADS))
    assert tools.canonical_nquads(jena_quads) == tools.canonical_nquads(tools.oxigraph_quads(release.data_nq))


def test_asserted_turtle_is_the_asserted_graphs(release):
    """asserted.ttl is the union of the dataset's document and sources graphs."""
    import pyoxigraph as ox

    derived = {tools.GRAPH_BASE + n for n in ("inferred", "ontology", "examples")}
    union = {ox.Quad(q.subject, q.predicate, q.object) for q in tools.oxigraph_quads(release.data_nq)
             if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in derived}
    asserted = tools.oxigraph_quads(release.file("asserted.ttl"))
    assert tools.canonical_nquads(asserted) == tools.canonical_nquads(union)


def test_ontology_forms_are_isomorphic(release):
    forms = sorted(release.root.glob("ontology.*"))
    forms = [f for f in forms if tools.rdf_syntax(f)]
    assert {f.suffix for f in forms} >= {".ttl", ".rdf", ".jsonld", ".nt"}, forms
    canon = {f.name: tools.canonical_nquads(tools.oxigraph_quads(f)) for f in forms}
    first, *others = canon
    for other in others:
        assert canon[other] == canon[first], f"{other} is not isomorphic to {first}"
