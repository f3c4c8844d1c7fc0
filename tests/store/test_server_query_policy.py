"""The query check: updates and SERVICE are refused before anything is evaluated.

The tables hold the tricky cases (comments, strings, escapes, keywords glued
to names the way Oxigraph's parser accepts them). Each SERVICE case is also
run through pyoxigraph itself against a local listener: the refused ones
really would have opened a connection, the accepted ones really do not.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from spacecoop.store import policy as query_policy
from spacecoop.store.policy import (
    MAX_NESTING,
    QueryTooComplex,
    check_query,
    check_update,
    names_dataset,
    nesting,
    read_every_token,
)
from spacecoop.store.protocol import QueryRefused

URL = "http://127.0.0.1:{port}/sparql"
COMPETENCY = Path(__file__).parents[1] / "competency"

REFUSED_SERVICE = {
    "plain": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "lower case": "select * where { service <{url}> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "no space before the IRI": "SELECT * WHERE { SERVICE<{url}>{ ?s ?p ?o } }",
    "glued to SILENT": "SELECT * WHERE { SERVICESILENT<{url}> { ?s ?p ?o } }",
    "glued to an empty prefix": "PREFIX : <{url}> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "glued to a prefixed name": "PREFIX ex: <{url}> SELECT * WHERE { SERVICEex:x { ?s ?p ?o } }",
    "glued to a prefixed name, another prefix named service": (
        "PREFIX service: <http://example.org/> PREFIX ex: <{url}> SELECT * WHERE { SERVICEex:x { ?s ?p ?o } }"
    ),
    # A declared prefix `service` does not make `service:x` a name: with `PREFIX :` it is SERVICE :x.
    "a declared prefix that reads as SERVICE and the empty prefix": (
        "PREFIX service: <http://example.org/> PREFIX : <{url}> SELECT * WHERE { service:x { ?s ?p ?o } }"
    ),
    "a declared prefix that reads as SERVICE SILENT and the empty prefix": (
        "PREFIX servicesilent: <http://example.org/> PREFIX : <{url}> SELECT * WHERE { servicesilent:x { ?s ?p ?o } }"
    ),
    "glued after a parenthesis": "SELECT * WHERE { VALUES ?o { 1 } FILTER(true)SERVICE <{url}> { ?s ?p ?o } }",
    "in a subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
    "in OPTIONAL": "SELECT * WHERE { OPTIONAL { SERVICE <{url}> { ?s ?p ?o } } }",
    "in UNION": "SELECT * WHERE { { BIND(1 AS ?x) } UNION { SERVICE <{url}> { ?s ?p ?o } } }",
    "in ASK": "ASK { SERVICE <{url}> { ?s ?p ?o } }",
    "in CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "after a comment line": "SELECT * WHERE { # a comment\n SERVICE <{url}> { ?s ?p ?o } }",
    "after a string holding #": 'SELECT * WHERE { BIND("#" AS ?x) SERVICE <{url}> { ?s ?p ?o } }',
    "after a string with an escaped quote": 'SELECT * WHERE { BIND("a\\"#" AS ?x) SERVICE <{url}> { ?s ?p ?o } }',
    "after a long string": 'SELECT * WHERE { BIND("""a "quote" and\n# not a comment""" AS ?x) '
                           'SERVICE <{url}> { ?s ?p ?o } }',
    "after a single-quoted string": "SELECT * WHERE { BIND('it\\'s # no comment' AS ?x) SERVICE <{url}> { ?s ?p ?o } }",
    "after a less-than": "SELECT * WHERE { BIND(1<2 AS ?x) SERVICE <{url}> { ?s ?p ?o } }",
}

# Not valid queries for Oxigraph, but a parser that decodes escapes first could read SERVICE.
REFUSED_SERVICE_TEXT = {
    "escaped keyword": "SELECT * WHERE { SERV\\u0049CE <http://example.org/> { ?s ?p ?o } }",
    "escaped quote then a comment": 'SELECT * WHERE { BIND("\\u0022 AS ?x) '
                                    'SERVICE <http://example.org/> {?s ?p ?o} #" AS ?y) }',
    "escape in an IRI then a comment": "SELECT * WHERE { BIND(<http://a/\\u0041#x> AS ?x) "
                                       "SERVICE <http://example.org/> { ?s ?p ?o } }",
}

