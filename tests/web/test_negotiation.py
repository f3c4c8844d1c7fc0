"""Content negotiation: one pure function, specified by tables."""

from __future__ import annotations

import pytest

from spacecoop.web.http.negotiation import (
    CSV,
    HTML,
    JSON_LD,
    N_TRIPLES,
    PROBLEM,
    PROBLEM_JSON,
    RDF,
    RDF_OR_HTML,
    RDF_XML,
    RESULTS,
    SPARQL_RESULTS_JSON,
    SPARQL_RESULTS_XML,
    TSV,
    TURTLE,
    negotiate,
    parse_accept,
)

OFFERED = ("application/a", "application/b", "text/c")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # No preference: the server's first choice.
        (None, "application/a"),
        ("", "application/a"),
        ("*/*", "application/a"),
        # Exact matches, whatever the order in the header.
        ("application/b", "application/b"),
        ("text/c, application/b", "application/b"),
        # q-values decide.
        ("application/a;q=0.5, application/b", "application/b"),
        ("application/a;q=0.5, application/b;q=0.4", "application/a"),
        ("application/a; q=0.5 , application/b ; q=0.9", "application/b"),
        # Wildcards.
        ("text/*", "text/c"),
        ("application/*", "application/a"),
        ("application/*;q=0.2, text/*", "text/c"),
        # The most specific range sets an offered type's q-value.
        ("*/*;q=0.1, application/b", "application/b"),
        ("application/*, application/a;q=0", "application/b"),
        ("*/*, application/a;q=0, application/b;q=0", "text/c"),
        ("text/*;q=0.3, text/c;q=0.8, */*;q=0.5", "text/c"),
        ("text/*;q=0.9, */*;q=0.5", "text/c"),
        # Equal q: the more specifically named type wins, then the server's order.
        ("*/*, text/c", "text/c"),
        ("application/b, application/a", "application/a"),
        # Nothing acceptable.
        ("image/png", None),
        ("application/a;q=0", None),
        ("*/*;q=0", None),
        # Case-insensitive, parameters other than q ignored, extensions after q ignored.
        ("APPLICATION/B", "application/b"),
        ("application/b;charset=utf-8", "application/b"),
        ('application/b;profile="x,y";q=1', "application/b"),
        ("application/a;q=0.4;ext=1, application/b;q=0.3", "application/a"),
        # Malformed elements are skipped; a header with nothing usable means no preference.
        ("garbage", "application/a"),
        ("application, text/c", "text/c"),
        ("application/a;q=abc, application/b", "application/b"),
        ("application/a;q=2, text/c", "text/c"),
        ("*/json", "application/a"),
    ],
)
def test_negotiate(accept, expected):
    assert negotiate(accept, OFFERED) == expected


def test_negotiate_offers_nothing_when_the_server_has_nothing():
    assert negotiate("*/*", ()) is None


def test_parse_accept_reads_q_values():
    ranges = parse_accept("text/html, application/xml;q=0.9, */*;q=0.8")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "html", 1.0),
        ("application", "xml", 0.9),
        ("*", "*", 0.8),
    ]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, SPARQL_RESULTS_JSON),
        ("*/*", SPARQL_RESULTS_JSON),
        ("application/sparql-results+xml", SPARQL_RESULTS_XML),
        ("application/json", SPARQL_RESULTS_JSON),
        ("application/xml", SPARQL_RESULTS_XML),
        ("text/xml", SPARQL_RESULTS_XML),
        ("text/csv", CSV),
        ("text/tab-separated-values", TSV),
        ("text/*", CSV),
        ("application/sparql-results+json,*/*;q=0.9", SPARQL_RESULTS_JSON),  # YASGUI
        ("application/sparql-results+json;q=0.1, text/csv", CSV),
        ("text/turtle", None),
        (BROWSER, SPARQL_RESULTS_XML),
    ],
)
def test_results_formats_negotiate_to_canonical_media_types(accept, expected):
    assert RESULTS.negotiate(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, TURTLE),
        ("*/*", TURTLE),
        ("application/n-triples", N_TRIPLES),
        ("application/ld+json", JSON_LD),
        ("application/json", JSON_LD),
        ("application/rdf+xml", RDF_XML),
        ("application/xml", RDF_XML),
        ("application/x-turtle", TURTLE),
        ("text/turtle;q=0.5, application/ld+json", JSON_LD),
        ("application/sparql-results+json", None),
    ],
)
def test_rdf_formats_negotiate_to_canonical_media_types(accept, expected):
    assert RDF.negotiate(accept) == expected


@pytest.mark.parametrize(
    ("table", "value", "expected"),
    [
        (RESULTS, "json", SPARQL_RESULTS_JSON),
        (RESULTS, "xml", SPARQL_RESULTS_XML),
        (RESULTS, "csv", CSV),
        (RESULTS, "tsv", TSV),
        (RESULTS, "CSV", CSV),
        (RESULTS, "application/sparql-results+json", SPARQL_RESULTS_JSON),
        (RESULTS, "application/json", SPARQL_RESULTS_JSON),
        (RESULTS, "turtle", None),
        (RDF, "turtle", TURTLE),
        (RDF, "ttl", TURTLE),
        (RDF, "nt", N_TRIPLES),
        (RDF, "jsonld", JSON_LD),
        (RDF, "json", JSON_LD),
        (RDF, "rdfxml", RDF_XML),
        (RDF, "xml", RDF_XML),
        (RDF, "text/turtle", TURTLE),
        (RDF, "csv", None),
    ],
)
def test_format_parameter_names_a_format(table, value, expected):
    assert table.negotiate(None, value) == expected


def test_format_parameter_wins_over_accept():
    assert RESULTS.negotiate("application/sparql-results+json", "csv") == CSV


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(BROWSER, HTML), ("*/*", TURTLE), (None, TURTLE), ("application/ld+json", JSON_LD)],
)
def test_pages_give_html_to_browsers_and_data_to_the_rest(accept, expected):
    assert RDF_OR_HTML.negotiate(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(BROWSER, HTML), ("*/*", PROBLEM_JSON), (None, PROBLEM_JSON), ("application/json", PROBLEM_JSON)],
)
def test_errors_are_pages_for_browsers_and_problem_json_otherwise(accept, expected):
    assert PROBLEM.negotiate(accept) == expected
