"""`/dumps/`: every release file, listed from `manifest.json` and served as a file.

The listing shows size, media type, SHA-256 and triple count (HTML, or the
manifest itself as JSON). Files are served with their media type,
`Content-Length`, `Last-Modified` and a strong `ETag` made of their SHA-256;
a conditional GET that matches gets 304, a `Range` request 206.
Only files the manifest names are served.
"""

from __future__ import annotations

import hashlib
import os
from email.utils import formatdate
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from spacecoop.rdf import formats
from spacecoop.web.http import negotiation as neg
from spacecoop.web.http.conditional import is_fresh
from spacecoop.web.pages.representations import choose
from spacecoop.web.pages.site import LANGUAGE_VARY, Alternate, Site, add_links, vary

# The listing as a page or as the manifest's JSON (no alias media types here).
LISTING = neg.FormatTable.of(*formats.named("html", "json"), aliases=False)
MANIFEST = "manifest.json"
# Files served as UTF-8 text: text/* and these.
_TEXT = frozenset({*(fmt.media_type for fmt in formats.of_kind(formats.GRAPH, formats.DATASET)), formats.JSON})


def _entries(site: Site) -> dict[str, dict[str, Any]]:
    return {entry["path"]: entry for entry in site.manifest.get("files", [])}


def listing(site: Site, request: Request) -> Response:
    page = site.page(request)
    choice = choose(request, LISTING, None)
    files = sorted(_entries(site).values(), key=lambda e: e["path"])
    if choice.media_type == formats.JSON:
        document = dict(site.manifest)
        document["files"] = [dict(e, url=page.iris.path(f"dumps/{e['path']}")) for e in files]
        response: Response = JSONResponse(document)
        add_links(response, [Alternate(neg.HTML, page.iris.path("dumps/?format=html"), "HTML")])
    else:
        rows = [dict(e, url=page.iris.path(f"dumps/{e['path']}")) for e in files]
        response = page.html(
            "dumps.html",
            {"files": rows, "release": site.manifest.get("release"),
             "manifest_url": page.iris.path(f"dumps/{MANIFEST}")},
            alternates=[Alternate(formats.JSON, page.iris.path("dumps/?format=json"), "JSON")],
        )
        vary(response, *LANGUAGE_VARY)  # the page's interface is in the client's language
    if choice.negotiated:
        vary(response, "Accept")
    return response


def dump_file(site: Site, request: Request) -> Response:
    path = request.path_params["path"]
    entry = _entries(site).get(path)
    if path == MANIFEST and site.release.manifest.exists():
        digest = hashlib.sha256(site.release.manifest.read_bytes()).hexdigest()
        entry = {"path": MANIFEST, "media_type": formats.JSON, "sha256": digest}
    if entry is None:
        raise HTTPException(404, f"{path!r} is not a file of this release; see /dumps/")
    file_path = site.release.root / entry["path"]
    try:
        stat = os.stat(file_path)
    except FileNotFoundError as error:
        raise HTTPException(404, f"{path!r} is listed by the manifest but missing from the release") from error
    headers = {"cache-control": "public, max-age=3600"}
    etag = f'"{entry["sha256"]}"' if entry.get("sha256") else None
    if etag:
        headers["etag"] = etag
    if is_fresh(request.headers.get("if-none-match"), request.headers.get("if-modified-since"), etag or "",
                stat.st_mtime):
        return Response(status_code=304, headers={"last-modified": formatdate(stat.st_mtime, usegmt=True), **headers})
    media_type = entry.get("media_type") or "application/octet-stream"
    if media_type.startswith("text/") or media_type in _TEXT:
        media_type += "; charset=utf-8"
    return FileResponse(file_path, media_type=media_type, headers=headers, stat_result=stat,
                        content_disposition_type="inline", filename=None)