ALLOWED = {
    "in a string": 'SELECT * WHERE { BIND("SERVICE <{url}> { ?s ?p ?o }" AS ?x) }',
    "in a long string": "SELECT * WHERE { BIND('''SERVICE <{url}> {}''' AS ?x) }",
    "in a comment": "SELECT * WHERE { ?s ?p ?o } # SERVICE <{url}> { ?s ?p ?o }",
    "in an IRI": "SELECT * WHERE { ?s a <http://example.org/SERVICE> }",
    "as a local name": "PREFIX schema: <https://schema.org/> SELECT * WHERE { ?s a schema:Service, schema:SERVICE }",
    "as a variable": "SELECT ?service $SERVICE WHERE { ?service ?p $SERVICE }",
    "as a language tag": 'SELECT * WHERE { ?s ?p "x"@service }',
    "as a blank node label": "SELECT * WHERE { _:service ?p ?o }",
    "as a declared prefix": "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:p ?o }",
    "as a declared prefix, in subject position": (
        "PREFIX service: <http://example.org/> SELECT * WHERE { service:x service:p ?o }"
    ),
    "as a declared prefix that starts with it": (
        "PREFIX serviceex: <{url}> SELECT * WHERE { serviceex:a serviceex:p ?o }"
    ),
}

UPDATES = {
    "INSERT DATA { <http://a> <http://b> <http://c> }": "INSERT",
    "DELETE WHERE { ?s ?p ?o }": "DELETE",
    "delete where { ?s ?p ?o }": "DELETE",
    "PREFIX ex: <http://example.org/> # then\nINSERT { ex:a ex:b ?o } WHERE { ?s ?p ?o }": "INSERT",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }": "WITH",
    "CLEAR ALL": "CLEAR",
    "DROP GRAPH <http://g>": "DROP",
    "CREATE GRAPH <http://g>": "CREATE",
    "ADD <http://a> TO <http://b>": "ADD",
    "MOVE <http://a> TO <http://b>": "MOVE",
    "COPY <http://a> TO <http://b>": "COPY",
}

FORMS = {
    "SELECT * WHERE { ?s ?p ?o }": "select",
    "select * { }": "select",
    "SELECTDISTINCT ?s { ?s ?p ?o }": "select",
    "BASE <http://example.org/>\nPREFIX ex: <x#>\nPREFIX : <y#>\n# comment\nASK { :a ex:b ?c }": "ask",
    "CONSTRUCT WHERE { ?s ?p ?o }": "graph",
    "DESCRIBE <http://example.org/a>": "graph",
    "SELEC * { }": None,
    "": None,
    "{ ?s ?p ?o }": None,
}


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    connections: list[object] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connections.append(connection)
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    return server, connections


def _evaluate(query: str) -> None:
    try:
        result = ox.Store().query(query)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (OSError, RuntimeError):
        pass  # the listener hangs up: the attempt is what counts


@pytest.fixture(scope="module")
def listener():
    server, connections = _listener()
    yield server.getsockname()[1], connections
    server.close()


@pytest.mark.parametrize("template", REFUSED_SERVICE.values(), ids=REFUSED_SERVICE.keys())
def test_service_is_refused(template):
    with pytest.raises(QueryRefused, match="SERVICE is refused"):
        check_query(template.replace("{url}", "http://example.org/sparql"))


@pytest.mark.parametrize("template", REFUSED_SERVICE.values(), ids=REFUSED_SERVICE.keys())
def test_each_refused_service_query_would_really_connect(listener, template):
    port, connections = listener
    before = len(connections)
    _evaluate(template.replace("{url}", URL.format(port=port)))
    time.sleep(0.05)
    assert len(connections) > before


@pytest.mark.parametrize("query", REFUSED_SERVICE_TEXT.values(), ids=REFUSED_SERVICE_TEXT.keys())
def test_service_hidden_by_escapes_is_refused(query):
    with pytest.raises(QueryRefused, match="SERVICE is refused"):
        check_query(query)


