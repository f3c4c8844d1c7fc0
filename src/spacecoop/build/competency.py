"""The competency questions, read from `tests/competency/*.rq`.

Each question is a SPARQL file whose header comments give the question in
English (`# question: ...`) and the documents it draws on (`# documents: ...`);
its expected answer sits beside it in `{name}.expected`. The build publishes
the questions as example queries (`sh:SPARQLExecutable`, as the SIB and UniProt
endpoints do) so that any SPARQL client can list them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from spacecoop.iris import BASE, ID, SCHEMA
from spacecoop.rdf.sparql_lexer import code, read_prologue

_HEADER = re.compile(r"^#\s*(question|documents)\s*:\s*(.*)$")
_FORMS = ("select", "ask", "construct", "describe")


@dataclass(frozen=True)
class CompetencyQuestion:
    name: str
    question: str
    documents: tuple[str, ...]
    query: str
    path: Path

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE (the first keyword after the prologue)."""
        keyword = read_prologue(code(self.query)).keyword
        return keyword.upper() if keyword in _FORMS else "SELECT"

    @property
    def iri(self) -> URIRef:
        return URIRef(f"{ID}query/{self.name}")


def read_questions(folder: Path) -> list[CompetencyQuestion]:
    """Every `.rq` of the folder, sorted by name; a missing question line is an error."""
    questions = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        headers: dict[str, str] = {}
        for line in text.splitlines():
            match = _HEADER.match(line.strip())
            if match:
                headers[match.group(1)] = match.group(2).strip()
        if "question" not in headers:
            raise ValueError(f"{path}:1: a competency query needs a '# question: ...' line")
        questions.append(
            CompetencyQuestion(
                name=path.stem,
                question=headers["question"],
                documents=tuple(headers.get("documents", "").split()),
                query=text,
                path=path,
            )
        )
    return questions


_EXECUTABLE = {
    "SELECT": SH.SPARQLSelectExecutable,
    "ASK": SH.SPARQLAskExecutable,
    "CONSTRUCT": SH.SPARQLConstructExecutable,
    "DESCRIBE": URIRef(str(SH) + "SPARQLDescribeExecutable"),
}
_PROPERTY = {"SELECT": SH.select, "ASK": SH.ask, "CONSTRUCT": SH.construct, "DESCRIBE": URIRef(str(SH) + "describe")}


def examples_graph(questions: list[CompetencyQuestion]) -> Graph:
    """The questions as `sh:SPARQLExecutable` resources with their comment and query text."""
    graph = Graph()
    endpoint = URIRef(BASE + "sparql")
    for q in questions:
        graph.add((q.iri, RDF.type, SH.SPARQLExecutable))
        graph.add((q.iri, RDF.type, _EXECUTABLE[q.form]))
        graph.add((q.iri, RDFS.label, Literal(q.name)))
        graph.add((q.iri, RDFS.comment, Literal(q.question, lang="en")))
        graph.add((q.iri, _PROPERTY[q.form], Literal(q.query)))
        graph.add((q.iri, SCHEMA.target, endpoint))
        for doc in q.documents:
            graph.add((q.iri, DCTERMS.source, URIRef(f"{ID}source/{doc}")))
    return graph


# --- answers ----------------------------------------------------------------
# A competency question's expected answer is a small text file: for SELECT, the
# variable names on the first line, then one line per row with the values in
# N-Triples term syntax, TAB-separated, lines sorted; for ASK, `true` or `false`.
# The same rendering serves every store the tests compare (pyoxigraph here,
# Virtuoso and Jena in the interoperability tests).


def render_term(term: object) -> str:
    """N-Triples form of a pyoxigraph or rdflib term; '' for an unbound value."""
    if term is None:
        return ""
    if hasattr(term, "n3") and not hasattr(term, "value"):  # rdflib term
        return cast(str, term.n3())
    return str(term)


def render_select(variables: list[str], rows: list[list[object]]) -> list[str]:
    """The lines of a SELECT answer: header, then sorted rows."""
    lines = sorted("\t".join(render_term(v) for v in row) for row in rows)
    return ["\t".join(variables), *lines]


def read_expected(question: CompetencyQuestion) -> list[str]:
    """The expected answer's lines (without trailing empty lines)."""
    path = question.path.with_suffix(".expected")
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def answer_with_pyoxigraph(store: object, question: CompetencyQuestion) -> list[str]:
    """Evaluate a question on a pyoxigraph Store whose default graph holds the merge of all graphs."""
    import pyoxigraph as ox

    result = store.query(question.query)  # type: ignore[attr-defined]
    if isinstance(result, ox.QueryBoolean):
        return ["true" if bool(result) else "false"]
    variables = [v.value for v in result.variables]
    rows = [[solution[v] for v in variables] for solution in result]
    return render_select(variables, rows)
