"""Cut a source text into segments so every evidence quote can be marked, overlaps included.

Quotes may overlap or nest; HTML marks may not. The text is cut at every quote
boundary; each segment knows which quotes cover it, which start at its
beginning (their anchors go there) and which end at its end (their links to
the resources they support go there).
"""

from __future__ import annotations

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
