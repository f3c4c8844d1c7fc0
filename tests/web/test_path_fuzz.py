"""No request path makes the Linked Data routes fail: every odd byte is a 404 (or a 4xx), never a 500.

A path is percent-decoded before a view sees it, so it can hold a `%` that
starts no escape, brackets, controls or no valid UTF-8 at all; a path that
cannot be an IRI of the dataset is not looked up.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.pages import client, fixture_release, fixture_server  # noqa: F401  (fixtures)

PREFIXES = ("/id/agency/x", "/graph/x", "/class/x", "/source/x", "/dumps/x")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_single_byte_in_a_path_is_a_server_error(client, prefix):
    statuses = {f"%{byte:02X}": client.get(f"{prefix}%{byte:02X}").status_code for byte in range(256)}
    assert not {escape: code for escape, code in statuses.items() if code >= 500}
    assert statuses["%5B"] == statuses["%25"] == statuses["%FF"] == 404


def test_a_percent_in_an_iri_is_a_404_with_a_reason(client):
    response = client.get("/id/agency/x%25", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "no resource with such an IRI" in response.json()["detail"]


ROUTES = ("/id/", "/graph/", "/class/", "/source/", "/dumps/", "/ontology", "/void", "/dcat", "/", "/static/")
SEGMENT = st.one_of(
    st.binary(min_size=1, max_size=6).map(lambda raw: "".join(f"%{b:02X}" for b in raw)),
    st.text(min_size=1, max_size=8).map(lambda text: "".join(
        c if c in string.ascii_letters else f"%{ord(c) % 256:02X}" if ord(c) < 256 else c for c in text)),
    st.sampled_from([".", "..", "%2E%2E", "%2F", "cnsa", "agency", "x.ttl", "x.html", "a.b.c", "x.txt", "%00", ";",
                     "~"]),
)
PATHS = st.tuples(st.sampled_from(ROUTES), st.lists(SEGMENT, min_size=0, max_size=4),
                  st.sampled_from(["", ".ttl", ".jsonld", ".nt", ".rdf", ".html", ".trig", ".nq", ".txt", ".", ".%FF"]))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(path=PATHS, accept=st.sampled_from(["*/*", "text/html", "text/turtle", "application/json", "x/y;q=bad"]))
@pytest.mark.slow
def test_random_paths_are_never_a_server_error(client, path, accept):
    route, segments, extension = path
    url = route + "/".join(segments) + extension
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code < 500, (url, response.status_code, response.text[:300])
