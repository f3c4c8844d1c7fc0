"""`spacecoop review`: quoted spans marked, unquoted sentences listed, SHACL results of the document."""

from __future__ import annotations

import pytest

from spacecoop.cli import main
from spacecoop.curate.review import review
from spacecoop.paths import Repository


def test_review_marks_quotes_and_lists_uncovered(repo_copy: Repository) -> None:
    path = repo_copy.instances_dir / "000_181a7447120e5f18.ttl"
    text = path.read_text(encoding="utf-8")
    # Drop the instance file's annotations of one quote: its sentence becomes uncovered.
    quote = "Over 110 in-orbit science research and application projects have been implemented"
    assert quote in text
    result = review(repo_copy, "000_181a7447120e5f18", shapes=False)
    assert result.marked.replace("[[", "").replace("]]", "").count(quote) == 1
    marked_quote = result.marked[result.marked.index(quote[:20]) - 2:][:2]
    assert marked_quote == "[["  # the annotation's span starts at the quote
    assert not result.uncovered  # the five are fully quoted or listed in unquoted.tsv


def test_review_lists_shacl_results_and_unquoted(repo_copy: Repository, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo_copy.instances_dir / "004_02674849e4afe7a4.ttl"
    text = path.read_text(encoding="utf-8")
    # An instance without its evidence: the shapes report it for this document.
    path.write_text(text + """
<https://w3id.org/spacecoop/id/field/orphan-field> a <https://w3id.org/spacecoop/ontology#Field> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "orphan field"@en ;
    <http://www.w3.org/ns/prov#wasDerivedFrom> <https://w3id.org/spacecoop/id/source/004_02674849e4afe7a4> .
""", encoding="utf-8")
    assert main(["--root", str(repo_copy.root), "review", "004_02674849e4afe7a4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("004_02674849e4afe7a4: ")
    assert "[[" in out and "]]" in out
    assert "SHACL results for this document's resources:" in out
    assert "orphan-field" in out and "[Violation]" in out
    assert main(["--root", str(repo_copy.root), "review", "999_0000000000000000"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown source")


def test_a_sentence_left_out_on_purpose_is_not_uncovered_until_its_reason_goes(repo_copy: Repository) -> None:
    """`sources/unquoted.tsv` explains the photo credit of 002; without that line it is uncovered."""
    source = "002_4a92d74c38967c1f"
    kept = review(repo_copy, source, shapes=False)
    assert not kept.uncovered
    assert list(kept.left_out.values()) == ["a photo credit, not a statement about space cooperation"]
    assert "Left out (sources/unquoted.tsv):" in kept.text()
    exemptions = repo_copy.sources_dir / "unquoted.tsv"
    exemptions.write_text("\n".join(line for line in exemptions.read_text(encoding="utf-8").splitlines()
                                     if not line.startswith(source)) + "\n", encoding="utf-8")
    bare = review(repo_copy, source, shapes=False)
    assert [text for _, _, text in bare.uncovered] == ["[Photo/Xinhua]"] and not bare.left_out
