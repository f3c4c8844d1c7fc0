#!/usr/bin/env python3
"""Evidence coverage: which sentences of each article body are quoted, and by which instances.

    python scripts/coverage.py            # every document
    python scripts/coverage.py --missing  # only the sentences no annotation quotes

A sentence counts as quoted when an evidence annotation's offsets overlap it.
Exit status 1 when a sentence is unquoted and not listed in
`sources/unquoted.tsv` (source id, TAB, the sentence's first words, TAB, the reason).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from spacecoop.build.evidence import normalise, read_annotations, read_sources  # noqa: E402
from spacecoop.build.load import load_repository  # noqa: E402
from spacecoop.paths import Repository  # noqa: E402

# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace, or at a blank line.
_SENTENCE_END = re.compile(r'[.!?][”"’]?(?=\s)|\n\s*\n')


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if text[cursor:stop].strip():
            spans.append((cursor, stop))
        cursor = stop
    if text[cursor:end].strip():
        spans.append((cursor, end))
    # trim surrounding whitespace
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        trimmed.append((s, e))
    return trimmed


def read_exemptions(path: Path) -> dict[tuple[str, str], str]:
    exemptions: dict[tuple[str, str], str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                source, words, reason = line.split("\t", 2)
                exemptions[(source, normalise(words))] = reason
    return exemptions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--missing", action="store_true", help="print only unquoted sentences")
    args = parser.parse_args(argv)

    repo = Repository(ROOT)
    loaded = load_repository(repo)
    sources = read_sources(loaded.sources, repo.sources_dir)
    exemptions = read_exemptions(repo.sources_dir / "unquoted.tsv")
    unexplained = 0
    for source_id, source in sorted(sources.items()):
        annotations = read_annotations(loaded.documents.get(source_id, __import__("rdflib").Graph()))
        spans = sentences(source.text, source.body_start, source.body_end)
        quoted = 0
        lines = []
        for s, e in spans:
            supporters = sorted(
                {b.rsplit("/id/", 1)[-1] for a in annotations if a.start is not None and a.end is not None
                 and a.start < e and a.end > s for b in a.bodies}
            )
            sentence = normalise(source.text[s:e])
            if supporters:
                quoted += 1
                if not args.missing:
                    lines.append(f"  [{s}-{e}] {sentence[:90]}\n      <- {', '.join(supporters)}")
                continue
            reason = next((r for (sid, words), r in exemptions.items()
                           if sid == source_id and sentence.startswith(words)), None)
            if reason is None:
                unexplained += 1
                lines.append(f"  [{s}-{e}] UNQUOTED {sentence[:90]}")
            else:
                lines.append(f"  [{s}-{e}] left out ({reason}): {sentence[:70]}")
        print(f"{source_id}: {quoted}/{len(spans)} sentences quoted, {len(annotations)} annotations")
        print("\n".join(lines))
    if unexplained:
        print(f"{unexplained} sentence(s) neither quoted nor listed in sources/unquoted.tsv", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
