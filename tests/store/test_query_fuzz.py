"""Fuzzing the query check and the endpoint: random texts never crash anything.

- `check_query` returns a form (or None) or raises QueryRefused, whatever the text;
- no text it accepts crashes Oxigraph: the deepest accepted ones are evaluated by
  pyoxigraph in a child process, which must not die of a signal (a stack overflow
  is SIGSEGV);
- the string scanner, which skips work a regex would repeat, finds the same tokens
  as the plain regex tokenizer it replaced;
- the cheap bound that lets most queries skip the nesting scan is a bound;
- the real ASGI application answers random requests without a 500.

Seeded (`derandomize`) and bounded (`max_examples`, `deadline`): the same examples
every run, in a few seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from support.stand_in import StandInStore

from spacecoop.store import policy as query_policy
from spacecoop.store.policy import MAX_NESTING, check_query
from spacecoop.store.protocol import QueryRefused
from spacecoop.web.app import create_app
from spacecoop.web.settings import Settings

FUZZ = settings(derandomize=True, database=None, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = [
    # keywords, some that the check cares about
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "PREFIX", "BASE", "SERVICE", "SILENT", "OPTIONAL",
    "UNION", "MINUS", "FILTER", "BIND", "AS", "GRAPH", "VALUES", "EXISTS", "NOT", "IN", "STR", "true", "a",
    "INSERT", "DELETE", "LOAD", "FROM", "NAMED", "LIMIT", "*",
    # brackets and operators
    "{", "}", "(", ")", "[", "]", ".", ",", ";", "&&", "||", "!", "-", "+", "*", "/", "|", "^", "^^", "=", "!=",
    "<", ">", "<=", "?",
    # terms, well formed or not
    "?x", "$y", "<http://example.org/a>", "<http://e/{", "ex:a", "service:x", ":x", "SERVICEex:b", "_:b",
    "'s'", '"d"', "'''l'''", '"""L"""', "'", '"', "'''", "\\", "\\'", '\\"', "\\u007B", "\\u0053ERVICE",
    "@en", "12", "-3.5e-2", "# comment\n", "\n", " ", "",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map("".join)
spaced = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join)

# Deep shapes: a core wrapped in many layers, each layer a bracket pair or a chained operator.
LAYERS = [
    ("{", "}"), ("{ ", " }"), ("(", ")"), ("[ <p:p> ", " ]"), ("OPTIONAL { ", " }"), ("FILTER EXISTS { ", " }"),
    ("{ SELECT * WHERE { ", " } }"), ("STR(", ")"), ("!", ""), ("- ", ""), ("?a && ", ""), ("?a || ", ""),
    ("?a + ", ""), ("?a * ", ""), ("?a -1 ", ""), ("{} UNION ", ""), ("OPTIONAL {} ", ""), ("MINUS {} ", ""),
    ("BIND(1 AS ?b) ", ""), ("FILTER(?a) ", ""), ("<p:p>/", ""), ("<p:p>|", ""), ("^", ""),
]
STARTS = ["SELECT * WHERE ", "SELECT * WHERE { ", "SELECT * WHERE { FILTER(", "SELECT * WHERE { ?s ", "ASK "]
ENDS = ["", " }", ") }", " ?o }", "}"]


@st.composite
def deep_texts(draw: st.DrawFn, most: int = 80) -> str:
    """Up to 6 runs of up to `most` layers each."""
    runs = draw(st.lists(st.tuples(st.sampled_from(LAYERS), st.integers(1, most)), min_size=1, max_size=6))
    opening = "".join(layer[0] * times for layer, times in runs)
    closing = "".join(layer[1] * times for layer, times in reversed(runs))
    core = draw(st.sampled_from(["?x", "1", "<p:p>", "", "?s ?p ?o"]))
    return draw(st.sampled_from(STARTS)) + opening + core + closing + draw(st.sampled_from(ENDS))


def verdict(text: str) -> str | None:
    """check_query's answer; any exception but QueryRefused fails the test."""
    try:
        return check_query(text, MAX_NESTING)
    except QueryRefused:
        return "refused"


@settings(FUZZ, max_examples=400)
@given(st.one_of(texts, spaced, deep_texts()))
@pytest.mark.slow
def test_the_check_returns_a_form_or_refuses(text):
    assert verdict(text) in (None, "select", "ask", "graph", "refused")


