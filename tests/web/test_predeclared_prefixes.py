"""/sparql with the release's prefixes predeclared, and its syntax errors as one sentence.

Against a real server on the fixture release: a query may use `sco:`, `rdfs:`,
`agency:` … without declaring them, whatever its form; a query's own
declaration wins; errors are placed in the client's text; the service
description lists the prefixes with SHACL's `sh:declare`.
"""

from __future__ import annotations

import rdflib
from rdflib.namespace import SH
from support.pages import CNSA, ESA, client, fixture_release, fixture_server  # noqa: F401  (fixtures)

from spacecoop.store.prefixes import release_prefixes

JSON = {"Accept": "application/sparql-results+json"}
NT = {"Accept": "application/n-triples"}


def ask(client, query: str, headers: dict = JSON):  # noqa: F811
    return client.get("/sparql", params={"query": query}, headers=headers)


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def problem(response) -> dict:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_select_uses_sco_without_declaring_it(client):  # noqa: F811
    rows = bindings(ask(client, "SELECT ?a WHERE { ?a a sco:Agency } ORDER BY ?a"))
    assert [row["a"]["value"] for row in rows] == [CNSA, ESA]


def test_ask_uses_a_resource_types_prefix(client):  # noqa: F811
    response = ask(client, "ASK { agency:cnsa a sco:Agency ; rdfs:label ?label }")
    assert response.status_code == 200 and response.json()["boolean"] is True


def test_construct_uses_the_predeclared_prefixes(client):  # noqa: F811
    response = ask(client, "CONSTRUCT { agency:esa rdfs:label ?l } WHERE { agency:esa rdfs:label ?l }", NT)
    assert response.status_code == 200, response.text
    graph = rdflib.Graph().parse(data=response.text, format="nt")
    assert set(graph.subjects()) == {rdflib.URIRef(ESA)} and len(graph) >= 1


def test_describe_uses_the_predeclared_prefixes(client):  # noqa: F811
    response = ask(client, "DESCRIBE agency:cnsa", NT)
    assert response.status_code == 200, response.text
    graph = rdflib.Graph().parse(data=response.text, format="nt")
    assert (rdflib.URIRef(CNSA), rdflib.RDF.type, rdflib.URIRef("https://w3id.org/spacecoop/ontology#Agency")) in graph


def test_a_query_declaring_sco_itself_gets_its_own_meaning(client):  # noqa: F811
    response = ask(client, "PREFIX sco: <http://example.org/other#>\nASK { agency:cnsa a sco:Agency }")
    assert response.status_code == 200 and response.json()["boolean"] is False


def test_a_prefixed_name_in_a_string_or_comment_is_left_as_it_is(client):  # noqa: F811
    rows = bindings(ask(client, 'SELECT ?x WHERE { BIND("sco:Agency" AS ?x) } # foo:bar agency:cnsa'))
    assert rows == [{"x": {"type": "literal", "value": "sco:Agency"}}]


def test_a_syntax_error_is_on_the_clients_line(client):  # noqa: F811
    query = "SELECT ?a WHERE {\n  ?a a sco:Agency .\n  ?a rdfs:label ?l } LIMIT x"
    found = problem(ask(client, query))
    column = query.split("\n")[2].index("x") + 1
    assert (found["line"], found["column"]) == (3, column)
    assert found["detail"].startswith(f'The query does not parse: line 3, column {column}: unexpected "x"; expected')
    assert found["parser_message"].startswith(f"error at 3:{column}: expected")


def test_an_undeclared_prefix_is_named_with_the_predeclared_ones(client):  # noqa: F811
    found = problem(ask(client, "SELECT * WHERE { ?s a foo:Agreement }"))
    assert found["detail"].startswith(
        'The query does not parse: line 1, column 23: the prefix "foo:" is not declared (declare it with '
        "PREFIX foo: <…>, or use one of the predeclared prefixes: sco, rdf, rdfs, owl, xsd, skos, prov, oa, "
        "dcterms, schema and ")
    assert (found["line"], found["column"]) == (1, 23)
    assert found["parser_message"].startswith("error at 1:36: expected one of Prefix not found, ['%']")


def test_a_misspelt_form_and_a_non_ascii_query(client):  # noqa: F811
    found = problem(ask(client, "SELEC * {}"))
    assert found["detail"] == (
        'The query does not parse: line 1, column 1: "SELEC" is not a SPARQL keyword; a query starts with '
        "SELECT, CONSTRUCT, ASK or DESCRIBE (after its PREFIX and BASE declarations)")
    assert found["parser_message"] == "error at 1:10: expected CONSTRUCT"
    found = problem(ask(client, 'SELECT * WHERE {\n  ?s rdfs:label "航天器 😀" }\nLIMIT 数'))
    assert found["detail"].startswith('The query does not parse: line 3, column 7: unexpected "数"')
    assert (found["line"], found["column"]) == (3, 7)


def test_the_service_description_declares_the_prefixes(client, fixture_release):  # noqa: F811
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    rows = graph.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        SELECT ?prefix ?namespace WHERE {
            ?service a sd:Service ; sh:declare [ a sh:PrefixDeclaration ; sh:prefix ?prefix ; sh:namespace ?namespace ]
        }""", initNs={"sh": SH})
    declared = {str(prefix): namespace for prefix, namespace in rows}
    assert {name: str(iri) for name, iri in declared.items()} == release_prefixes(fixture_release)
    assert declared["sco"].datatype == rdflib.XSD.anyURI and str(declared["agency"]) == "https://w3id.org/spacecoop/id/agency/"


class _PrefixedStore:
    """Just what the endpoint's check reads of a store: its predeclared prefixes."""

    prefixes = {"sco": "https://w3id.org/spacecoop/ontology#",
                "service-usage": "https://w3id.org/spacecoop/id/service-usage/"}

    def query_kind(self, query: str) -> str:
        raise AssertionError("the policy places these queries itself")


def test_a_predeclared_prefix_spelling_service_is_a_name_not_the_service_keyword():
    import asyncio

    import pytest

    from spacecoop.web.http.problems import Problem
    from spacecoop.web.sparql.endpoint import _query_kind

    store = _PrefixedStore()
    query = "SELECT * WHERE { service-usage:a sco:usedBy ?who }"
    assert asyncio.run(_query_kind(store, query, 100)) == "select"  # type: ignore[arg-type]
    # undeclared anywhere, the same spelling may be read as SERVICE glued to a name: refused
    with pytest.raises(Problem) as refused:
        asyncio.run(_query_kind(store, "SELECT * WHERE { service-other:a ?p ?o }", 100))  # type: ignore[arg-type]
    assert refused.value.status == 403 and "SERVICE" in refused.value.detail
    # a nesting refusal names the client's line, not the line of the added declarations
    deep = "SELECT * WHERE {\n" + "{ " * 5 + "sco:a ?p ?o" + " }" * 5 + "\n}"
    with pytest.raises(Problem) as nested:
        asyncio.run(_query_kind(store, deep, 3))  # type: ignore[arg-type]
    assert nested.value.status == 400 and "at line 2, column" in nested.value.detail
