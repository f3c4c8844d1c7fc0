"""One rule for conditional requests (RFC 9110 13) and one answer to a store's errors, on every route."""

from __future__ import annotations

import pytest

from spacecoop.store.policy import QueryTooComplex
from spacecoop.store.protocol import (
    BackendUnavailable,
    QueryMemoryExceeded,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    StoreError,
)
from spacecoop.web.http import problems as errors
from spacecoop.web.http.conditional import etag_matches, is_fresh

TAG = 'W/"abc"'
MODIFIED = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT


@pytest.mark.parametrize("header,expected", [
    ('W/"abc"', True), ('"abc"', True), ("*", True), ('"x", W/"abc"', True), (' "x" ,  "abc" ', True),
    ('"abd"', False), ("", False), (None, False), ('W/"ab"', False),
])
def test_if_none_match_is_compared_weakly(header, expected):
    assert etag_matches(header, TAG) is expected
    assert etag_matches(header, '"abc"') is expected  # a strong tag matches its weak twin too


@pytest.mark.parametrize("since,expected", [
    ("Tue, 14 Nov 2023 22:13:20 GMT", True), ("Wed, 15 Nov 2023 00:00:00 GMT", True),
    ("Tue, 14 Nov 2023 22:13:19 GMT", False), ("not a date", False), ("", False), (None, False),
    ("Tue, 14 Nov 2023 22:13:20 -0000", False),  # no time zone: not an HTTP date, ignored
])
def test_if_modified_since_to_the_second(since, expected):
    assert is_fresh(None, since, TAG, MODIFIED) is expected


def test_if_none_match_wins_over_if_modified_since():
    current = "Wed, 15 Nov 2023 00:00:00 GMT"
    assert is_fresh('"other"', current, TAG, MODIFIED) is False
    assert is_fresh(TAG, "Mon, 01 Jan 2001 00:00:00 GMT", TAG, MODIFIED) is True


def test_without_a_modification_time_only_the_tag_counts():
    assert is_fresh(None, "Wed, 15 Nov 2023 00:00:00 GMT", TAG) is False


# -- one error mapping for the endpoint and the pages ----------------------------------


@pytest.mark.parametrize("error,status,title", [
    (QuerySyntaxError("x"), 400, "Malformed query"),
    (QueryTooComplex("x"), 400, "Query too complex"),
    (QueryRefused("x"), 403, None),
    (QueryTimeout("x"), 503, "Query time limit reached"),
    (QueryMemoryExceeded("x"), 503, "Query memory limit reached"),
    (RowLimitExceeded(10), 422, None),
    (BackendUnavailable("x"), 502, "Backend store failed"),
    (StoreError("x"), 502, "Backend store failed"),
], ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None)
def test_a_stores_error_is_one_answer_on_every_route(error, status, title):
    problem = errors.from_store(error)
    assert problem.status == status
    if title:
        assert problem.title == title
