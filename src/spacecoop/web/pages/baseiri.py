"""Canonical IRIs and the server's own address, mapped onto each other.

The data names its resources with canonical IRIs (`https://w3id.org/spacecoop/id/…`).
A server answers the same paths on whatever address it is reached at: a
request for `/id/agency/cnsa` describes `<https://w3id.org/spacecoop/id/agency/cnsa>`.
HTML links point at the server (so a local or proxied deployment is browsable);
RDF keeps the canonical IRIs.

Behind a reverse proxy the address the client used comes from the
`X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-Prefix` headers
(or the standard `Forwarded` header), which win over the socket's view. The
server removes them from requests that do not come from a trusted proxy
(`spacecoop.web.http.proxies`), so those present here are believed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode
from starlette.requests import Request


@dataclass(frozen=True)
class IriMap:
    """One request's view: `canonical` base <-> `server` base (both end with '/')."""

    canonical: str
    server: str

    def to_server(self, iri: str) -> str:
        """The address a browser follows for `iri`: unchanged unless it is in the canonical space."""
        if iri.startswith(self.canonical):
            return self.server + iri[len(self.canonical) :]
        if iri + "/" == self.canonical:
            return self.server
        return iri

    def to_canonical(self, path: str) -> str:
        """The canonical IRI of a server path such as `id/agency/cnsa` (leading '/' allowed)."""
        return self.canonical + path.lstrip("/")

    def dataset_iri(self, path: str) -> str | None:
        """`to_canonical(path)` if that is an IRI; None for a path no IRI of the dataset can have."""
        iri = self.to_canonical(path)
        return iri if is_iri(iri) else None

    def path(self, path: str) -> str:
        """A server-absolute URL for a path of this site (`dumps/` -> `http://host/prefix/dumps/`)."""
        return self.server + path.lstrip("/")


def is_iri(text: str) -> bool:
    """Whether `text` is an absolute IRI (RFC 3987), read by the parser every query goes through.

    A request path is percent-decoded, so it can hold anything: `%25` gives a
    `%` that starts no escape, `%5B` a bracket outside a host, `%FF` no
    character at all. None of these can name a resource, and none may reach a
    query, where it would be a syntax error.
    """
    try:
        NamedNode(text)
    except ValueError:  # UnicodeEncodeError too: a lone surrogate
        return False
    return True


def _forwarded_pairs(header: str) -> dict[str, str]:
    """The first element of an RFC 7239 `Forwarded` header as a dict (`proto`, `host`, ...)."""
    first = header.split(",")[0]
    pairs: dict[str, str] = {}
    for part in first.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            pairs[key.strip().lower()] = value.strip().strip('"')
    return pairs


def _first(value: str | None) -> str | None:
    """Proxies append to X-Forwarded-* lists; the client's view is the first item."""
    if value is None:
        return None
    item = value.split(",")[0].strip()
    return item or None


def server_base(request: Request) -> str:
    """The base URL the client used to reach this site, ending with '/'."""
    headers = request.headers
    forwarded = _forwarded_pairs(headers.get("forwarded", ""))
    scheme = _first(headers.get("x-forwarded-proto")) or forwarded.get("proto") or request.url.scheme
    host = _first(headers.get("x-forwarded-host")) or forwarded.get("host") or headers.get("host") or request.url.netloc
    prefix = _first(headers.get("x-forwarded-prefix")) or request.scope.get("root_path", "") or ""
    scheme = scheme if scheme in ("http", "https") else "http"
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    return f"{scheme}://{host}{prefix}/"


def iri_map(request: Request, canonical_base: str) -> IriMap:
    """The mapping for this request."""
    base = canonical_base if canonical_base.endswith("/") else canonical_base + "/"
    return IriMap(canonical=base, server=server_base(request))
