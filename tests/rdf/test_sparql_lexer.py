"""The SPARQL lexer: what each kind of token covers, names as the grammar reads them, and linear scans."""

from __future__ import annotations

import re

import pytest

from spacecoop.rdf import sparql_lexer
from spacecoop.rdf.sparql_lexer import code, read_prologue, scan, split_prefixed_name, with_grammar_names


def kinds(text: str, **options: bool) -> list[tuple[str, str]]:
    return [(token.kind, token.text) for token in code(text, **options)]


def test_the_tokens_put_end_to_end_give_the_text_back_at_their_offsets() -> None:
    text = "PREFIX ex: <http://e/>\nSELECT * { ?s a ex:C ; ex:p \"x\\\"y\"@en . } # done\r\n'''"
    tokens = list(scan(text))
    assert "".join(token.text for token in tokens) == text
    assert all(text[token.start:token.end] == token.text for token in tokens)


def test_strings_with_escapes() -> None:
    assert kinds('"a\\"b" \'it\\\'s\' \'\'\'it\'s\'\'\' """a""b"""') == [
        ("string", '"a\\"b"'), ("string", "'it\\'s'"), ("string", "'''it's'''"), ("string", '"""a""b"""')]
    # The grammar's strings hold the short escapes only (\u escapes are decoded before tokenizing) ...
    assert kinds('"\\u00e9 \\/"')[0] == ("other", '"')
    # ... a reader of the text as written reads any escape.
    assert kinds('"\\u00e9 \\/" ?x', lenient_strings=True) == [("string", '"\\u00e9 \\/"'), ("var", "?x")]
    assert kinds("'a\nb'") == [("other", "'"), ("word", "a"), ("word", "b"), ("other", "'")]


def test_iris_comments_and_words() -> None:
    assert kinds("<http://x/a> <a b>") == [("iri", "<http://x/a>"), ("other", "<"), ("word", "a"), ("word", "b"),
                                           ("other", ">")]
    assert [token.kind for token in scan('"#x" # y <z>\r?v')] == ["string", "space", "comment", "space", "var"]
    assert kinds("a-b-c Select") == [("word", "a"), ("other", "-"), ("word", "b"), ("other", "-"), ("word", "c"),
                                     ("word", "Select")]


def test_prefixed_names_with_escapes() -> None:
    assert kinds("id:country\\/china ?p :a\\.b") == [("pname", "id:country\\/china"), ("var", "?p"),
                                                      ("pname", ":a\\.b")]
    assert split_prefixed_name("id:country\\/china") == ("id", "country\\/china")
    assert split_prefixed_name("ex:") == ("ex", "")


def test_names_as_the_grammar_reads_them() -> None:
    def names(text: str) -> list[tuple[str, str]]:
        return [(token.kind, token.text) for token in with_grammar_names(text, code(text))]

    assert names("ex:a. ?x") == [("pname", "ex:a"), ("other", "."), ("var", "?x")]  # the "." ends a triple
    assert names("a·b:c ex:a·b") == [("pname", "a·b:c"), ("pname", "ex:a·b")]
    assert names("?o·id:x\\/y") == [("var", "?o·id"), ("pname", ":x\\/y")]
    assert names("ª:x") == [("other", "ª:x")]  # not a name the grammar reads


def test_the_prologue() -> None:
    prologue = read_prologue(code("base <b> Prefix ex: <http://e/> PREFIX : <http://d/>\nselect * {}"))
    assert prologue.keyword == "select"
    assert prologue.prefixes == {"ex", ""}
    assert prologue.namespaces() == {"ex": "http://e/", "": "http://d/"}
    assert read_prologue(code("PREFIX ex: <http://e/>")).keyword is None


class _Counting:
    """A string-content pattern that counts the characters its matches cover."""

    def __init__(self, pattern: re.Pattern[str], read: list[int]) -> None:
        self.pattern, self.read = pattern, read

    def match(self, text: str, position: int) -> re.Match[str] | None:
        found = self.pattern.match(text, position)
        self.read[0] += found.end() - position if found else 0
        return found


@pytest.mark.parametrize("unit", ["'", "'\\", "\\'", "'''\\'", "'a", '"""a""'])
@pytest.mark.parametrize("lenient", [False, True])
def test_string_contents_are_read_once(monkeypatch: pytest.MonkeyPatch, unit: str, lenient: bool) -> None:
    """100 000 characters of unclosed strings: each character is read as string content at most once or twice."""
    read = [0]
    for name in ("_STRING_CONTENT", "_STRING_CONTENT_LENIENT"):
        counted = {quote: _Counting(pattern, read) for quote, pattern in getattr(sparql_lexer, name).items()}
        monkeypatch.setattr(sparql_lexer, name, counted)
    text = unit * (100_000 // len(unit))
    tokens = list(scan(text, lenient_strings=lenient))
    assert "".join(token.text for token in tokens) == text
    assert read[0] <= 2 * len(text)
