"""`spacecoop load --into URL`, and `spacecoop serve --backend URL`.

`load --into URL` puts the release into an external SPARQL 1.1 store through
SPARQL 1.1 Update (the endpoint must accept updates from this client: see
docs/import.md for Virtuoso, Fuseki, GraphDB, Oxigraph and QLever), one named
graph at a time: each graph is dropped and filled again, so loading twice
gives the same store. `load --files DIR` writes the same graphs as N-Quads
for a store's own bulk loader, the fast way for large stores.

`serve --backend URL` serves the same front end (SPARQL endpoint with its
rules, Linked Data pages, dumps) from that store instead of the embedded one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from spacecoop.store.remote import Credentials, RemoteStore
    from spacecoop.web.settings import Settings

# For test suites: "module:function" of a callable that starts a store holding the release
# folder it is given and returns (SPARQL endpoint URL, stop function). `spacecoop serve`
# without --backend then serves from such a store, which it stops when it stops.
LAUNCHER_ENV = "SPACECOOP_BACKEND_LAUNCHER"
BATCH_TRIPLES = 1000  # triples per INSERT request (blank-node groups are never split)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    load = commands.add_parser(
        "load",
        help="load the release into an external SPARQL store (SPARQL 1.1 Update)",
        description=__doc__.split("\n\n")[1],
    )
    target = load.add_mutually_exclusive_group(required=True)
    target.add_argument("--into", metavar="URL",
                        help="the store's SPARQL 1.1 Update endpoint (for Virtuoso: http://HOST:8890/sparql-auth "
                             "with --auth digest, or /sparql once SPARQL_UPDATE is granted)")
    target.add_argument("--files", metavar="DIR", type=Path,
                        help="write N-Quads for a store's own bulk loader instead: DIR/spacecoop-release.nq "
                             "(every graph) and DIR/spacecoop-union.nq (the union graph, for quad stores)")
    load.add_argument("--no-union-graph", action="store_true",
                      help="do not load the union graph (needed by stores whose default graph is a bag of quads, "
                           "such as Virtuoso)")
    load.add_argument("--dist", type=Path, help="the release folder (default: ROOT/dist, built if stale)")
    load.add_argument("--build", choices=("auto", "never"), default="auto",
                      help="'auto' builds the release first when it is missing or stale (default)")
    _add_auth_arguments(load)
    load.add_argument("--batch", type=int, default=BATCH_TRIPLES, help=f"triples per request (default {BATCH_TRIPLES})")
    load.add_argument("--timeout", type=float, default=300.0, help="seconds one request may take (default 300)")
    load.add_argument("--query-endpoint", metavar="URL",
                      help="where to check the result (default: the --into URL)")
    load.set_defaults(func=cmd_load)


def _add_auth_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    parser.add_argument(f"--{prefix}user", help="user name for HTTP authentication")
    parser.add_argument(f"--{prefix}password-env", metavar="VAR", default="SPACECOOP_BACKEND_PASSWORD",
                        help="environment variable holding the password (default SPACECOOP_BACKEND_PASSWORD)")
    parser.add_argument(f"--{prefix}auth", choices=("basic", "digest"), default="basic",
                        help="HTTP authentication scheme (default basic; Virtuoso's /sparql-auth wants digest)")


def _credentials(user: str | None, password_env: str, scheme: str) -> Credentials | None:
    from spacecoop.store.remote import Credentials

    if not user:
        return None
    password = os.environ.get(password_env)
    if password is None:
        raise SystemExit(f"error: set the password in the environment variable {password_env}")
    return Credentials(user, password, scheme)


# --------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------


def batches(triples: Sequence[Any], size: int) -> Iterable[list[Any]]:
    """Triples in batches of about `size`, never splitting the triples that share a blank node.

    A blank node in INSERT DATA stands for a new node in each request, so every
    triple that mentions one must go in the same request.
    """
    import pyoxigraph as ox

    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in triples:
        nodes = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        for a, b in zip(nodes, nodes[1:], strict=False):
            parent[find(a)] = find(b)
    groups: dict[Any, list[Any]] = {}
    singles: list[list[Any]] = []
    for t in triples:
        nodes = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        if nodes:
            groups.setdefault(find(nodes[0]), []).append(t)
        else:
            singles.append([t])
    batch: list[Any] = []
    for group in [*groups.values(), *singles]:
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


def _term(term: Any) -> str:
    return str(term)  # N-Triples syntax, which SPARQL reads as it is


BULK_FILES = ("spacecoop-release.nq", "spacecoop-union.nq")


def write_bulk_files(dist: Path, folder: Path, *, union: bool = True) -> list[Path]:
    """N-Quads of the release for a store's bulk loader: every graph, and the union graph."""
    import pyoxigraph as ox

    from spacecoop.build.release.guard import check_output_folder
    from spacecoop.paths import Release
    from spacecoop.store.release_layout import release_quads, union_quads

    folder = check_output_folder(folder, BULK_FILES)
    folder.mkdir(parents=True, exist_ok=True)
    quads = release_quads(Release(dist))
    written = [folder / BULK_FILES[0]]
    ox.serialize(quads, output=str(written[0]), format=ox.RdfFormat.N_QUADS)
    if union:
        written.append(folder / BULK_FILES[1])
        ox.serialize(union_quads(quads), output=str(written[1]), format=ox.RdfFormat.N_QUADS)
    return written


