"""The prefixes a query may use without declaring them (`sco:`, `rdf:`, `agency:` …).

`predeclared(store)` is the set a server offers: the store's own `prefixes`
(the release's prefixes) when it has them, else the fixed prefixes every
release writes (`spacecoop.iris.PREFIXES`, without `id:`).
"""

from __future__ import annotations

from spacecoop.iris import PREFIXES

DEFAULT: dict[str, str] = {name: iri for name, iri in PREFIXES.items() if name != "id"}


def predeclared(store: object) -> dict[str, str]:
    """Prefix → namespace IRI, in the order they are listed."""
    return dict(getattr(store, "prefixes", None) or DEFAULT)
