"""The curator's commands: `ingest` (a new article and its draft instance file), `review` (what an
article's instances quote, and what they do not yet), `diff` (what changed between two releases).

Each command's work lives in `spacecoop.curate`; this module only reads the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the curator's commands to `commands` (their modules are imported when one runs)."""
    _register_diff(commands)
    _register_ingest(commands)
    _register_review(commands)


def _register_diff(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = commands.add_parser(
        "diff", help="what changed between two releases (vocabulary terms, resources, statements)",
        description="Compare two releases: each a release folder, or the id of the release in --dist "
                    "or of the previous release it keeps.")
    diff.add_argument("old", metavar="OLD", help="the older release: a folder or a release id")
    diff.add_argument("new", metavar="NEW", help="the newer release: a folder or a release id")
    diff.add_argument("--format", choices=("text", "turtle", "sparql-update"), default="text",
                      help="a text summary (default), a Turtle changeset (Changeset vocabulary), or a "
                           "SPARQL Update that turns OLD's data into NEW's")
    diff.add_argument("--output", metavar="FILE", type=Path, help="write to FILE (default: standard output)")
    diff.add_argument("--dist", type=Path, help="where release ids are looked up (default: ROOT/dist)")
    diff.set_defaults(func=_cmd_diff)


def _cmd_diff(args: argparse.Namespace) -> int:
    from spacecoop.curate import diff

    search = [args.dist if args.dist is not None else Path(args.root) / "dist"]
    result = diff.compare(diff.open_release(args.old, search), diff.open_release(args.new, search))
    if args.format == "text":
        chunks: Iterable[str] = [diff.text_summary(result)]
    else:
        lines = diff.changeset_turtle(result) if args.format == "turtle" else diff.changeset_sparql(result)
        chunks = (line + "\n" for line in lines)
    if args.output is None:
        sys.stdout.writelines(chunks)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(chunks)
    return 0


def _register_ingest(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = commands.add_parser(
        "ingest", help="register a new article: its text, its record in sources.ttl and a draft instance file",
        description="Copy FILE into sources/ as {NNN}_{sha256[:16]}.txt, describe it in sources/sources.ttl "
                    "and write the draft instances/{source-id}.ttl for a curator (docs/curation.md).")
    ingest.add_argument("file", metavar="FILE", type=Path, help="the article's text (UTF-8)")
    ingest.add_argument("--title", required=True, help="the article's title, in its language")
    ingest.add_argument("--published", required=True, metavar="YYYY-MM-DD", help="the publication date")
    ingest.add_argument("--publisher", required=True, help="the news medium (its label in sources.ttl, or a new one)")
    ingest.add_argument("--url", help="where the article was published")
    ingest.add_argument("--lang", choices=("en", "zh"), default="en", help="the article's language (default: en)")
    ingest.add_argument("--title-en", help="the English label of a Chinese article (required with --lang zh)")
    ingest.add_argument("--title-zh", help="the Chinese label of an English article")
    ingest.set_defaults(func=_cmd_ingest)


def _cmd_ingest(args: argparse.Namespace) -> int:
    import time

    from spacecoop.curate.ingest import Article, ingest
    from spacecoop.paths import Repository

    began = time.perf_counter()
    article = Article(args.file, args.title, args.published, args.publisher, args.lang, args.url,
                      args.title_en, args.title_zh)
    done = ingest(Repository(Path(args.root).resolve()), article)
    found = done.findings
    print(f"source: {done.source_id}")
    print(f"text: {done.text_file}")
    print(f"draft: {done.draft_file}")
    print(f"known-entity mentions: {len(found.mentions)}, new names: {len(found.candidates)}, "
          f"numbers: {len(found.quantities)}, dates: {len(found.dates)}")
    print(f"time: {time.perf_counter() - began:.2f} s")
    return 0


def _register_review(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser(
        "review", help="an article with its quoted spans marked, its unquoted sentences and its SHACL results")
    review.add_argument("source_id", metavar="SOURCE-ID")
    review.add_argument("--no-shapes", action="store_true", help="skip the SHACL validation")
    review.set_defaults(func=_cmd_review)


def _cmd_review(args: argparse.Namespace) -> int:
    from spacecoop.curate.review import review
    from spacecoop.paths import Repository

    print(review(Repository(Path(args.root).resolve()), args.source_id, not args.no_shapes).text())
    return 0
