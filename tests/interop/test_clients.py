"""Real SPARQL clients against `spacecoop serve`, with each backend behind it.

SPARQLWrapper (Python), Jena's `arq.rsparql --service` and Comunica
(`@comunica/query-sparql` 3.3.0 on Node) each send a SELECT (language-tagged
labels, ordered), an ASK and a CONSTRUCT (blank-node structure) to the
endpoint, served from the embedded store and from Virtuoso (`--backend`).
Every answer must equal the embedded store's own, in-process.
"""

from __future__ import annotations

import interop_tools as tools
import pytest

pytestmark = pytest.mark.interop

QUERIES = {p.stem: p.read_text() for p in sorted((tools.FIXTURES / "clients").glob("*.rq"))}


def _run(client: str, endpoint: str, query: str, tmp_path):
    if client == "sparqlwrapper":
        return tools.sparqlwrapper_answer(endpoint, query)
    if client == "rsparql":
        tools.need(tools.have_jena(), "Apache Jena (Debian libapache-jena-java)")
        return tools.rsparql_answer(endpoint, query, tmp_path)
    tools.need(tools.have_comunica(), "Comunica (npm @comunica/query-sparql, scripts/interop/setup.sh)")
    return tools.comunica_answer(endpoint, query)


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("client", ["sparqlwrapper", "rsparql", "comunica"])
def test_client_gets_the_stores_answer(served, reference, client, name, tmp_path):
    query = QUERIES[name]
    expected = reference.answer(query)
    assert expected.rows or expected.triples or expected.boolean, f"{name} has an empty answer: a weak test"
    got = _run(client, served.endpoint, query, tmp_path)
    assert got == expected, f"{client} on {served.url} ({name}): {got!r} != {expected!r}"


def test_language_tags_reach_the_clients(served, tmp_path):
    """The SELECT's labels carry language tags in every client's answer (Comunica 4.5 drops them)."""
    query = QUERIES["select"]
    for client in ("sparqlwrapper", "rsparql", "comunica"):
        answer = _run(client, served.endpoint, query, tmp_path)
        kinds = {dict(row)["label"][0] for row in answer.rows}
        assert kinds == {"lang"}, f"{client}: labels came back as {kinds}"
