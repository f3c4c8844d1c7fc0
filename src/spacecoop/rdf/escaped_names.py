"""Prefixed names with backslash escapes, written out as full IRIs for stores that lack them.

SPARQL 1.1 lets a prefixed name escape characters of its local part
(`id:country\\/china`); Virtuoso 7.2's parser does not. The remote store
rewrites such names before a query leaves, keeping the query's meaning.
"""

from __future__ import annotations

import re

# Characters a SPARQL 1.1 prefixed name may escape with a backslash (PN_LOCAL_ESC).
_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PLX = rf"(?:%[0-9A-Fa-f]{{2}}|{_LOCAL_ESC})"
_PN_CHARS_BASE = (
    r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F"
    r"\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
PN_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"

_TOKENS = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<prefix_decl>(?i:PREFIX)\s+(?P<decl_name>(?:"""
    + PN_PREFIX
    + r""")?):\s*<(?P<decl_iri>[^<>"{}|^`\\\x00-\x20]*)>)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?P<pname_prefix>(?:"""
    + PN_PREFIX
    + r""")?):(?P<pname_local>"""
    + PN_LOCAL
    + r"""))
    """,
    re.VERBOSE,
)


def _unescape_local(local: str) -> str:
    return re.sub(_LOCAL_ESC, lambda m: m.group(0)[1:], local)


def expand_escaped_prefixed_names(query: str) -> str:
    """Write prefixed names that use backslash escapes as full IRIs; leave the rest as written.

    `id:country\\/china` is valid SPARQL 1.1 but Virtuoso 7.2 rejects the
    backslash. The rewrite keeps the query's meaning: comments, strings and IRIs
    are skipped, the namespace comes from the query's own PREFIX declarations,
    and a prefix declared nowhere is left alone for the store to report.
    """
    if "\\" not in query:
        return query
    prefixes: dict[str, str] = {}
    out: list[str] = []
    pos = 0
    for match in _TOKENS.finditer(query):
        if match.group("prefix_decl"):
            prefixes[match.group("decl_name")] = match.group("decl_iri")
            continue
        if not match.group("pname"):
            continue
        local = match.group("pname_local")
        namespace = prefixes.get(match.group("pname_prefix"))
        if "\\" not in local or namespace is None:
            continue
        out.append(query[pos:match.start()])
        out.append(f"<{namespace}{_unescape_local(local)}>")
        pos = match.end()
    out.append(query[pos:])
    return "".join(out)