@pytest.mark.parametrize("template", ALLOWED.values(), ids=ALLOWED.keys())
def test_service_in_strings_comments_and_names_is_not_a_service_call(listener, template):
    port, connections = listener
    query = template.replace("{url}", URL.format(port=port))
    assert check_query(query) == "select"
    before = len(connections)
    _evaluate(query)
    time.sleep(0.05)
    assert len(connections) == before


@pytest.mark.parametrize(("update", "keyword"), UPDATES.items())
def test_updates_sent_as_queries_are_refused(update, keyword):
    with pytest.raises(QueryRefused, match=f"SPARQL Update \\({keyword}\\) is refused: this endpoint is read-only"):
        check_query(update)


def test_load_is_refused_with_its_own_reason():
    with pytest.raises(QueryRefused, match="LOAD is refused: .* never fetches data from the network"):
        check_query("LOAD <http://example.org/data.ttl> INTO GRAPH <http://g>")


def test_update_operation_names_its_keyword():
    assert "(INSERT)" in str(check_update("INSERT DATA { <http://a> <http://b> <http://c> }"))
    assert "SPARQL Update is refused" in str(check_update(""))


@pytest.mark.parametrize(("query", "form"), FORMS.items())
def test_query_form(query, form):
    assert check_query(query) == form


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://g> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ('SELECT * WHERE { ?s ?p "FROM" } # FROM <x>', False),
        ("SELECT ?from WHERE { ?from ?p ?o }", False),
    ],
)
def test_names_dataset(query, expected):
    assert names_dataset(query) is expected


def _verdict(check, query: str) -> str | None:
    try:
        return check(query)
    except QueryRefused as refusal:
        return f"refused: {refusal}"


_EVERY_CASE = [
    *(t.replace("{url}", "http://example.org/") for t in (*REFUSED_SERVICE.values(), *ALLOWED.values())),
    *REFUSED_SERVICE_TEXT.values(), *UPDATES, *FORMS,
    *(path.read_text(encoding="utf-8") for path in sorted(COMPETENCY.glob("*.rq"))),
]


@pytest.mark.parametrize("query", _EVERY_CASE)
def test_the_shortcut_gives_the_verdict_of_reading_every_token(query):
    """check_query skips the token scan of a query that does not spell "service" and has no escape."""
    assert _verdict(check_query, query) == _verdict(read_every_token, query)


def test_the_shortcut_is_taken_for_an_ordinary_query_only():
    ordinary = "SELECT * WHERE { ?s ?p ?o }"
    assert check_query(ordinary) == "select"
    with pytest.raises(QueryRefused):  # "service" spelled: the whole scan runs and refuses
        check_query("SELECT * WHERE { sErViCe <http://example.org/> { ?s ?p ?o } }")


def test_the_verdict_on_a_short_query_is_kept_and_a_refusal_is_given_every_time():
    from spacecoop.store import policy as query_policy

    query = "SELECT * WHERE { ?s ?p ?o } # kept"
    before = query_policy._check_short.cache_info()
    assert query_policy.check_query_cached(query) == "select"
    assert query_policy.check_query_cached(query) == "select"
    after = query_policy._check_short.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    refused = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    for _ in range(2):
        with pytest.raises(QueryRefused):
            query_policy.check_query_cached(refused)


def test_a_long_query_is_checked_in_full_and_not_kept():
    from spacecoop.store import policy as query_policy

    long_query = "SELECT * WHERE { ?s ?p ?o }" + " " * query_policy.SHORT_QUERY + "# service"
    before = query_policy._check_short.cache_info()
    assert query_policy.check_query_cached(long_query) == "select"
    assert query_policy._check_short.cache_info().currsize == before.currsize
    with pytest.raises(QueryRefused):
        query_policy.check_query_cached(long_query.replace("?s ?p ?o }", "SERVICE <http://e.org/> { ?s ?p ?o } }"))


