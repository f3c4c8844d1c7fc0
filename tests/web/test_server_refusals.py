"""Read-only, and no request leaves the server because of a query.

SPARQL Update by any route, LOAD and SERVICE get 403 with a message. A local
listener stands in for the outside world: no test here may make it receive a
connection.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

UPDATE = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"


@pytest.fixture(scope="module")
def listener():
    """A TCP listener on localhost that records every connection it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    connections: list[tuple] = []

    def accept() -> None:
        while True:
            try:
                connection, address = server.accept()
            except OSError:
                return
            connections.append(address)
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", connections
    server.close()


def assert_refused(response, *phrases: str) -> None:
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    detail = response.json()["detail"]
    for phrase in phrases:
        assert phrase in detail


def send_update(client, route: str, update: str):
    if route == "POST application/sparql-update":
        return client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"})
    if route == "POST form update=":
        return client.post("/sparql", data={"update": update})
    if route == "GET ?update=":
        return client.get("/sparql", params={"update": update})
    if route == "GET ?query=":
        return client.get("/sparql", params={"query": update})
    return client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-query"})


UPDATE_ROUTES = (
    "POST application/sparql-update",
    "POST form update=",
    "GET ?update=",
    "GET ?query=",
    "POST application/sparql-query",
)


@pytest.mark.parametrize("route", UPDATE_ROUTES)
def test_sparql_update_is_refused(server_client, route):
    assert_refused(send_update(server_client, route, UPDATE), "read-only")


def test_refused_update_changed_nothing(server_client):
    send_update(server_client, "POST form update=", UPDATE)
    response = server_client.get("/sparql", params={"query": "ASK { <http://example.org/a> ?p ?o }"})
    assert response.json()["boolean"] is False


@pytest.mark.parametrize("route", UPDATE_ROUTES)
def test_load_is_refused_and_nothing_is_fetched(server_client, listener, route):
    url, connections = listener
    assert_refused(send_update(server_client, route, f"LOAD <{url}>"), "LOAD is refused")
    time.sleep(0.1)
    assert connections == []


SERVICE_QUERIES = {
    "SERVICE": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SERVICE SILENT": "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "glued to a prefixed name": "PREFIX ex: <{url}#> SELECT * WHERE { SERVICEex:x { ?s ?p ?o } }",
    "in ASK": "ASK { SERVICE <{url}> { ?s ?p ?o } }",
    "in CONSTRUCT": "CONSTRUCT WHERE { SERVICE <{url}> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("route", ["GET", "POST form", "POST query"])
@pytest.mark.parametrize("template", SERVICE_QUERIES.values(), ids=SERVICE_QUERIES.keys())
def test_service_is_refused_and_no_connection_is_attempted(server_client, listener, route, template):
    url, connections = listener
    query = template.replace("{url}", url)
    if route == "GET":
        response = server_client.get("/sparql", params={"query": query})
    elif route == "POST form":
        response = server_client.post("/sparql", data={"query": query})
    else:
        response = server_client.post("/sparql", content=query.encode(),
                                      headers={"Content-Type": "application/sparql-query"})
    assert_refused(response, "SERVICE is refused")
    time.sleep(0.1)
    assert connections == []


# --- Too deep: a query that would overflow the engine's stack is a 400, before anything runs. ---


def nested_braces(n: int) -> str:
    """n nested groups: the first brace is one level, each one inside a group two (see query_policy.nesting)."""
    return "SELECT * WHERE " + "{" * n + "}" * n


@pytest.mark.parametrize("route", ["GET ?query=", "POST application/sparql-query"])
def test_a_query_nested_too_deep_gets_400_naming_the_limit(server_client, route):
    from spacecoop.store.policy import MAX_NESTING

    response = send_update(server_client, route, nested_braces(2300))  # crashed the engine with SIGSEGV
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Query too complex"
    assert f"at most {MAX_NESTING} levels" in problem["detail"] and "--max-nesting" in problem["detail"]


def test_a_query_at_the_limit_is_answered_and_one_level_deeper_is_not(server_client):
    from spacecoop.store.policy import MAX_NESTING

    at_the_limit = nested_braces((MAX_NESTING + 1) // 2)  # 2n - 1 levels
    assert server_client.get("/sparql", params={"query": at_the_limit}).status_code == 200
    deeper = nested_braces((MAX_NESTING + 1) // 2 + 1)
    assert server_client.get("/sparql", params={"query": deeper}).status_code == 400


def test_the_server_checks_with_its_max_nesting_setting(tmp_path):
    from dataclasses import replace

    from test_server_app import StandInStore, client_for

    from spacecoop.web.settings import Settings, load

    assert load({}, {"SPACECOOP_MAX_NESTING": "12"}).max_nesting == 12
    query = "SELECT * WHERE { FILTER(" + "(" * 15 + "1" + ")" * 15 + ") }"  # 17 levels
    settings = replace(Settings(), dist=tmp_path)
    with client_for(settings, StandInStore()) as client:
        assert client.get("/sparql", params={"query": query}).status_code == 200
    with client_for(replace(settings, max_nesting=12), StandInStore()) as client:
        response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "at most 12 levels" in response.json()["detail"]
