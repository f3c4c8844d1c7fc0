"""The remote store's text handling, without a store: query rewrites, DESCRIBE, load batches."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from spacecoop.commands.remote import batches
from spacecoop.rdf.escaped_names import expand_escaped_prefixed_names
from spacecoop.store.describe_targets import describe_parts
from spacecoop.store.http_backend import cbd_query, parse_query
from spacecoop.store.protocol import QuerySyntaxError

pytestmark = pytest.mark.interop

ID = "https://w3id.org/spacecoop/id/"


def test_escaped_prefixed_names_become_full_iris():
    query = f'PREFIX id: <{ID}>\nSELECT * {{ id:country\\/china ?p id:a\\/b\\.c }}'
    assert expand_escaped_prefixed_names(query) == (
        f"PREFIX id: <{ID}>\nSELECT * {{ <{ID}country/china> ?p <{ID}a/b.c> }}")


def test_strings_comments_and_iris_are_left_alone():
    query = (f'PREFIX id: <{ID}>\nSELECT * {{ ?s ?p "id:x\\/y" . # id:c\\/d\n'
             f' <http://x/a> ?q id:plain . ?s ?p \'\'\'id:e\\/f\'\'\' }}')
    assert expand_escaped_prefixed_names(query) == query


def test_undeclared_prefix_is_left_for_the_store_to_report():
    assert expand_escaped_prefixed_names("SELECT * { nope:a\\/b ?p ?o }") == "SELECT * { nope:a\\/b ?p ?o }"


def test_every_competency_question_keeps_its_meaning_when_rewritten(release):
    import interop_tools as tools

    store = ox.Store()
    store.extend(tools.load_plan_quads(release.load_plan()))
    competency = sorted((tools.REPO_ROOT / "tests" / "competency").glob("*.rq"))
    assert competency
    for path in competency:
        text = path.read_text()
        rewritten = expand_escaped_prefixed_names(text)
        before, after = store.query(text), store.query(rewritten)
        if isinstance(before, ox.QueryBoolean):
            assert bool(before) == bool(after), path.name
        else:
            assert before.serialize(format=ox.QueryResultsFormat.JSON) == after.serialize(
                format=ox.QueryResultsFormat.JSON), path.name


def test_describe_becomes_a_select_of_its_resources():
    assert describe_parts("SELECT * { ?s ?p ?o }") is None
    assert describe_parts("PREFIX a: <http://a/>\nDESCRIBE <http://x> a:y").selection == (
        "PREFIX a: <http://a/>\nSELECT ?_d0 WHERE { VALUES ?_d0 { <http://x> a:y } }")
    assert describe_parts("DESCRIBE ?x WHERE { ?x a <http://c> } LIMIT 3").selection == (
        "SELECT DISTINCT ?x  WHERE { ?x a <http://c> } LIMIT 3")
    mixed = describe_parts("describe <http://x> ?y FROM <http://g> WHERE { ?y ?p <http://x> }").selection
    assert mixed == "SELECT DISTINCT ?y ?_d0  FROM <http://g> WHERE { ?y ?p <http://x> }\nVALUES ?_d0 { <http://x> }"
    for parts in (mixed, cbd_query(["http://x", "http://y"])):
        ox.Store().query(parts)  # both parse


def test_local_syntax_check_never_evaluates():
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(20))} }}" for i in range(8)) + " }"
    assert parse_query(runaway) == "SelectQuery"  # pyoxigraph would run it for minutes
    with pytest.raises(QuerySyntaxError, match=r"error at 3:\d+"):
        parse_query("SELECT * WHERE {\n  ?s ?p \n}")


def test_load_batches_never_split_a_blank_node():
    a, b, c = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    s = ox.NamedNode("http://s")
    p = ox.NamedNode("http://p")
    triples = [ox.Triple(s, p, a), ox.Triple(a, p, b), ox.Triple(b, p, ox.Literal("1")),
               ox.Triple(s, p, c), ox.Triple(c, p, ox.Literal("2"))]
    triples += [ox.Triple(s, p, ox.Literal(str(n))) for n in range(10)]
    parts = list(batches(triples, 3))
    assert sorted(map(str, (t for part in parts for t in part))) == sorted(map(str, triples))
    for node in (a, b, c):
        holding = [i for i, part in enumerate(parts) if any(node in (t.subject, t.object) for t in part)]
        assert len(holding) == 1, node
