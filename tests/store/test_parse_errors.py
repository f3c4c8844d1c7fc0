"""The parser's syntax errors as one sentence: Oxigraph's positions, the token named, the list shortened.

Every message here is pyoxigraph's own for the query (the engines' parser), so a
change of Oxigraph's wording or of what its positions mean fails these tests.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from spacecoop.store.parse_errors import SHOWN_EXPECTED, explain, read_message, with_position
from spacecoop.store.prefixes import DEFAULT, declare
from spacecoop.store.protocol import QuerySyntaxError

START = "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after its PREFIX and BASE declarations)"


def parser_message(text: str) -> str:
    try:
        ox.Store().query(text)
    except SyntaxError as error:
        return str(error)
    raise AssertionError(f"{text!r} parses")


def explained(query: str, prefixes: dict[str, str] = DEFAULT) -> QuerySyntaxError:
    """The store's error for `query`: its predeclared prefixes added, the parser's message explained."""
    declared = declare(query, prefixes)
    raw = QuerySyntaxError(parser_message(declared.text))
    return explain(raw, query, predeclared=prefixes, lines_added=declared.lines_added)


# --- what Oxigraph's positions mean --------------------------------------------------------------


@pytest.mark.parametrize("before", ["", "é", "日本語", "😀", "\\u00e9", "\t"])
def test_oxigraphs_column_counts_characters_from_one_at_the_token_it_could_not_read(before):
    query = f'SELECT * {{ ?s ?p "{before}" }} LIMIT x'
    column = query.index("x") + 1  # Python counts code points
    assert parser_message(query).startswith(f"error at 1:{column}: ")
    if before in ("é", "日本語", "😀"):  # bytes or UTF-16 units would say otherwise
        assert column != len(query[: query.index("x")].encode("utf-8")) + 1


def test_oxigraphs_line_counts_line_feeds_only():
    assert parser_message("SELECT * {\r\n ?s ?p ?o } LIMIT x").startswith("error at 2:19: ")
    assert parser_message("SELECT * {\r ?s ?p ?o } LIMIT x").startswith("error at 1:30: ")


def test_an_undeclared_prefix_is_placed_after_its_name_by_oxigraph():
    query = "SELECT * WHERE { ?s a foo:Agreement }"
    assert parser_message(query).startswith(f"error at 1:{query.index(' }') + 1}: expected one of Prefix not found")


# --- the sentences ------------------------------------------------------------------------------


def test_an_undeclared_prefix():
    error = explained("SELECT * WHERE { ?s a foo:Agreement }")
    assert str(error) == (
        'line 1, column 23: the prefix "foo:" is not declared (declare it with PREFIX foo: <…>, or use one of the '
        "predeclared prefixes: sco, rdf, rdfs, owl, xsd, skos, prov, oa, dcterms, schema and 10 more, listed in "
        "the service description)"
    )
    assert (error.line, error.column) == (1, 23)
    assert error.parser_message.startswith("error at 1:36: expected one of Prefix not found")
    assert len(error.parser_message) > 400 > len(str(error))


def test_an_undeclared_prefix_where_oxigraph_names_something_else():
    # In a FILTER Oxigraph reports the end of the query, not the prefix.
    query = "SELECT * { ?s ?p ?o FILTER(?o = foo:x) }"
    assert "Prefix not found" not in parser_message(query)
    assert str(explained(query)).startswith(f'line 1, column {query.index("foo:") + 1}: the prefix "foo:" is not')


def test_a_misspelt_predeclared_prefix_is_suggested():
    prefixes = {**DEFAULT, "agency": "https://w3id.org/spacecoop/id/agency/"}
    assert 'did you mean "agency:"?' in str(explained("ASK { ?s a agncy:x }", prefixes))


def test_a_misspelt_form():
    error = explained("SELEC * {}")
    assert str(error) == f'line 1, column 1: "SELEC" is not a SPARQL keyword; {START}'
    assert error.parser_message == "error at 1:10: expected CONSTRUCT"


def test_a_form_after_the_prologue_is_placed_after_it():
    error = explained("PREFIX ex: <http://example.org/>\n  WHERE { ?s ?p ex:o }")
    assert str(error) == f'line 2, column 3: "WHERE" cannot start a query; {START}'


def test_an_unexpected_token_with_the_expectation_shortened():
    query = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"
    error = explained(query)
    raw = error.parser_message
    assert raw.startswith("error at 3:18: expected one of ABS, AVG, DAY, IRI, MAX, MD5, MIN, NOT, NOW,")
    assert str(error) == 'line 3, column 17: unexpected "}"; expected one of ABS, AVG, DAY, IRI, MAX, MD5, MIN, NOT, …'
    assert len(read_message(raw).expected) > SHOWN_EXPECTED


def test_a_non_ascii_query_is_placed_in_characters():
    query = 'SELECT * WHERE {\n  ?s rdfs:label "航天器 😀" }\nLIMIT 数'
    error = explained(query)
    assert error.parser_message.startswith("error at 3:7: ")
    assert str(error) == 'line 3, column 7: unexpected "数"; expected one of HAVING, OFFSET, OPTIONAL, VALUES, a digit'
    assert (error.line, error.column) == (3, 7)


def test_the_grammars_character_classes_are_left_out():
    parsed = read_message(parser_message("SELECT * { ?s ?p ?o } GROUP BY"))
    assert parsed.expected == ('"$"', '"("', '":"', '"<"', '"?"', "a name")
    assert read_message(parser_message("SELECT ?x { ?s a foo:x }")).failures == ("Prefix not found",)


def test_an_invalid_iri():
    assert str(explained("SELECT * { ?s <http://a b> ?o }")) == 'line 1, column 15: "<http://a b>" is not a valid IRI'


def test_an_unclosed_string():
    assert str(explained('SELECT * { ?s ?p "open }')) == "line 1, column 18: a string starts here and is never closed"


def test_the_end_of_the_query():
    assert str(explained("SELECT ?x WHERE { ?s ?p ?o ")).startswith(
        'line 1, column 28: unexpected end of the query after "?o"; expected one of ",", ".", ";", "{"')


def test_positions_in_the_parsers_message_are_moved_to_the_clients_text():
    assert with_position("error at 4:2: expected OPTIONAL", 1) == "error at 3:2: expected OPTIONAL"
    assert with_position("error at 4:2: expected OPTIONAL", 0) == "error at 4:2: expected OPTIONAL"
    assert with_position("the backend rejected the query", 1) == "the backend rejected the query"


def test_a_message_that_is_not_the_parsers_is_kept():
    error = QuerySyntaxError("the backend rejected the query: SP030 line 1")
    assert explain(error, "SELECT", predeclared=DEFAULT) is error
    assert error.parser_message == str(error) and error.line is None