def test_service_glued_after_a_literal_is_refused_and_would_really_connect(listener):
    """`trueSERVICE` is `true` then SERVICE for Oxigraph: a word that contains "service" counts."""
    port, connections = listener
    template = "SELECT * WHERE {{ ?s ?p {literal}SERVICE <{url}> {{ ?s ?p ?o }} }}"
    for literal in ("true", "false"):
        with pytest.raises(QueryRefused, match="SERVICE is refused"):
            check_query(template.format(literal=literal, url="http://example.org/sparql"))
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"),
                          ox.Literal(literal == "true")))
        before = len(connections)
        with contextlib.suppress(OSError, RuntimeError):
            list(store.query(template.format(literal=literal, url=URL.format(port=port))))
        time.sleep(0.05)
        assert len(connections) > before


# --- Nesting: a query deep enough to overflow Oxigraph's stack is refused before it runs. ---


# Each shape at the size that crashed pyoxigraph 0.5.13 (SIGSEGV, main thread with an 8 MB stack), or,
# for the two that never got there, at a size whose evaluation took minutes (512 took 25 s).
CRASHING = {
    "braces": (lambda n: "SELECT * WHERE " + "{" * n + "}" * n, 2208),
    "parentheses": (lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }", 4672),
    "function calls": (lambda n: "SELECT * WHERE { BIND(" + "STR(" * n + "?x" + ")" * n + " AS ?y) }", 960),
    "nested OPTIONAL": (lambda n: "SELECT * WHERE { " + "OPTIONAL { " * n + "}" * n + " }", 2944),
    "OPTIONAL after OPTIONAL": (lambda n: "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o } " * n + "}", 2624),
    "MINUS after MINUS": (lambda n: "SELECT * WHERE { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * n + "}", 2624),
    "BIND after BIND": (lambda n: "SELECT * WHERE { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(n)) + "}", 2624),
    "FILTER EXISTS": (lambda n: "SELECT * WHERE { " + "FILTER EXISTS { " * n + "}" * n + " }", 848),
    "subqueries": (lambda n: "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{}" + " }" * n, 2560),
    "!": (lambda n: "SELECT * WHERE { FILTER(" + "!" * n + "?x) }", 9344),
    "&&": (lambda n: "SELECT * WHERE { FILTER(?a" + " && ?a" * n + ") }", 9344),
    "||": (lambda n: "SELECT * WHERE { FILTER(?a" + " || ?a" * n + ") }", 9472),
    "+": (lambda n: "SELECT * WHERE { FILTER(?a" + " + ?a" * n + ") }", 6912),
    "*": (lambda n: "SELECT * WHERE { FILTER(?a" + " * ?a" * n + ") }", 6912),
    "-1 -1 ...": (lambda n: "SELECT * WHERE { FILTER(?a" + " -1" * n + ") }", 7000),
    "UNION": (lambda n: "SELECT * WHERE { {?s ?p ?o}" + " UNION {?s ?p ?o}" * n + " }", 6656),
    "path |": (lambda n: "SELECT * WHERE { ?s <p:p>" + "|<p:p>" * n + " ?o }", 11008),
    "path /": (lambda n: "SELECT * WHERE { ?s <p:p>" + "/<p:p>" * n + " ?o }", 1024),
    "path parentheses": (lambda n: "SELECT * WHERE { ?s " + "(" * n + "<p:p>" + ")" * n + " ?o }", 13824),
    "blank node property lists": (lambda n: "SELECT * WHERE { ?s <p:p> " + "[ <p:p> " * n + "1" + " ]" * n + " }",
                                  1024),
}


@pytest.mark.parametrize("shape", CRASHING.values(), ids=CRASHING.keys())
def test_a_query_nested_deep_enough_to_crash_the_engine_is_refused(shape):
    build, crashes_at = shape
    with pytest.raises(QueryTooComplex, match=f"at most {MAX_NESTING} levels .*--max-nesting") as refusal:
        check_query(build(crashes_at))
    assert isinstance(refusal.value, QueryRefused)  # `spacecoop query` and every store catch it as a refusal


