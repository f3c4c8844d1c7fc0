"""Conditional requests on the Linked Data routes: ETag and Last-Modified, 304 when the client holds it.

The tags are weak (rdflib writes triples in no fixed order) and differ for
each representation of a resource; RFC 9110 decides: If-None-Match wins over
If-Modified-Since, `*` matches any, and a weak tag matches its strong twin.
"""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime

import pytest
from support.pages import SOURCE_A, client, fixture_release, fixture_server  # noqa: F401  (fixtures)

ROUTES = ["/id/agency/cnsa", f"/graph/{SOURCE_A}", "/ontology", "/class/Agency", f"/source/{SOURCE_A}", "/",
          f"/source/{SOURCE_A}.txt", "/void"]


@pytest.mark.parametrize("path", ROUTES)
def test_a_second_get_with_the_etag_is_a_304(client, path):
    first = client.get(path, headers={"Accept": "text/html"})
    assert first.status_code == 200
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"')
    second = client.get(path, headers={"Accept": "text/html", "If-None-Match": etag})
    assert second.status_code == 304
    assert second.content == b""
    assert second.headers["etag"] == etag and second.headers["last-modified"] == last_modified
    assert second.headers.get("vary") == first.headers.get("vary")


@pytest.mark.parametrize("path", ["/id/agency/cnsa", f"/graph/{SOURCE_A}", "/ontology", "/class/Agency", "/"])
def test_each_representation_has_its_own_etag(client, path):
    html = client.get(path, headers={"Accept": "text/html"})
    data = client.get(path, headers={"Accept": "application/json" if path in ("/", "/class/Agency") else "text/turtle"})
    assert html.headers["etag"] != data.headers["etag"]
    stale = client.get(path, headers={"Accept": "text/html", "If-None-Match": data.headers["etag"]})
    assert stale.status_code == 200


def test_every_page_of_a_release_has_the_same_last_modified(client):
    dates = {client.get(path).headers["last-modified"] for path in ROUTES}
    assert len(dates) == 1


def test_if_none_match_star_and_weak_comparison(client):
    etag = client.get("/id/agency/cnsa.ttl").headers["etag"]
    assert client.get("/id/agency/cnsa.ttl", headers={"If-None-Match": "*"}).status_code == 304
    assert client.get("/id/agency/cnsa.ttl", headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 304
    assert client.get("/id/agency/cnsa.ttl", headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get("/id/agency/cnsa.ttl", headers={"If-None-Match": '"other"'}).status_code == 200


def test_if_modified_since_and_its_precedence(client):
    first = client.get("/id/agency/cnsa.ttl")
    since = first.headers["last-modified"]
    earlier = formatdate(parsedate_to_datetime(since).timestamp() - 3600, usegmt=True)
    assert client.get("/id/agency/cnsa.ttl", headers={"If-Modified-Since": since}).status_code == 304
    assert client.get("/id/agency/cnsa.ttl", headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get("/id/agency/cnsa.ttl", headers={"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match is present: If-Modified-Since is not looked at (RFC 9110 13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": since}
    assert client.get("/id/agency/cnsa.ttl", headers=both).status_code == 200


def test_a_missing_resource_is_a_404_whatever_the_condition(client):
    assert client.get("/id/agency/nobody", headers={"If-None-Match": "*"}).status_code == 404
