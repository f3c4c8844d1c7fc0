"""`spacecoop serve` and `spacecoop query`, registered into the `spacecoop` command.

Both build the release first when it is missing or older than the repository's
inputs (unless `--build never`), then open the embedded store on it (or, for
`serve --backend URL`, the store over that endpoint): the store reads the
release's prefixes, which queries may then use without declaring them.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import cast

from spacecoop.build.release.guard import NotARelease, check_target, is_release, pinned
from spacecoop.commands import remote as remote_commands
from spacecoop.paths import Repository
from spacecoop.store.protocol import QueryRefused, QueryRequest, QuerySyntaxError, Store, StoreError
from spacecoop.web import settings as config
from spacecoop.web.http import negotiation as neg
from spacecoop.web.settings import SettingError, Settings

log = logging.getLogger("spacecoop.serve")

SERVE_HELP = """\
Serve the release over HTTP: the SPARQL 1.1 endpoint at /sparql, /health, and
the Linked Data pages. Every option can also be set by the environment
variable shown; an option on the command line wins."""

# --format: (media type for SELECT/ASK, media type for CONSTRUCT/DESCRIBE). Besides `table`, the
# names are values of /sparql's `format` parameter, each naming a format of one kind or both (`json`).
_FORMAT_NAMES = ("csv", "tsv", "json", "xml", "turtle", "nt")
QUERY_FORMATS: dict[str, tuple[str | None, str | None]] = {
    "table": (neg.TSV, neg.TURTLE),  # TSV drawn as a table
    **{name: (neg.RESULTS.names.get(name), neg.RDF.names.get(name)) for name in _FORMAT_NAMES},
}
PARSER_MESSAGE_SHOWN = 160  # characters of the parser's own message printed under a syntax error's sentence
QUERY_SETTINGS = ("dist", "build", "time_limit", "max_rows", "query_memory", "max_nesting", "log_level")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the release: SPARQL endpoint and Linked Data",
        description=SERVE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config.add_arguments(serve)
    remote_commands.add_backend_arguments(serve)
    serve.set_defaults(func=cmd_serve)

    query = commands.add_parser(
        "query",
        help="run a SPARQL query against the release and print the answer",
        description="Run a read-only SPARQL query against the release (the same rules as /sparql).",
    )
    source = query.add_mutually_exclusive_group(required=True)
    source.add_argument("query", nargs="?", help="the query text")
    source.add_argument("--file", "-f", type=Path, help="read the query from this file ('-' for stdin)")
    query.add_argument("--format", choices=sorted(QUERY_FORMATS), default="table",
                       help="output format (default: table)")
    config.add_arguments(query, QUERY_SETTINGS)
    query.set_defaults(func=cmd_query)


def _settings(args: argparse.Namespace) -> Settings:
    settings = config.load(vars(args))
    dist = settings.dist or Repository(Path(args.root)).dist
    return replace(settings, dist=dist.absolute())  # symlinks are judged by prepare_release


def _configure_logging(level: str, *, serving: bool = False) -> None:
    from spacecoop.web.http.access_log import SERVER_FORMAT

    logging.basicConfig(level=level.upper(), format=SERVER_FORMAT, stream=sys.stderr)
    if serving:  # one line per request: written a few at a time
        from spacecoop.web.http.access_log import buffer_access_log

        buffer_access_log(sys.stderr)


def ensure_release(repo: Repository, dist: Path, mode: str) -> None:
    """Build the release into `dist` if it is missing or older than the repository's inputs."""
    if mode == "never" or not repo.ontology_dir.is_dir():
        return  # not in a repository: serve the release as it is
    from spacecoop.build.pipeline import is_stale, run_build

    if is_stale(repo, dist):
        check_target(dist, repo.root)  # before saying that it builds
        log.info("building the release into %s", dist)
        print(run_build(repo, dist).summary(), file=sys.stderr)


def prepare_release(args: argparse.Namespace, settings: Settings) -> Settings:
    """Build the release if it is stale (`--build auto`); refuse a `--dist` that is not a spacecoop release.

    The settings with `dist` free of symlinks. Raises BuildError (a target the build
    may not replace, a failed build) or NotARelease before anything is opened or written."""
    assert settings.dist is not None
    ensure_release(Repository(Path(args.root).resolve()), settings.dist, settings.build)
    real = settings.dist.resolve()
    if real.exists() and not is_release(real):
        raise NotARelease(settings.dist)
    return replace(settings, dist=real)


def _open_store(args: argparse.Namespace, settings: Settings, workers: int, *, serving: bool = True) -> Store:
    """The embedded store: `workers` Oxigraph engines on the release (see engine_store); `serving`:
    for a server, which drives them from its own event loop."""
    from spacecoop.store.engine_store import EngineStore

    assert settings.dist is not None
    return EngineStore.open(
        settings.dist, workers=workers, memory_limit=settings.query_memory * 2**20,
        serving=serving, max_nesting=settings.max_nesting,
    )


