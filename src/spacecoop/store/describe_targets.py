"""What a DESCRIBE query names, as a SELECT that finds it.

Both backends answer DESCRIBE in two steps: find the resources, then describe
each. `describe_parts` rewrites the query's head so that any SPARQL store can
do the first step: `DESCRIBE ?x <iri> WHERE {...}` becomes
`SELECT DISTINCT ?x ?_d0 WHERE {...} VALUES ?_d0 {<iri>}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacecoop.rdf.sparql_lexer import Token, code, read_prologue, with_grammar_names


@dataclass(frozen=True)
class DescribeParts:
    """A DESCRIBE query as a SELECT of the resources it describes (None: nothing to select)."""

    selection: str | None


def _names_a_resource(token: Token) -> bool:
    """True for what a DESCRIBE may name: `*`, a variable, an IRI or a prefixed name."""
    return token.kind in ("var", "iri", "pname") or (token.kind == "other" and token.text == "*")


def describe_parts(query: str) -> DescribeParts | None:
    """Split a DESCRIBE query; None if the query is not a DESCRIBE.

    `DESCRIBE ?x <iri> WHERE {...}` becomes `SELECT DISTINCT ?x ?_d0 WHERE {...} VALUES ?_d0 {<iri>}`;
    `DESCRIBE <a> b:c` (no WHERE) becomes `SELECT ?_d0 WHERE { VALUES ?_d0 { <a> b:c } }`.
    """
    # Strings read leniently (`\u00e9`, `\/` leave them whole), names as the grammar reads them.
    tokens = with_grammar_names(query, code(query, lenient_strings=True))
    found = read_prologue(tokens).first
    if found is None or found.kind != "word" or found.text.lower() != "describe":
        return None
    after = list(tokens)
    count = next((i for i, token in enumerate(after) if not _names_a_resource(token)), len(after))
    terms = [token.text for token in after[:count]]
    position = after[count - 1].end if count else found.end  # where the terms end
    prologue, rest = query[: found.start], query[position:]
    variables = [t for t in terms if t[0] in "?$*"]
    constants = [t for t in terms if t[0] not in "?$*"]
    if not any(token.kind == "other" and token.text == "{" for token in after[count:]):
        if not constants:
            return DescribeParts(None)
        return DescribeParts(f"{prologue}SELECT ?_d0 WHERE {{ VALUES ?_d0 {{ {' '.join(constants)} }} }}")
    projection = " ".join(variables + (["?_d0"] if constants else []))
    values = f"\nVALUES ?_d0 {{ {' '.join(constants)} }}" if constants else ""
    return DescribeParts(f"{prologue}SELECT DISTINCT {projection or '*'} {rest}{values}")