def load_release(dist: Path, endpoint: str, *, credentials: Credentials | None = None, batch: int = BATCH_TRIPLES,
                 timeout: float = 300.0, union: bool = True, out: TextIO = sys.stderr) -> dict[str, int]:
    """Replace each of the release's graphs in the store at `endpoint`; returns triples per graph."""
    import httpx
    import pyoxigraph as ox

    from spacecoop.paths import Release
    from spacecoop.store.http_backend import BackendError
    from spacecoop.store.release_layout import release_quads, union_quads

    quads = release_quads(Release(dist))
    if union:
        quads += union_quads(quads)
    by_graph: dict[str, list[Any]] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph.setdefault(quad.graph_name.value, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    counts: dict[str, int] = {}
    with httpx.Client(auth=credentials.auth() if credentials else None, timeout=timeout,
                      headers={"User-Agent": "spacecoop-load"}) as client:

        def update(text: str) -> None:
            try:
                response = client.post(endpoint, data={"update": text})
            except httpx.HTTPError as error:
                raise BackendError(f"{endpoint} cannot be reached: {error}") from None
            if response.status_code not in (200, 201, 204):
                raise BackendError(
                    f"{endpoint} refused the update (HTTP {response.status_code}): {response.text.strip()[:500]}\n"
                    "Does it accept SPARQL Update from this client? See docs/import.md.")

        for graph, triples in sorted(by_graph.items()):
            started = time.monotonic()
            unique = list(dict.fromkeys(triples))
            update(f"DROP SILENT GRAPH <{graph}>")
            for part in batches(unique, batch):
                lines = "\n".join(f"{_term(t.subject)} {_term(t.predicate)} {_term(t.object)} ." for t in part)
                if any(isinstance(n, ox.BlankNode) for t in part for n in (t.subject, t.object)):
                    # INSERT DATA may hold blank nodes, but Virtuoso 7 refuses them there; a template
                    # with an empty WHERE makes one new node per label, as INSERT DATA would.
                    update(f"INSERT {{ GRAPH <{graph}> {{\n{lines}\n}} }} WHERE {{}}")
                else:
                    update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{lines}\n}} }}")
            counts[graph] = len(unique)
            print(f"{graph}: {len(unique)} triples ({time.monotonic() - started:.1f} s)", file=out)
    return counts


def cmd_load(args: argparse.Namespace) -> int:
    from spacecoop.build.release.guard import NotARelease, check_output_folder, is_release
    from spacecoop.paths import Repository
    from spacecoop.store.protocol import StoreError
    from spacecoop.store.remote import RemoteStore

    repo = Repository(Path(args.root).resolve())
    dist = Path(os.path.abspath(args.dist or repo.dist))
    # Refused before a build: a folder of the user's is never written into.
    files = check_output_folder(args.files, BULK_FILES, repo.root) if args.files else None
    if args.build == "auto" and repo.ontology_dir.is_dir():
        from spacecoop.build.pipeline import is_stale, run_build

        if is_stale(repo, dist):
            print(run_build(repo, dist).summary(), file=sys.stderr)
    if not is_release(dist):
        raise NotARelease(dist)
    if files is not None:
        for path in write_bulk_files(dist, files, union=not args.no_union_graph):
            print(path)
        return 0
    credentials = _credentials(args.user, args.password_env, args.auth)
    try:
        counts = load_release(dist, args.into, credentials=credentials, batch=args.batch, timeout=args.timeout,
                              union=not args.no_union_graph)
        # What a front end would check before serving from this store.
        RemoteStore.open(dist, args.query_endpoint or args.into, credentials=credentials).close()
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"loaded {sum(counts.values())} triples in {len(counts)} graphs into {args.into}")
    return 0


# --------------------------------------------------------------------------
# serve --backend
# --------------------------------------------------------------------------


def add_backend_arguments(serve: argparse.ArgumentParser) -> None:
    """`--backend URL` and its authentication, for `spacecoop serve` (see server/commands.py)."""
    serve.add_argument(
        "--backend", metavar="URL", default=None,
        help="serve from this external SPARQL 1.1 endpoint instead of the embedded store; it must hold "
             "the release (spacecoop load --into) [env SPACECOOP_BACKEND]")
    _add_auth_arguments(serve, prefix="backend-")


def backend_opener(args: argparse.Namespace) -> Callable[..., RemoteStore] | None:
    """How `spacecoop serve` opens its store on the backend (`--backend`, `SPACECOOP_BACKEND`, or the
    test suites' launcher); None: the embedded store."""
    backend = getattr(args, "backend", None) or os.environ.get("SPACECOOP_BACKEND")
    launcher = os.environ.get(LAUNCHER_ENV)
    if not backend and not launcher:
        return None
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one log line per backend request
    credentials = _credentials(args.backend_user, args.backend_password_env, args.backend_auth)

    def open_remote(arguments: argparse.Namespace, settings: Settings, workers: int) -> RemoteStore:
        from spacecoop.store.release_layout import check_release
        from spacecoop.store.remote import RemoteStore

        assert settings.dist is not None  # prepared and pinned by cmd_serve
        check_release(settings.dist)
        stop: Callable[[], object] | None
        endpoint, stop = backend, None
        if not endpoint:
            endpoint, stop = _launch(cast(str, launcher), settings.dist)  # not None: both unset returned early
        try:
            store = RemoteStore.open(settings.dist, endpoint, credentials=credentials)
            store.max_nesting = settings.max_nesting
        except BaseException:
            if stop:
                stop()
            raise
        if stop:
            store.on_close.append(stop)
        return store

    return open_remote


def _launch(spec: str, dist: Path) -> tuple[str, Callable[[], object]]:
    import importlib

    module_name, _, function = spec.partition(":")
    return cast("tuple[str, Callable[[], object]]", getattr(importlib.import_module(module_name), function)(dist))
