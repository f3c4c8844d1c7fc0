"""The text of an article as a curator reads it: sentences, scripts, Turtle strings.

Offsets are character (code point) indices into the decoded file, as in `sources/sources.ttl`.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace, at a
# full-width 。！？ (optionally followed by a closing quote), or at a blank line.
_SENTENCE_END = re.compile(r'[.!?][”"’)]?(?=\s)|[。！？；][”」』）]?|\n\s*\n')
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end] in order, as (start, end) without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def has_cjk(text: str) -> bool:
    """True when the text contains a Chinese character."""
    return _CJK.search(text) is not None


def turtle_string(text: str) -> str:
    """A Turtle string literal (double quotes) for any text."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def slugify(text: str) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens ('' for text without any)."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))
