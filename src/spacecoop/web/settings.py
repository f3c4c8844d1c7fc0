"""The server's settings: one table drives `--help`, environment variables and runtime lookups.

Each field of `Settings` is a setting. Its metadata gives the help text; its
command-line flag is `--<name-with-dashes>` and its environment variable
`SPACECOOP_<NAME>`. A value on the command line wins over the environment,
which wins over the default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast, get_type_hints

from spacecoop.store.policy import MAX_NESTING
from spacecoop.web.http.proxies import invalid_items

ENV_PREFIX = "SPACECOOP_"


class SettingError(ValueError):
    """A setting has a value it cannot take."""


def _setting(default: Any, help: str, *, choices: tuple[str, ...] | None = None) -> Any:
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass(frozen=True)
class Settings:
    host: str = _setting("127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
    port: int = _setting(8000, "TCP port to listen on")
    time_limit: float = _setting(
        10.0, "seconds a query may run; then it is stopped and the client gets 503"
    )
    max_rows: int = _setting(
        10000,
        "most result rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a query may return; "
        "a larger result is refused with a message, never truncated",
    )
    query_memory: int = _setting(
        1024, "megabytes of memory a query may use; then it is stopped and the client gets 503"
    )
    max_body: int = _setting(1_048_576, "largest request body in bytes; larger gets 413")
    max_nesting: int = _setting(
        MAX_NESTING,
        "most levels a query may nest (brackets, and operators or group elements chained inside one); "
        "a deeper query gets 400, as it could crash the query engine",
    )
    max_header_bytes: int = _setting(
        16384, "largest request head (request line and header fields) in bytes; larger gets 431"
    )
    header_timeout: float = _setting(
        10.0, "seconds a client has to send a request's head after it connects or starts one; then 408"
    )
    body_timeout: float = _setting(30.0, "seconds a client has to send a request's body after its head; then 408")
    keep_alive: float = _setting(5.0, "seconds an idle connection is kept open for the client's next request")
    max_connections: int = _setting(
        1024, "most open connections and requests in progress; a request beyond gets 503"
    )
    forwarded_allow_ips: str = _setting(
        "",
        "comma-separated addresses or networks of the reverse proxies whose X-Forwarded-* and Forwarded "
        "headers are believed ('*': any client); from anyone else they are ignored",
    )
    processes: int = _setting(
        0,
        "front-end processes sharing the port, each with its own query engines (--workers) and caches; "
        "0: one per CPU core, at most 4",
    )
    workers: int = _setting(
        2,
        "query engines: Oxigraph server processes on the store, each evaluating on threads of its own; "
        "one whose query runs past a limit is replaced, and its other queries are sent to a sibling",
    )
    answer_cache: int = _setting(
        64,
        "megabytes of query answers kept in memory and reused for the same query, dataset and format "
        "(the release does not change while it is served); 0 keeps none",
    )
    page_cache: int = _setting(
        64,
        "megabytes of whole Linked Data answers (/id/, /graph/, /class/, /source/, /ontology, /void, /) "
        "kept in memory and sent again before routing; 0 keeps none",
    )
    cache_max_age: int = _setting(
        60, "seconds clients and proxies may reuse a query answer without asking again (ETag after that)"
    )
    base_iri: str = _setting(
        "https://w3id.org/spacecoop/",
        "canonical base of the data's IRIs; IRIs under it are served at the same path on this "
        "server (behind a proxy, X-Forwarded-Proto/Host/Prefix give the public address)",
    )
    dist: Path | None = _setting(None, "release directory to serve (ROOT is spacecoop's --root)")
    build: str = _setting(
        "auto",
        "'auto' builds the release when it is missing or older than its inputs; "
        "'never' serves it as it is",
        choices=("auto", "never"),
    )
    log_level: str = _setting(
        "info", "logging level", choices=("debug", "info", "warning", "error")
    )

    @property
    def release_dir(self) -> Path:
        return self.dist if self.dist is not None else Path("dist")

    def __post_init__(self) -> None:
        problems = [
            message
            for wrong, message in (
                (not 0 <= self.port <= 65535, f"port {self.port} is not a TCP port"),
                (self.time_limit <= 0, "the time limit must be positive"),
                (self.max_rows < 1, "the row cap must be at least 1"),
                (self.max_body < 1, "the body limit must be at least 1 byte"),
                (self.max_nesting < 1, "the nesting limit must be at least 1"),
                (self.max_header_bytes < 1024, "the request head limit must be at least 1024 bytes"),
                (self.header_timeout <= 0, "the header timeout must be positive"),
                (self.body_timeout <= 0, "the body timeout must be positive"),
                (self.keep_alive <= 0, "the keep-alive timeout must be positive"),
                (self.max_connections < 1, "at least one connection must be allowed"),
                (bool(invalid_items(self.forwarded_allow_ips)),
                 "--forwarded-allow-ips: not an address or network: "
                 f"{', '.join(invalid_items(self.forwarded_allow_ips))}"),
                (self.query_memory < 64, "a query needs at least 64 MB of memory"),
                (self.workers < 1, "at least one query engine is needed"),
                (self.processes < 0, "the number of processes cannot be negative"),
                (self.cache_max_age < 0, "the cache max-age cannot be negative"),
                (self.answer_cache < 0, "the answer cache cannot hold fewer than 0 megabytes"),
                (self.page_cache < 0, "the page cache cannot hold fewer than 0 megabytes"),
            )
            if wrong
        ]
        if problems:
            raise SettingError("; ".join(problems))


def env_var(setting: Field[Any]) -> str:
    return ENV_PREFIX + setting.name.upper()


def flag(setting: Field[Any]) -> str:
    return "--" + setting.name.replace("_", "-")


def _parser(setting: Field[Any]) -> Callable[[str], Any]:
    kind = get_type_hints(Settings)[setting.name]
    if kind in (int, float, str):
        return cast("Callable[[str], Any]", kind)
    return Path  # Path and Path | None


def add_arguments(parser: argparse.ArgumentParser, names: tuple[str, ...] | None = None) -> None:
    """One option per setting (or per named setting); `--help` shows its environment variable and default."""
    for setting in fields(Settings):
        if names is not None and setting.name not in names:
            continue
        default = setting.default if setting.default is not MISSING else None
        shown = "ROOT/dist" if default is None else default
        parser.add_argument(
            flag(setting),
            dest=setting.name,
            type=_parser(setting),
            choices=setting.metadata["choices"],
            default=None,
            metavar=None if setting.metadata["choices"] else setting.name.upper(),
            help=f"{setting.metadata['help']} [env {env_var(setting)}, default {shown}]",
        )


def load(
    arguments: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from command-line arguments (None = not given), then the environment, then defaults."""
    arguments = arguments or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in fields(Settings):
        if arguments.get(setting.name) is not None:
            values[setting.name] = arguments[setting.name]
        elif env_var(setting) in environ:
            raw = environ[env_var(setting)]
            try:
                value = _parser(setting)(raw)
            except ValueError:
                raise SettingError(f"{env_var(setting)}={raw!r} is not a valid {setting.name}") from None
            choices = setting.metadata["choices"]
            if choices and value not in choices:
                raise SettingError(f"{env_var(setting)}={raw!r}: choose one of {', '.join(choices)}")
            values[setting.name] = value
    return replace(Settings(), **values)
