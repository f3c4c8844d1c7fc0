"""Error pages: the HTML twin of a problem+json answer, for a browser.

An error page is one of the site's pages: `error.html` rendered by the site's
templates, with its header, navigation and stylesheet, every link built from
the address the client used (the proxy-aware base of `Page`). Without a site
(an application that mounts no Linked Data pages), or if that rendering fails,
`error-standalone.html` says the same with nothing but the request's address.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from starlette.requests import Request

from spacecoop.web.pages.baseiri import server_base

if TYPE_CHECKING:
    from spacecoop.web.pages.site import Site

log = logging.getLogger("spacecoop.web")

TEMPLATE = "error.html"
STANDALONE_TEMPLATE = "error-standalone.html"

_standalone = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
)


def _site_of(request: Request) -> Site | None:
    app = request.scope.get("app")
    return getattr(getattr(app, "state", None), "site", None)


def error_page(request: Request, status: int, title: str, detail: str,
               suggestions: Sequence[Mapping[str, str]] = ()) -> str:
    """The page of an error: `status` and `title` as its heading, `detail` below (all escaped), then
    the `suggestions` (`{"href", "label"}`: where the client may have meant to go) as links."""
    context = {"status": status, "title": title, "detail": detail, "suggestions": list(suggestions)}
    site = _site_of(request)
    if site is not None:
        try:
            template = site.templates.get_template(TEMPLATE)
            # The wording of errors is English, whatever languages the client prefers.
            return template.render(site=site.page(request).links, alternates=[], page_language="en", **context)
        except Exception:
            log.exception("the error page could not be rendered with the site's templates")
    return _standalone.get_template(STANDALONE_TEMPLATE).render(base=server_base(request), **context)
