#!/usr/bin/env python3
"""Find a quote in a source document and print the evidence annotation for it.

    python scripts/locate_quote.py 000_181a7447120e5f18 "Over 110 in-orbit science research"
    python scripts/locate_quote.py 000_181a7447120e5f18 "the agency" --slug 000-cmsa-01 --body id:agency/cmsa

Prints the offsets of every match in the article body, whitespace-insensitively,
and a Turtle annotation with oa:prefix/oa:suffix when the quote is ambiguous.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from spacecoop.build.evidence import context_for, read_sources  # noqa: E402
from spacecoop.build.load import parse_turtle  # noqa: E402
from spacecoop.paths import Repository  # noqa: E402


def turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source_id", help="file stem of the document, e.g. 000_181a7447120e5f18")
    parser.add_argument("quote", help="the verbatim quote (whitespace may differ)")
    parser.add_argument("--slug", help="slug of the annotation IRI id:evidence/{slug}")
    parser.add_argument("--body", action="append", default=[], help="CURIE or IRI of a supported instance (repeatable)")
    args = parser.parse_args(argv)

    repo = Repository(ROOT)
    sources = read_sources(parse_turtle(repo.sources_ttl), repo.sources_dir)
    if args.source_id not in sources:
        print(f"unknown source {args.source_id!r}; known: {', '.join(sorted(sources))}", file=sys.stderr)
        return 2
    source = sources[args.source_id]
    matches = source.find(args.quote)
    if not matches:
        print(f"quote not found in the body of {args.source_id}", file=sys.stderr)
        return 1
    for start, end in matches:
        print(f"# {start}-{end}: {source.text[start:end]!r}")
    start, end = matches[0]
    exact = source.text[start:end]
    lines = [
        f"id:evidence/{args.slug or 'SLUG'} a oa:Annotation ;",
        "    oa:motivatedBy oa:describing ;",
        f"    oa:hasBody {', '.join(args.body) or 'BODY'} ;",
        "    oa:hasTarget [ a oa:SpecificResource ;",
        f"        oa:hasSource <{source.iri}> ;",
        f"        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {turtle_string(exact)}",
    ]
    if len(matches) > 1:
        prefix, suffix = context_for(source, start, end)
        lines[-1] += f" ;\n            oa:prefix {turtle_string(prefix)} ; oa:suffix {turtle_string(suffix)}"
        print(f"# ambiguous: {len(matches)} matches; the annotation below selects the first", file=sys.stderr)
    lines[-1] += " ] ,"
    lines.append(f"            [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ] .")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
