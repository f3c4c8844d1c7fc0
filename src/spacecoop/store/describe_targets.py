"""What a DESCRIBE query names, as a SELECT that finds it.

Both backends answer DESCRIBE in two steps: find the resources, then describe
each. `describe_parts` rewrites the query's head so that any SPARQL store can
do the first step: `DESCRIBE ?x <iri> WHERE {...}` becomes
`SELECT DISTINCT ?x ?_d0 WHERE {...} VALUES ?_d0 {<iri>}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacecoop.rdf.escaped_names import PN_LOCAL, PN_PREFIX

# Comments and strings, blanked out before looking for keywords; IRIs, kept as they are.
_OPAQUE = re.compile(
    r'#[^\n]*'
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
)
_DESCRIBE_TERM = re.compile(
    r"\s*(\*|[?$]\w+|<[^<>\s]*>|(?:" + PN_PREFIX + r")?:(?:" + PN_LOCAL + r")?)"
)


@dataclass(frozen=True)
class DescribeParts:
    """A DESCRIBE query as a SELECT of the resources it describes (None: nothing to select)."""

    selection: str | None


def describe_parts(query: str) -> DescribeParts | None:
    """Split a DESCRIBE query; None if the query is not a DESCRIBE.

    `DESCRIBE ?x <iri> WHERE {...}` becomes `SELECT DISTINCT ?x ?_d0 WHERE {...} VALUES ?_d0 {<iri>}`;
    `DESCRIBE <a> b:c` (no WHERE) becomes `SELECT ?_d0 WHERE { VALUES ?_d0 { <a> b:c } }`.
    """
    masked = _OPAQUE.sub(lambda m: m.group(0) if m.group(0).startswith("<") else " " * len(m.group(0)), query)
    found = re.search(r"\bDESCRIBE\b", masked, re.IGNORECASE)
    if found is None or re.search(r"\b(SELECT|CONSTRUCT|ASK)\b", masked[: found.start()], re.IGNORECASE):
        return None
    position = found.end()
    terms: list[str] = []
    while True:
        term = _DESCRIBE_TERM.match(masked, position)
        if term is None or not term.group(1):
            break
        terms.append(query[term.start(1):term.end(1)])
        position = term.end()
    prologue, rest = query[: found.start()], query[position:]
    variables = [t for t in terms if t[0] in "?$*"]
    constants = [t for t in terms if t[0] not in "?$*"]
    if "{" not in masked[position:]:
        if not constants:
            return DescribeParts(None)
        return DescribeParts(f"{prologue}SELECT ?_d0 WHERE {{ VALUES ?_d0 {{ {' '.join(constants)} }} }}")
    projection = " ".join(variables + (["?_d0"] if constants else []))
    values = f"\nVALUES ?_d0 {{ {' '.join(constants)} }}" if constants else ""
    return DescribeParts(f"{prologue}SELECT DISTINCT {projection or '*'} {rest}{values}")
