"""Large dumps are converted file to file; the result is what serialising the parsed statements gives."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from spacecoop.iris import ID, PREFIXES
from spacecoop.rdf import canonical as serialization
from spacecoop.rdf.canonical import FORMATS, convert_file, prefixes_for_lines, write_lines

LINES = [
    f'<{ID}agency/cnsa> <http://www.w3.org/2000/01/rdf-schema#label> "CNSA"@en '
    '<https://w3id.org/spacecoop/graph/a> .',
    f"<{ID}agency/cnsa> <https://w3id.org/spacecoop/ontology#party> <{ID}agreement/x> "
    "<https://w3id.org/spacecoop/graph/a> .",
    f'<{ID}mission/shenzhou-12> <http://www.w3.org/2000/01/rdf-schema#label> "神舟十二号"@zh '
    '<https://w3id.org/spacecoop/graph/b> .',
]


def test_prefixes_are_found_in_every_chunk_of_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serialization, "_CHUNK", 1)
    prefixes = prefixes_for_lines(LINES)
    assert {prefixes["agency"], prefixes["agreement"], prefixes["mission"]} == {
        f"{ID}agency/",
        f"{ID}agreement/",
        f"{ID}mission/",
    }
    assert prefixes["rdfs"] == PREFIXES["rdfs"]
    assert "id" not in prefixes


@pytest.mark.parametrize("extension", ["trig", "jsonld", "nq"])
def test_a_converted_file_is_byte_for_byte_the_serialised_statements(tmp_path: Path, extension: str) -> None:
    write_lines(LINES, tmp_path / "data.nq")
    assert (tmp_path / "data.nq").read_text(encoding="utf-8") == "\n".join(LINES) + "\n"
    prefixes = prefixes_for_lines(LINES)
    convert_file(tmp_path / "data.nq", "nq", tmp_path / f"out.{extension}", extension, prefixes)
    quads = list(ox.parse(("\n".join(LINES) + "\n").encode(), format=ox.RdfFormat.N_QUADS))
    expected = ox.serialize(quads, format=FORMATS[extension], prefixes=prefixes)
    assert (tmp_path / f"out.{extension}").read_bytes() == expected
    assert list(ox.parse(path=tmp_path / f"out.{extension}", format=FORMATS[extension])) == quads


def _whole_dataset_lines(quads: list[ox.Quad]) -> list[str]:
    """The earlier way: canonicalise a Dataset of every quad, then sort its lines."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(dataset).splitlines(), key=serialization._line_key)


def test_canonical_lines_label_blank_nodes_as_canonicalising_the_whole_dataset_does() -> None:
    g1, g2 = ox.NamedNode("https://w3id.org/spacecoop/graph/a"), ox.NamedNode("https://w3id.org/spacecoop/graph/b")
    p, q = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/q")
    s = ox.NamedNode(f"{ID}agency/cnsa")
    a, b, c = ox.BlankNode("x"), ox.BlankNode("y"), ox.BlankNode("z")
    quads = [
        ox.Quad(s, p, ox.Literal("CNSA", language="en"), g1),
        ox.Quad(s, q, a, g1),  # blank nodes reached from a ground subject, chained, and alike
        ox.Quad(a, p, b, g1),
        ox.Quad(b, p, ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), g1),
        ox.Quad(c, p, ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), g2),
        ox.Quad(s, q, c, g2),
        ox.Quad(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), q, g2),
        ox.Quad(s, p, ox.Literal("CNSA", language="en"), g1),  # given twice: one line
    ]
    lines = serialization.canonical_lines(iter(quads))
    assert lines == _whole_dataset_lines(quads)
    assert len(lines) == 7 and any(line.startswith("_:c14n") for line in lines)
