#!/usr/bin/env python3
"""Evidence coverage: which sentences of each article body are quoted, and by which instances.

    python scripts/coverage.py            # every document
    python scripts/coverage.py --missing  # only the sentences no annotation quotes

A sentence counts as quoted when an evidence annotation's offsets overlap it.
Exit status 1 when a sentence is unquoted and not listed in
`sources/unquoted.tsv` (source id, TAB, the sentence's first words, TAB, the reason).
The reading is `spacecoop.curate.review.coverage`, which `spacecoop review` shares.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from spacecoop.curate.review import coverage  # noqa: E402
from spacecoop.paths import Repository  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--missing", action="store_true", help="print only unquoted sentences")
    args = parser.parse_args(argv)
    unexplained = 0
    for source_id, (annotated, sentences) in coverage(Repository(ROOT)).items():
        lines = []
        for sentence in sentences:
            where = f"  [{sentence.start}-{sentence.end}]"
            if sentence.quoted_by:
                if not args.missing:
                    lines.append(f"{where} {sentence.text[:90]}\n      <- {', '.join(sentence.quoted_by)}")
            elif sentence.left_out is None:
                unexplained += 1
                lines.append(f"{where} UNQUOTED {sentence.text[:90]}")
            else:
                lines.append(f"{where} left out ({sentence.left_out}): {sentence.text[:70]}")
        quoted = sum(1 for sentence in sentences if sentence.quoted_by)
        print(f"{source_id}: {quoted}/{len(sentences)} sentences quoted, {annotated} annotations")
        print("\n".join(lines))
    if unexplained:
        print(f"{unexplained} sentence(s) neither quoted nor listed in sources/unquoted.tsv", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
