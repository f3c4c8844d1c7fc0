"""The one rule for conditional requests (RFC 9110 13), used by the endpoint, the pages and the dumps."""

from __future__ import annotations

import pytest

from spacecoop.server.conditional import etag_matches, is_fresh

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
