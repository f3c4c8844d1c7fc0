"""Prefixed names with backslash escapes, written out as full IRIs for stores that lack them.

SPARQL 1.1 lets a prefixed name escape characters of its local part
(`id:country\\/china`); Virtuoso 7.2's parser does not. The remote store
rewrites such names before a query leaves, keeping the query's meaning.
"""

from __future__ import annotations

import itertools
import re

from spacecoop.rdf.sparql_lexer import PN_LOCAL_ESC, code, read_prologue, split_prefixed_name, with_grammar_names


def _unescape_local(local: str) -> str:
    return re.sub(PN_LOCAL_ESC, lambda m: m.group(0)[1:], local)


def expand_escaped_prefixed_names(query: str) -> str:
    """Write prefixed names that use backslash escapes as full IRIs; leave the rest as written.

    `id:country\\/china` is valid SPARQL 1.1 but Virtuoso 7.2 rejects the
    backslash. The rewrite keeps the query's meaning: comments, strings and IRIs
    are skipped, the namespace comes from the query's own PREFIX declarations,
    and a prefix declared nowhere is left alone for the store to report.
    """
    if "\\" not in query:
        return query
    # Strings read leniently (`\u00e9`, `\/` leave them whole), names as the grammar reads them.
    tokens = with_grammar_names(query, code(query, lenient_strings=True))
    prologue = read_prologue(tokens)
    namespaces = prologue.namespaces()
    out: list[str] = []
    copied = 0  # the text before this offset is in `out`
    for token in itertools.chain([prologue.first] if prologue.first else [], tokens):
        if token.kind != "pname" or "\\" not in token.text:
            continue
        prefix, local = split_prefixed_name(token.text)
        namespace = namespaces.get(prefix)
        if namespace is not None:
            out.append(query[copied:token.start])
            out.append(f"<{namespace}{_unescape_local(local)}>")
            copied = token.end
    out.append(query[copied:])
    return "".join(out)