def cmd_serve(args: argparse.Namespace, open_store: Callable[..., Store] | None = None) -> int:
    """`open_store(args, settings, workers)` gives the store to serve: by default the backend's
    (`--backend`, see remote_commands), else the embedded one."""
    try:
        settings = _settings(args)
    except SettingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level, serving=True)
    assert settings.dist is not None
    try:
        settings = prepare_release(args, settings)
    except NotARelease as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    opener = open_store or remote_commands.backend_opener(args) or _open_store
    # The server serves the release it started with, whatever a later build does to --dist.
    with pinned(cast(Path, settings.dist)) as served:  # prepare_release set it
        return _serve(args, replace(settings, dist=served), opener)


def _serve(args: argparse.Namespace, settings: Settings, open_store: Callable[..., Store]) -> int:
    """One server process, or several sharing the socket bound here (`--processes`, see processes)."""
    from spacecoop.web import processes

    count = settings.processes or processes.default_count()
    settings = replace(settings, processes=count)  # what /health reports
    if count == 1:
        return _serve_one(args, settings, open_store, None)
    import uvicorn

    try:
        listening = uvicorn.Config(None, host=settings.host, port=settings.port, log_config=None).bind_socket()  # type: ignore[arg-type]
    except SystemExit:  # uvicorn has logged why (the address is in use, ...)
        return 1
    log.info("serving with %d processes, each with %d query engines", count, settings.workers)
    supervisor = processes.Supervisor(count, lambda: _serve_one(args, settings, open_store, [listening]))
    try:
        return supervisor.run()
    finally:
        listening.close()


def _serve_one(args: argparse.Namespace, settings: Settings, open_store: Callable[..., Store],
               sockets: list[socket.socket] | None) -> int:
    import uvicorn

    from spacecoop.web.app import create_app
    from spacecoop.web.http import limits as http_limits

    try:
        store = open_store(args, settings, settings.workers)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, store),
                host=settings.host,
                port=settings.port,
                access_log=False,  # spacecoop.web.http.access_log writes one line per request
                log_config=None,
                server_header=False,
                timeout_graceful_shutdown=int(settings.time_limit) + 5,
                # uvicorn's annotations are narrower than what it takes: any protocol factory, a float timeout
                http=http_limits.protocol(settings.max_header_bytes, settings.header_timeout),  # type: ignore[arg-type]
                timeout_keep_alive=settings.keep_alive,  # type: ignore[arg-type]
                limit_concurrency=settings.max_connections,
                proxy_headers=False,  # spacecoop.web.http.proxies: forwarded headers only from --forwarded-allow-ips
            )
        )
        # uvicorn drains in-flight requests on SIGTERM, then raises the signal again under the
        # handler that was installed before it: make that a no-op so the store closes below.
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
        server.run(sockets=sockets)
    finally:
        store.close()
    return 0 if server.started else 1


def _read_query(args: argparse.Namespace) -> str:
    if args.file is None:
        return cast(str, args.query)
    if str(args.file) == "-":
        return sys.stdin.read()
    return cast(str, args.file.read_text(encoding="utf-8"))


def _table(tsv: bytes) -> str:
    """SPARQL TSV as an aligned text table."""
    lines = [line.split("\t") for line in tsv.decode("utf-8").rstrip("\n").split("\n")]
    header = [name.lstrip("?") for name in lines[0]]
    rows = lines[1:]
    widths = [max(len(row[i]) if i < len(row) else 0 for row in [header, *rows]) for i in range(len(header))]
    render = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
              for row in [header, *rows]]
    render.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(render) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def cmd_query(args: argparse.Namespace) -> int:
    from spacecoop.store.policy import ASK, GRAPH

    try:
        settings = _settings(args)
    except SettingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level if args.log_level else "warning")
    text = _read_query(args)
    try:
        settings = prepare_release(args, settings)
    except NotARelease as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        store = _open_store(args, settings, workers=1, serving=False)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        kind = store.query_kind(text)
        results_type, graph_type = QUERY_FORMATS[args.format]
        media_type = graph_type if kind == GRAPH else results_type
        if kind == ASK and args.format == "table":
            media_type = neg.SPARQL_RESULTS_JSON
        if media_type is None:
            print(f"error: --format {args.format} does not fit a {kind.upper()} query", file=sys.stderr)
            return 2
        result = store.execute(
            QueryRequest(text), media_type, timeout=settings.time_limit, max_rows=settings.max_rows
        )
    except (QuerySyntaxError, QueryRefused) as error:
        print(f"error: {error}", file=sys.stderr)
        if isinstance(error, QuerySyntaxError) and error.parser_message != str(error):
            said = " ".join(error.parser_message.split())
            shown = said if len(said) <= PARSER_MESSAGE_SHOWN else said[:PARSER_MESSAGE_SHOWN] + "…"
            print(f"(the parser's message: {shown})", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.format == "table" and kind == ASK:
        print(json.dumps(json.loads(result.body)["boolean"]))
    elif args.format == "table" and kind != GRAPH:
        sys.stdout.write(_table(result.body))
    else:
        sys.stdout.buffer.write(result.body)
    return 0
