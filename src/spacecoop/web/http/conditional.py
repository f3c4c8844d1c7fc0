"""Conditional requests (RFC 9110 13): whether the client already holds the representation.

One rule for every route: the endpoint's answers, the Linked Data pages and the dump
files. If-None-Match wins when it is sent, compared weakly (`W/"x"` matches `"x"`, and
`*` matches anything); otherwise If-Modified-Since, to the second, when the
representation has a modification time. A date that does not parse is ignored.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of `etag` against an If-None-Match header."""
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == opaque for tag in candidates)


def is_fresh(if_none_match: str | None, if_modified_since: str | None, etag: str,
             last_modified: float | None = None) -> bool:
    """Whether the client's copy is current: If-None-Match if it is sent, else If-Modified-Since."""
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if last_modified is None or not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):  # not a date: the condition is ignored
        return False
    return since.tzinfo is not None and int(last_modified) <= since.timestamp()
