"""`/lang?to=zh&next=/path`: the interface's language switch (works without JavaScript).

Sets the `lang` cookie (a year, this site's path, `SameSite=Lax`) and sends the
browser back to `next`, a path of this site (anything else goes home: the switch
is no open redirect). `to` must be a language the interface speaks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spacecoop.web import i18n
from spacecoop.web.http import problems as errors
from spacecoop.web.pages.site import Site


def switch(site: Site, request: Request) -> Response:
    language = request.query_params.get("to", "")
    if language not in i18n.LANGUAGES:
        offered = ", ".join(i18n.LANGUAGES)
        raise errors.bad_request(f"to={language!r} is not a language of this site; choose one of: {offered}.")
    page = site.page(request)
    target = page.iris.path(i18n.safe_next(request.query_params.get("next")))
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(i18n.COOKIE, language, max_age=i18n.COOKIE_MAX_AGE, path=urlsplit(page.iris.server).path,
                        samesite="lax")
    return response
