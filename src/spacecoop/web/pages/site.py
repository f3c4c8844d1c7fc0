"""What every Linked Data view shares: the configuration, the store, the release, the templates.

`Site` is built once by `spacecoop.web.app.create_app`; `Page` is one request's view
of it (addresses mapped for this request, the client's languages) and renders
HTML with the `Link: rel="alternate"` headers every representation carries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from spacecoop.iris import BASE
from spacecoop.paths import Release
from spacecoop.store.protocol import Store
from spacecoop.web import i18n
from spacecoop.web.http import negotiation as neg
from spacecoop.web.pages import labels as labelling
from spacecoop.web.pages import pictures
from spacecoop.web.pages.baseiri import IriMap, iri_map
from spacecoop.web.pages.context import build_context
from spacecoop.web.pages.rendering import DEFAULT_CACHE_BYTES, DEFAULT_CONCURRENCY, RenderCache, Renderer
from spacecoop.web.pages.representations import FORMAT_LABELS, conditional, entity_tag
from spacecoop.web.pages.vocabulary import Vocabulary

log = logging.getLogger("spacecoop.web.pages")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


@dataclass(frozen=True)
class Config:
    """The settings the Linked Data views read (taken from the server's settings)."""

    dist: Path
    base_iri: str = BASE
    query_timeout: float = 10.0
    max_rows: int = 10_000
    page_size: int = 100
    render_cache_bytes: int = DEFAULT_CACHE_BYTES  # rendered representations kept (see `rendering`)
    render_concurrency: int = DEFAULT_CONCURRENCY  # page renders running at once

    @classmethod
    def from_settings(cls, settings: Any) -> Config:
        """Read `spacecoop.web.settings.Settings`: the release directory, the query time limit and row cap.

        `base_iri` (the canonical base the server answers for) is read when the
        settings have it; otherwise the dataset's base `https://w3id.org/spacecoop/`
        applies. Forwarded headers reach the views only from trusted proxies
        (`spacecoop.web.http.proxies`).
        """
        values: dict[str, Any] = {}
        for name, aliases in {
            "dist": ("release_dir", "dist"),
            "base_iri": ("base_iri",),
            "query_timeout": ("time_limit",),
            "max_rows": ("max_rows",),
            "render_cache_bytes": ("linked_data_cache",),
            "render_concurrency": ("linked_data_renders",),
        }.items():
            for alias in aliases:
                if getattr(settings, alias, None) is not None:
                    values[name] = getattr(settings, alias)
                    break
        values["dist"] = Path(values.get("dist", "dist"))
        if "render_cache_bytes" in values:
            values["render_cache_bytes"] = int(float(values["render_cache_bytes"]) * 2**20)
        base = str(values.get("base_iri", BASE))
        values["base_iri"] = base if base.endswith("/") else base + "/"
        return cls(**values)


@dataclass(frozen=True)
class Alternate:
    """Another representation of the same thing."""

    media_type: str
    href: str
    label: str


class Site:
    """Shared state of the Linked Data views."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.release = Release(config.dist)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=False,
            auto_reload=False,  # the package's templates do not change while it runs (no stat per page)
            extensions=["jinja2.ext.i18n"],
        )
        # English unless a page passes its language's `gettext`/`ngettext` (`Page.render`).
        self.templates.install_null_translations()  # type: ignore[attr-defined]
        self.templates.filters["tojson_script"] = json_for_script
        pictures.register(self)
        self.renderer = Renderer(RenderCache(config.render_cache_bytes), config.render_concurrency)
        self._templates_present: dict[str, bool] = {}

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.from_file(self.release.ontology_ttl)

    @cached_property
    def context(self) -> dict[str, Any]:
        return build_context(self.vocabulary)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        path = self.release.manifest
        if not path.exists():
            return {"release": self.store.release_id, "files": []}
        return cast("dict[str, Any]", json.loads(path.read_text(encoding="utf-8")))

    @cached_property
    def last_modified(self) -> float:
        """When this release was made (its manifest's time): the `Last-Modified` of every page."""
        path = self.release.manifest if self.release.manifest.exists() else self.release.root
        return path.stat().st_mtime

    def prepare(self) -> None:
        """Do now what the first pages would otherwise do: read the vocabulary, the context and the
        manifest, and compile every template (a server calls this before it takes requests)."""
        _ = self.vocabulary, self.context, self.manifest, self.last_modified
        for name in self.templates.list_templates(extensions=["html"]):
            self.templates.get_template(name)

    def template_exists(self, name: str) -> bool:
        present = self._templates_present.get(name)
        if present is None:
            present = self._templates_present[name] = (TEMPLATES_DIR / name).is_file()
        return present

    def page(self, request: Request) -> Page:
        return Page(self, request)


def json_for_script(value: Any) -> Markup:
    """JSON safe to embed in `<script type="application/ld+json">` (no `</script>` break-out)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


@dataclass
class SiteLinks:
    """The site's own addresses as this request sees them, for templates."""

    iris: IriMap

    def static(self, name: str) -> str:
        return self.iris.path(f"static/{name}")

    @property
    def home(self) -> str:
        return self.iris.server

    @property
    def ontology(self) -> str:
        return self.iris.path("ontology")

    @property
    def query(self) -> str:
        return self.iris.path("query")

    @property
    def sparql(self) -> str:
        return self.iris.path("sparql")

    @property
    def search(self) -> str:
        return self.iris.path("search")

    @property
    def dumps(self) -> str:
        return self.iris.path("dumps/")

    @property
    def void(self) -> str:
        return self.iris.path("void")

    @property
    def catalog(self) -> str:
        return self.iris.path("catalog")

    @property
    def context(self) -> str:
        return self.iris.path("context.jsonld")


@dataclass
class Page:
    """One request's view of the site."""

    site: Site
    request: Request
    iris: IriMap = field(init=False)
    languages: list[str] = field(init=False)  # the client's, the one it chose first (labels follow them)
    messages: i18n.Messages = field(init=False)  # the interface's text in the first language it speaks

    def __post_init__(self) -> None:
        self.iris = iri_map(self.request, self.site.config.base_iri)
        languages = labelling.preferred_languages(self.request.headers.get("accept-language"))
        chosen = i18n.chosen_language(self.request.query_params.get("lang"), self.request.headers.get("cookie"))
        if chosen is not None:  # the language switch: the interface and the labels
            languages = [chosen, *(language for language in languages if language != chosen)]
        self.languages = languages
        self.messages = i18n.messages(i18n.interface_language(languages))

    @property
    def links(self) -> SiteLinks:
        return SiteLinks(self.iris)

    def language_switch(self) -> list[tuple[str, str, str]]:
        """(code, name, href) for each interface language: `/lang` sets the choice and comes back here."""
        query = urlencode([(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"])
        here = self.request.url.path + (f"?{query}" if query else "")
        return [(code, name, self.iris.path("lang") + "?" + urlencode({"to": code, "next": here}))
                for code, name in i18n.LANGUAGES.items()]

    def conditional(self, response: Response, media_type: str) -> Response:
        """`response` with its validators, or 304 if the client holds it. The tag names what the
        body depends on: the release, the address links point at, the URL, the format, the languages."""
        url = self.request.url
        etag = entity_tag(self.site.store.release_id, self.iris.server, url.path, url.query, media_type,
                          *self.languages)
        return conditional(self.request, response, etag, self.site.last_modified)

    def alternates(self, base_path: str, media_types: tuple[str, ...] | list[str],
                   exclude: str | None = None) -> list[Alternate]:
        """`base_path` (`id/agency/cnsa`) in each format, by extension (`…/cnsa.ttl`)."""
        out = []
        for media_type in media_types:
            if media_type == exclude:
                continue
            ext = neg.EXTENSIONS[media_type]
            out.append(Alternate(media_type, self.iris.path(f"{base_path}.{ext}"), FORMAT_LABELS.get(media_type, ext)))
        return out

    def render(self, template: str, context: Mapping[str, Any], *, alternates: Sequence[Alternate] = (),
               status_code: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
        body = self.site.templates.get_template(template).render(
            site=self.links, alternates=list(alternates), page_language=self.languages[0],
            ui_language=self.messages.language, languages=self.language_switch(),
            gettext=self.messages.gettext, ngettext=self.messages.ngettext, **context
        )
        return HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))

    def html(self, template: str, context: Mapping[str, Any], *, alternates: Sequence[Alternate] = (),
             canonical: str | None = None) -> HTMLResponse:
        """A page that is not negotiated: rendered, with its alternates as `Link` headers too."""
        response = self.render(template, context, alternates=alternates)
        add_links(response, alternates, canonical=canonical)
        return response


def add_links(response: Response, alternates: Sequence[Alternate], canonical: str | None = None) -> None:
    """`Link: <…>; rel="alternate"; type="…"` for each other representation (and the canonical IRI)."""
    parts = [f'<{alt.href}>; rel="alternate"; type="{alt.media_type}"' for alt in alternates]
    if canonical:
        parts.append(f'<{canonical}>; rel="canonical"')
    if parts:
        existing = response.headers.get("link")
        response.headers["link"] = ", ".join(([existing] if existing else []) + parts)


# What a page in the client's language varies on: its Accept-Language, and the switch's cookie.
LANGUAGE_VARY = ("Accept-Language", "Cookie")


def vary(response: Response, *fields: str) -> None:
    present = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    for name in fields:
        if name.lower() not in {p.lower() for p in present}:
            present.append(name)
    response.headers["vary"] = ", ".join(present)