@pytest.mark.parametrize("shape", CRASHING.values(), ids=CRASHING.keys())
def test_the_same_shape_well_under_the_limit_is_accepted(shape):
    build, _ = shape
    assert check_query(build(MAX_NESTING // 4)) == "select"


def test_the_limit_is_a_parameter_and_the_message_says_where():
    query = "SELECT * WHERE {\n  FILTER(" + "(" * 20 + "1" + ")" * 20 + ")\n}"
    assert check_query(query, max_nesting=30) == "select"
    with pytest.raises(QueryTooComplex, match=r"more than 10 levels deep \(at line 2, column 17\).*at most 10 levels"):
        check_query(query, max_nesting=10)


def test_the_verdict_kept_for_a_short_query_is_per_limit():
    query = "SELECT * WHERE { FILTER(" + "(" * 20 + "1" + ")" * 20 + ") } # per limit"
    assert query_policy.check_query_cached(query, 50) == "select"
    with pytest.raises(QueryTooComplex):
        query_policy.check_query_cached(query, 10)


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { BIND("' + "{" * 500 + '" AS ?x) }',
    "SELECT * WHERE { ?s ?p <http://example.org/" + "/a" * 500 + "> }",
    "SELECT * WHERE { ?s ?p ?o } # " + "(" * 500,
    "SELECT * WHERE { VALUES ?n { " + " ".join(f"-{i}" for i in range(500)) + " } }",
    "SELECT * WHERE { FILTER(?n IN (" + ", ".join(f"-{i}" for i in range(500)) + ")) }",
    "SELECT * WHERE { VALUES ?n { "
    + " ".join(f'"{i}"^^<http://www.w3.org/2001/XMLSchema#int>' for i in range(500)) + " } }",
    "SELECT * WHERE { " + "?s <p:p> ?o . " * 500 + "}",
    "SELECT * WHERE { BIND(CONCAT(" + ", ".join(["STR(?a)"] * 500) + ") AS ?x) }",
    "SELECT * WHERE { ?s <p:p> " + ", ".join(["[ <p:q> 1 ]"] * 500) + " }",
    "SELECT * WHERE \\u007B" * 500,  # Oxigraph does not decode escapes into brackets
], ids=["string", "IRI", "comment", "VALUES", "IN", "typed literals", "triples", "arguments", "object list", "escapes"])
def test_long_flat_lists_and_opaque_text_add_no_level(text):
    assert nesting(text, MAX_NESTING // 4) is None


def test_the_competency_queries_are_far_below_the_limit():
    for path in sorted(COMPETENCY.glob("*.rq")):
        assert nesting(path.read_text(encoding="utf-8"), MAX_NESTING // 4) is None, path.name


MEGABYTE = 1 << 20


@pytest.mark.parametrize("shape", CRASHING.values(), ids=CRASHING.keys())
def test_refusing_a_megabyte_deep_query_reads_no_further_than_the_limit(shape):
    build, _ = shape
    text = build(MEGABYTE // 4)[:MEGABYTE] + " # service"  # the comment sends it down the full check
    started = time.perf_counter()
    offset = nesting(text, MAX_NESTING)
    assert offset is not None and offset < 60 * MAX_NESTING, "the scan stopped at the limit"
    with pytest.raises(QueryTooComplex):
        check_query(text)
    assert time.perf_counter() - started < 1.0


# Texts on which the previous regex tokenizer backtracked or rescanned: quadratic, 2-5 s for 10 000 characters.
QUADRATIC_BEFORE = {
    "quote and backslash": "'\\",
    "backslash and quote": '\\"',
    "long-string quotes": "'''\\'",
    "names joined by -": "-a",
    "names joined by .": ".a",
    "names joined by - after _": "_a-",
    "unterminated strings": "'a",
}


@pytest.mark.parametrize("unit", QUADRATIC_BEFORE.values(), ids=QUADRATIC_BEFORE.keys())
def test_the_check_is_linear_in_the_query_length(unit):
    text = "SELECT * WHERE { " + unit * (100_000 // len(unit)) + " } # service"
    started = time.perf_counter()
    with contextlib.suppress(QueryRefused):
        read_every_token(text)
    assert time.perf_counter() - started < 1.0


def test_a_chain_of_glued_literals_is_counted():
    """`true-true-…` is a subtraction chain for Oxigraph (8 000 terms crash it), not one name."""
    with pytest.raises(QueryTooComplex):
        check_query("SELECT * WHERE { FILTER(" + "-".join(["true"] * 8000) + ") }")
