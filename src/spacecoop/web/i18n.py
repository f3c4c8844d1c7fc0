"""The interface's languages: English (the templates' own text) and Chinese, from a message catalogue.

The templates mark their text with Jinja's i18n extension (`{% trans %}…{% endtrans %}`
and `_("…")`); the messages are extracted with Babel (`pybabel extract -F babel.cfg`, see
`scripts/messages.sh`) into `locale/messages.pot`, translated in
`locale/{language}/LC_MESSAGES/messages.po`, and read from that `.po` file when the
server starts (no compiled `.mo` file to keep in step). A message with no translation
is shown in English.

Which language a request gets, first that applies:
1. `?lang=zh` (or `en`) in the URL: a link to one page in one language;
2. the `lang` cookie, set by the language switch (`/lang?to=zh&next=/path`);
3. the client's `Accept-Language`.
The data's own labels follow the same choice (a Chinese interface shows Chinese labels
where the data has them, English otherwise).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}  # code → its own name, for the switch
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:  # noqa: N802  (the name Babel's extractor knows)
    """Mark `message` for the catalogue without translating it: a heading kept in a constant and
    translated where the page shows it (`_(heading)` in a template, `Messages.gettext` in Python)."""
    return message


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (read once per process); English, or a missing catalogue, translates nothing."""
    path = catalogue_path(language)
    if language == SOURCE_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)  # a fuzzy (unchecked) translation is not shown
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@dataclass(frozen=True)
class Messages:
    """The callables a template's `{% trans %}` and `_()` use, in one language."""

    language: str
    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]


def messages(language: str) -> Messages:
    chosen = translations(language if language in LANGUAGES else SOURCE_LANGUAGE)
    return Messages(language if language in LANGUAGES else SOURCE_LANGUAGE, chosen.gettext, chosen.ngettext)


def _cookie_language(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None and morsel.value in LANGUAGES else None


def chosen_language(query_lang: str | None, cookie_header: str | None) -> str | None:
    """The language the client chose explicitly (URL, then cookie), or None: then Accept-Language decides."""
    if query_lang in LANGUAGES:
        return query_lang
    return _cookie_language(cookie_header)


def interface_language(languages: list[str]) -> str:
    """The first of the client's languages (in its order) that the interface speaks."""
    return next((language for language in languages if language in LANGUAGES), SOURCE_LANGUAGE)


def safe_next(target: str | None) -> str:
    """A local path to go back to after switching (never another host: no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
