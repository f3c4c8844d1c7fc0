"""The `spacecoop` command: a thin shell over the real functions.

Each subcommand is a short function that calls one function of the package,
prints its report and maps domain errors to exit statuses: 0 success,
1 validation or consistency failure, 2 usage or syntax error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from spacecoop.errors import BuildError
from spacecoop.paths import Repository


def _repository(args: argparse.Namespace) -> Repository:
    return Repository(Path(args.root).resolve())


def _progress(args: argparse.Namespace) -> Callable[[str], None] | None:
    """With --progress, each stage's start and end go to stderr as they happen."""
    if not args.progress:
        return None
    return lambda message: print(f"[build] {message}", file=sys.stderr, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    from spacecoop.build.pipeline import run_build

    repo = _repository(args)
    # Not resolved here: the build judges a symlink by what it points to (release_guard.check_target).
    report = run_build(repo, Path(args.dist).absolute() if args.dist else None, _progress(args), args.engine)
    for warning in report.warnings if args.verbose else report.warnings[:20]:
        print(f"warning: {warning}", file=sys.stderr)
    if len(report.warnings) > 20 and not args.verbose:
        print(f"warning: ... and {len(report.warnings) - 20} more (use --verbose)", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from spacecoop.build.pipeline import run_validate

    repo = _repository(args)
    report_path = Path(args.report).resolve() if args.report else None
    report = run_validate(repo, report_path, _progress(args), args.engine)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report.summary())
    print("valid")
    return 0


def cmd_locate(args: argparse.Namespace) -> int:
    from spacecoop.build.evidence import read_sources
    from spacecoop.build.load import parse_turtle

    repo = _repository(args)
    repo.require_inputs()
    sources = read_sources(parse_turtle(repo.sources_ttl), repo.sources_dir)
    if args.source_id not in sources:
        print(f"error: unknown source {args.source_id!r}; known: {', '.join(sorted(sources))}", file=sys.stderr)
        return 2
    matches = sources[args.source_id].find(args.quote)
    if not matches:
        print("error: the quote is not in the article body", file=sys.stderr)
        return 1
    for start, end in matches:
        print(f"{start}\t{end}")
    return 0


def _engine_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--engine", choices=("store", "reference"), default="store",  # build.Engine; the build is not imported here
        help="who reasons and validates: 'store' (default) compiles the OWL 2 RL rules and the SHACL shapes "
        "to SPARQL on pyoxigraph; 'reference' runs owlrl and pyshacl (same results, far slower)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="spacecoop", description="A linked-data publisher for international space cooperation."
    )
    top.add_argument("--root", default=".", help="the repository folder (default: the current folder)")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="check the repository and write the release into dist/")
    build.add_argument("--dist", help="write the release here instead of ROOT/dist")
    build.add_argument("--verbose", action="store_true", help="print every SHACL warning")
    build.add_argument("--progress", action="store_true", help="print each stage as it starts and ends (to stderr)")
    _engine_option(build)
    build.set_defaults(func=cmd_build)

    validate = sub.add_parser("validate", help="run the checks (evidence, OWL 2 RL, SHACL) and write only the report")
    validate.add_argument(
        "--report", default="validation.ttl", help="where to write the SHACL report (default: validation.ttl)"
    )
    validate.add_argument("--progress", action="store_true", help="print each stage as it starts and ends (to stderr)")
    _engine_option(validate)
    validate.set_defaults(func=cmd_validate)

    locate = sub.add_parser("locate", help="print the offsets of a quote in a source document's body")
    locate.add_argument("source_id")
    locate.add_argument("quote")
    locate.set_defaults(func=cmd_locate)

    # The serving side's commands, imported only when the command line is read (the build never
    # loads them): serve and query (server/commands.py), load and serve --backend (remote_commands.py).
    from spacecoop.commands import curate as curate_commands
    from spacecoop.commands import remote as remote_commands
    from spacecoop.commands import serve as server_commands

    server_commands.register(sub)
    remote_commands.register(sub)
    curate_commands.register(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        return 130
    except OSError as error:  # a file that cannot be read or written: say which, without a traceback
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
