"""The application factory with a stand-in store: the routing table, and what a bug looks like to a client."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient
from support.stand_in import StandInStore

from spacecoop.store.protocol import BackendUnavailable, QueryRequest, QueryResult, QueryTimeout
from spacecoop.web.app import create_app
from spacecoop.web.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return replace(Settings(), dist=tmp_path)


def client_for(settings: Settings, store: StandInStore) -> TestClient:
    return TestClient(create_app(settings, store), raise_server_exceptions=False)


def test_the_app_serves_sparql_and_health(settings):
    paths = {route.path for route in create_app(settings, StandInStore()).routes}
    assert {"/sparql", "/health"} <= paths


def test_the_linked_data_routes_are_mounted_when_installed(settings):
    pytest.importorskip("spacecoop.web.pages")
    paths = {route.path for route in create_app(settings, StandInStore()).routes}
    assert "/id/{path:path}" in paths


def test_a_bug_is_a_500_problem_with_cors_not_a_400(settings):
    with client_for(settings, StandInStore(RuntimeError("a bug"))) as client:
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "a bug" not in response.text  # the detail is logged, not sent


def test_the_store_time_limit_is_a_503(settings):
    with client_for(settings, StandInStore(QueryTimeout("the query was stopped at the time limit of 1 s"))) as client:
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 503
    assert "the time limit of 1 s" in response.json()["detail"]


def test_a_failing_backend_store_is_a_502(settings):
    with client_for(settings,
                    StandInStore(BackendUnavailable("the backend http://store/sparql cannot be reached"))) as client:
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 502
    assert "cannot be reached" in response.json()["detail"]
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_dataset_and_the_limits_reach_the_store(settings):
    store = StandInStore()
    with client_for(replace(settings, time_limit=3.5, max_rows=7), store) as client:
        client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "http://g"})
    assert store.requests == [(QueryRequest("SELECT * WHERE { ?s ?p ?o }", ("http://g",), ()), 3.5, 7)]


def test_no_app_is_created_at_import_time():
    import spacecoop.web.app as module

    assert not [name for name, value in vars(module).items() if type(value).__name__ == "Starlette"]