def depth(text: str) -> int:
    """The deepest level the check counts in `text`."""
    low, high = 0, query_policy._most_levels(text)
    while low < high:
        middle = (low + high) // 2
        if query_policy.nesting(text, middle) is None:
            high = middle
        else:
            low = middle + 1
    return low


CHILD = """
import json, sys
import pyoxigraph
for query in json.load(sys.stdin):
    try:
        result = pyoxigraph.Store().query(query)
        if not isinstance(result, pyoxigraph.QueryBoolean):
            list(result)
    except (SyntaxError, ValueError, OSError, RuntimeError):
        pass
"""


@pytest.mark.slow
def test_the_deepest_accepted_texts_do_not_crash_the_engine():
    accepted: list[str] = []

    @settings(FUZZ, max_examples=300)
    @given(deep_texts(most=1500))  # 1 000 layers of most shapes crash the engine: 830 FILTER EXISTS, 960 STR(
    def collect(text):
        if verdict(text) != "refused":
            accepted.append(text)

    collect()
    worst = sorted(set(accepted), key=depth, reverse=True)[:40]
    assert depth(worst[0]) > MAX_NESTING // 2, "the examples reach close to the limit"
    child = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(worst), text=True, timeout=300, check=False)
    assert child.returncode >= 0, f"pyoxigraph died of signal {-child.returncode}"


# The tokenizer before the linear scanner: its string alternatives rescanned the same text from
# every quote they passed over, and its prefixed names every run of name characters. On texts
# without numbers and two-character operators, both tokenize alike.
_ECHAR = r"""\\[tbnrf\\"']"""
_REGEX_TOKENIZER = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>
          '''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''
        | \"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*\"\"\"
        | '(?:[^'\\\n\r]|{_ECHAR})*'
        | "(?:[^"\\\n\r]|{_ECHAR})*"
      )
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w\-.:%]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
    | (?P<word>[^\W\d]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
QUOTES_AND_ESCAPES = st.lists(st.sampled_from(["'", '"', "\\", "t", "n", "u", "x", " ", "\n", "#", "<", ">", ":", "{",
                                                "}", "_", "?", "@", "'''", '"""', "-", ".", "é", "true"]),
                              max_size=60).map("".join)


@settings(FUZZ, max_examples=500)
@given(QUOTES_AND_ESCAPES)
def test_the_string_scanner_finds_what_the_regex_tokenizer_found(text):
    expected = [(m.lastgroup, m.group()) for m in _REGEX_TOKENIZER.finditer(text)
                if m.lastgroup not in ("space", "comment")]
    assert list(query_policy.tokens(text)) == expected


@settings(FUZZ, max_examples=300)
@given(st.one_of(texts, deep_texts()))
def test_the_shortcut_bound_is_never_below_the_depth(text):
    assert query_policy._deeper_than(text, query_policy._most_levels(text)) is None


# --- The application: random requests, never a 500. ---

CONTENT_TYPES = [
    "application/sparql-query", "application/sparql-query; charset=utf-16", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1", "application/sparql-update", "text/plain", "",
]


@pytest.mark.slow
def test_random_requests_never_get_a_500(tmp_path):
    app = create_app(replace(Settings(), dist=tmp_path), StandInStore())
    statuses: set[int] = set()
    with TestClient(app, raise_server_exceptions=False) as client:

        @settings(FUZZ, max_examples=250, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(
            query=st.one_of(texts, spaced, deep_texts()),
            route=st.sampled_from(["GET", "POST form", "POST body"]),
            content_type=st.sampled_from(CONTENT_TYPES),
            format_=st.sampled_from([None, "json", "csv", "ttl", "yaml", "json,csv"]),
            raw=st.binary(max_size=40),
        )
        def request(query, route, content_type, format_, raw):
            params = {"format": format_} if format_ else {}
            if route == "GET":
                response = client.get("/sparql", params={"query": query, **params})
            elif route == "POST form":
                response = client.post("/sparql", data={"query": query, **params})
            else:
                body = query.encode("utf-8", "surrogatepass") + raw
                response = client.post("/sparql", content=body, headers={"Content-Type": content_type}, params=params)
            statuses.add(response.status_code)
            assert response.status_code != 500, response.text

        request()
    assert {200, 400, 403, 415} <= statuses, "the examples reach answers and each kind of refusal"
