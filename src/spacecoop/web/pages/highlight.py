"""Cut a source text into segments so every evidence quote can be marked, overlaps included.

Quotes may overlap or nest; HTML marks may not. The text is cut at every quote
boundary; each segment knows which quotes cover it, which start at its
beginning (their anchors go there) and which end at its end (their links to
the resources they support go there).

`locate` finds a quote in its text and `sentence_around` gives the sentence a
quote stands in, so a page can show the quote marked inside its context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Span:
    """One quote on the text: `[start, end)` in Python string indices."""

    key: str
    start: int
    end: int


@dataclass
class Segment:
    text: str
    start: int
    end: int
    covered_by: list[str] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)


def segments(text: str, spans: list[Span], *, begin: int = 0, end: int | None = None) -> list[Segment]:
    """The segments of `text[begin:end]`; spans outside it are clipped, empty ones dropped."""
    stop = len(text) if end is None else min(end, len(text))
    kept = [Span(s.key, max(s.start, begin), min(s.end, stop)) for s in spans if s.end > begin and s.start < stop]
    kept = [s for s in kept if s.end > s.start]
    cuts = sorted({begin, stop, *(s.start for s in kept), *(s.end for s in kept)})
    out: list[Segment] = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        if right <= left:
            continue
        out.append(
            Segment(
                text=text[left:right],
                start=left,
                end=right,
                covered_by=[s.key for s in kept if s.start <= left and s.end >= right],
                starts=[s.key for s in kept if s.start == left],
                ends=[s.key for s in kept if s.end == right],
            )
        )
    return out


# ---------------------------------------------------------------------------
# A quote in its sentence
# ---------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
# Where a sentence ends: its closing punctuation (with any closing quote marks or brackets)
# followed by whitespace, or a paragraph break.
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]]*(?=\s)|[。！？]|\n\s*\n")
_ENDS = tuple(".!?。！？")
_CLOSERS = "\"'”’)]"


@dataclass
class InSentence:
    """A quote with the rest of its sentence: `before` + `quote` + `after` is verbatim text."""

    before: str
    quote: str
    after: str
    clipped_before: bool = False  # the sentence goes on beyond `before` (shown with an ellipsis)
    clipped_after: bool = False


def locate(text: str, exact: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """Where `exact` is in `text`: at `start`-`end` when it is there (whitespace aside), else its first
    occurrence; None when the text does not hold it."""
    wanted = _SPACE.sub(" ", exact).strip()
    if not wanted:
        return None
    if (start is not None and end is not None and 0 <= start < end <= len(text)
            and _SPACE.sub(" ", text[start:end]).strip() == wanted):
        return start, end
    pattern = re.compile(r"\s+".join(re.escape(word) for word in wanted.split(" ")))
    found = pattern.search(text)
    return (found.start(), found.end()) if found else None


def sentence_around(text: str, start: int, end: int, *, limit: int = 300) -> InSentence:
    """The quote `text[start:end]` with the rest of the sentence it stands in (at most `limit`
    characters either side; a quote that ends a sentence has nothing after it)."""
    window_start, window_end = max(0, start - limit), min(len(text), end + limit)
    left = window_start
    for found in _SENTENCE_END.finditer(text, window_start, start):
        left = found.end()
    quote_text = text[start:end]
    match = None
    if quote_text.rstrip().rstrip(_CLOSERS).endswith(_ENDS):
        right = end
    else:
        match = _SENTENCE_END.search(text, end, window_end)
        right = match.end() if match else window_end
    return InSentence(
        before=text[left:start].lstrip(),
        quote=quote_text,
        after=text[end:right].rstrip(),
        clipped_before=left == window_start > 0,
        clipped_after=match is None and right == window_end < len(text),
    )


def around_prefix(exact: str, prefix: str | None, suffix: str | None) -> InSentence:
    """A quote with the text its selector records before and after it (when no source text is at hand)."""
    return InSentence(before=prefix or "", quote=exact, after=suffix or "",
                      clipped_before=bool(prefix), clipped_after=bool(suffix))
