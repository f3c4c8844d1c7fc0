"""`/changes`: what changed since the previous release, when the release served keeps one.

A build that replaces a release whose data or vocabulary differs keeps it as
`previous/` inside the new release (see `spacecoop.build.release.writer`). The diff
(`spacecoop.curate.diff`) is computed once per served release, on the first request,
and kept; the page is HTML, with a JSON twin (`?format=json` or `Accept`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from spacecoop.curate import diff
from spacecoop.rdf import formats
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages.representations import choose
from spacecoop.web.pages.site import LANGUAGE_VARY, Alternate, Site, add_links, vary

PAGE = neg.FormatTable.of(*formats.named("html", "json"), aliases=False)
LISTED = 500  # rows per list on the page (the JSON twin and `spacecoop diff` give them all)

_lock = threading.Lock()
_computed: dict[Path, dict[str, Any] | None] = {}


def _diff(release: Path) -> dict[str, Any] | None:
    """The diff of the release at `release` to the one it keeps (as JSON), or None; computed once."""
    with _lock:
        if release not in _computed:
            previous = diff.kept_previous(release)
            if previous is None:
                _computed[release] = None
            else:
                _computed[release] = diff.as_json(diff.compare(previous, diff.open_release(release)))
        return _computed[release]


def changes(site: Site, request: Request) -> Response:
    page = site.page(request)
    choice = choose(request, PAGE, None)
    found = _diff(site.release.root)
    if choice.media_type == formats.JSON:
        body: dict[str, Any] = {"release": site.manifest.get("release"), "previous": None, "diff": None}
        if found is not None:
            body.update(previous=found["old"], diff=found)
        response: Response = JSONResponse(body)
        add_links(response, [Alternate(neg.HTML, page.iris.path("changes?format=html"), "HTML")])
    else:
        context: dict[str, Any] = {"release": site.manifest.get("release"), "diff": found, "listed": LISTED}
        if found is not None:
            context["graphs"] = sorted(found["graphs"].items())
        response = page.html("changes.html", context,
                             alternates=[Alternate(formats.JSON, page.iris.path("changes?format=json"), "JSON")])
        vary(response, *LANGUAGE_VARY)
    if choice.negotiated:
        vary(response, "Accept")
    return response
