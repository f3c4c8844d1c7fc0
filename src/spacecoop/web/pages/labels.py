"""Which label to show: the browser's preferred language, English as the fallback.

`Accept-Language: zh-CN,zh;q=0.9,en;q=0.8` makes Chinese labels the headline
ones; English is always tried after the client's choices; an untagged label
comes next and any label at all last. The Chinese label, when it is not the
headline one, is shown beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import Literal

FALLBACK = "en"
BESIDE = "zh"


def preferred_languages(accept_language: str | None) -> list[str]:
    """Primary language subtags in the client's order of preference (highest q first)."""
    if not accept_language:
        return [FALLBACK]
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.split("-")[0]))
    languages: list[str] = []
    for _, _, primary in sorted(ranked):
        if primary not in languages:
            languages.append(primary)
    if FALLBACK not in languages:
        languages.append(FALLBACK)
    return languages


def _language(literal: Literal) -> str:
    return (literal.language or "").lower().split("-")[0]


def choose(labels: Iterable[Literal], languages: Sequence[str]) -> Literal | None:
    """The label to show for a client that prefers `languages` (see module doc)."""
    candidates = sorted(labels, key=str)
    if not candidates:
        return None
    for language in languages:
        for label in candidates:
            if _language(label) == language:
                return label
    for label in candidates:
        if not label.language:
            return label
    return candidates[0]


def beside(labels: Iterable[Literal], headline: Literal | None) -> Literal | None:
    """The Chinese label to show next to the headline one, unless the headline is Chinese."""
    if headline is not None and _language(headline) == BESIDE:
        return None
    for label in sorted(labels, key=str):
        if _language(label) == BESIDE and label != headline:
            return label
    return None
