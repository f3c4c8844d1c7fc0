"""Forwarded headers are believed only from the proxies the operator named.

Behind a reverse proxy, `X-Forwarded-Proto`, `-Host`, `-Prefix` and `Forwarded`
give the address the client used, and the Linked Data pages link to it. From
anyone else they are a way to make this server hand out links to another host,
so `ForwardedHeadersMiddleware` drops them unless the socket's peer is one of
`--forwarded-allow-ips` (addresses or networks, or `*`; none by default), as
uvicorn's option of that name does for `X-Forwarded-For`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

FORWARDED_HEADERS = frozenset({b"forwarded", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-prefix",
                               b"x-forwarded-port", b"x-forwarded-for"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _network(item: str) -> Network | None:
    try:
        return ipaddress.ip_network(item, strict=False)
    except ValueError:
        return None


def invalid_items(value: str) -> list[str]:
    """The items of a `--forwarded-allow-ips` value that are neither `*` nor an address or network."""
    return [item for item in _items(value) if item != "*" and _network(item) is None]


@dataclass(frozen=True)
class TrustedPeers:
    everyone: bool
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, value: str) -> TrustedPeers:
        """`10.0.0.1, 192.168.0.0/16, ::1`, or `*`; the value must have passed `invalid_items`."""
        items = _items(value)
        return cls("*" in items, tuple(n for n in map(_network, items) if n is not None))

    def __contains__(self, peer: str | None) -> bool:
        if self.everyone:
            return True
        if not self.networks:  # the default: no proxy is trusted, nothing to parse
            return False
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:  # a Unix socket, or no peer
            return False
        return any(address in network for network in self.networks)


class ForwardedHeadersMiddleware:
    """Removes the forwarded headers of a request whose peer is not a trusted proxy."""

    def __init__(self, app: ASGIApp, trusted: TrustedPeers) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope.get("client") or (None,))[0] not in self.trusted:
            scope["headers"] = [(name, value) for name, value in scope["headers"] if name not in FORWARDED_HEADERS]
        await self.app(scope, receive, send)
