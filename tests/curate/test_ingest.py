"""`spacecoop ingest`: a new English and a new Chinese article become sources with drafts that the
build accepts, that a curator completes, and that a competency question then answers."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from spacecoop.build.evidence import read_annotations, read_sources
from spacecoop.build.load import load_repository, parse_turtle
from spacecoop.build.pipeline import run_build
from spacecoop.cli import main
from spacecoop.curate.ingest import Article, ingest
from spacecoop.paths import Repository

ENGLISH = """Pakistan and China sign lunar cooperation accord

ISLAMABAD, March 3 (Xinhua) -- Pakistan and China signed an agreement on Monday to fly a rover on a \
Chinese lunar mission, the Space and Upper Atmosphere Research Commission said. The China National Space \
Administration (CNSA) said more than 17 countries have joined the International Lunar Research Station so far. \
Almost 50 researchers will train in Beijing next year, and over 10 payloads are expected by 2030.
"""
CHINESE = """巴基斯坦航天员将赴中国空间站

中国载人航天工程办公室周一表示，巴基斯坦航天员将于明年进入中国空间站。超过10个国家已加入国际月球科研站，\
近50名巴基斯坦科研人员在北京接受培训。王小明说，2024年8月20日以来已开展110多项实验。
"""


def _article(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _uncomment(draft: str, header: str, replacements: dict[str, str]) -> str:
    """A curator's completion of the stub under `header`: its lines uncommented, placeholders filled."""
    lines = draft.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(header))
    i = at + 1
    while i < len(lines) and lines[i].startswith("# ") and not lines[i].startswith(("# ?", "# ---")):
        text = lines[i][2:]
        for old, new in replacements.items():
            text = text.replace(old, new)
        lines[i] = text
        i += 1
    return "\n".join(lines)


def test_ingest_build_complete_and_answer(repo_copy: Repository, tmp_path: Path) -> None:
    began = time.perf_counter()
    english = ingest(repo_copy, Article(_article(tmp_path, "en.txt", ENGLISH),
                                        "Pakistan and China sign lunar cooperation accord", "2025-03-04",
                                        "Xinhua", url="https://example.org/accord"))
    assert time.perf_counter() - began < 5
    chinese = ingest(repo_copy, Article(_article(tmp_path, "zh.txt", CHINESE), "巴基斯坦航天员将赴中国空间站",
                                        "2025-03-05", "Xinhua", lang="zh",
                                        title_en="Pakistani astronauts to visit the China Space Station"))
    assert re.fullmatch(r"005_[0-9a-f]{16}", english.source_id)
    assert chinese.source_id.startswith("006_")

    sources = read_sources(parse_turtle(repo_copy.sources_ttl), repo_copy.sources_dir)
    for done in (english, chinese):
        source = sources[done.source_id]
        annotations = read_annotations(parse_turtle(done.draft_file))
        assert annotations
        for ann in annotations:  # every ready annotation quotes the text at its offsets
            assert ann.start is not None and ann.end is not None
            assert source.text[ann.start:ann.end] == ann.exact
            assert source.body_start <= ann.start < ann.end <= source.body_end

    en_text = sources[english.source_id]
    en_draft = english.draft_file.read_text(encoding="utf-8")
    cnsa = en_text.text.index("CNSA")
    assert f"oa:exact \"CNSA\" ] ,\n            [ a oa:TextPositionSelector ; oa:start {cnsa} ; oa:end {cnsa + 4} ]" \
        in en_draft
    assert '# ? date "on Monday"' in en_draft and 'sco:date "2025-03-03"^^xsd:date' in en_draft
    assert "sco:count 17 ;\n#     sco:qualifier sco:moreThan" in en_draft
    assert "sco:count 50 ;\n#     sco:qualifier sco:almost" in en_draft
    assert '"Space and Upper Atmosphere Research Commission"' in en_draft
    zh_text = sources[chinese.source_id]
    zh_draft = chinese.draft_file.read_text(encoding="utf-8")
    person = zh_text.text.index("王小明")
    assert f'# ? person not in the graph: "王小明" [{person}-{person + 3}]' in zh_draft
    assert 'oa:exact "中国载人航天工程办公室" ] ,' in zh_draft
    assert "sco:count 10 ;\n#     sco:qualifier sco:over" in zh_draft
    assert "sco:count 110 ;\n#     sco:qualifier sco:moreThan" in zh_draft
    assert 'sco:date "2024-08-20"^^xsd:date' in zh_draft
    assert 'sco:date "2026"^^xsd:gYear' in zh_draft  # 明年, published 2025

    # The drafts are accepted as they are.
    run_build(repo_copy, tmp_path / "dist-draft")

    # A curator completes two stubs.
    en_draft = _uncomment(en_draft, '# ? name not in the graph: "Space and Upper',
                          {"/TYPE/": "/organization/", "sco:CLASS": "sco:GovernmentBody"})
    english.draft_file.write_text(en_draft, encoding="utf-8")
    zh_draft = _uncomment(zh_draft, '# ? person not in the graph: "王小明"',
                          {"sco:CLASS": "sco:Person", "/person/SLUG": "/person/wang-xiaoming",
                           '"王小明"@zh': '"Wang Xiaoming"@en , "王小明"@zh'})
    chinese.draft_file.write_text(zh_draft, encoding="utf-8")
    run_build(repo_copy, tmp_path / "dist")

    # Which organisations and persons does each new article describe that the graph did not know?
    store = ox.Store()
    store.load(path=tmp_path / "dist" / "data.trig", format=ox.RdfFormat.TRIG)
    answers = {}
    for done in (english, chinese):
        query = f"""PREFIX sco: <https://w3id.org/spacecoop/ontology#>
            SELECT ?thing WHERE {{ GRAPH <https://w3id.org/spacecoop/graph/{done.source_id}> {{
                {{ ?thing a sco:GovernmentBody }} UNION {{ ?thing a sco:Person }} }} }}"""
        answers[done.source_id] = {row["thing"].value for row in store.query(query)}
    assert answers[english.source_id] == {
        "https://w3id.org/spacecoop/id/organization/space-and-upper-atmosphere-research-commission"}
    assert answers[chinese.source_id] == {"https://w3id.org/spacecoop/id/person/wang-xiaoming"}


def test_bad_input_is_one_line_and_status_2(repo_copy: Repository, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(repo_copy.root)]
    article = _article(tmp_path, "en.txt", ENGLISH)
    common = ["--title", "T", "--publisher", "Xinhua"]
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    cases = [
        [*root, "ingest", str(tmp_path / "missing.txt"), *common, "--published", "2025-03-04"],
        [*root, "ingest", str(article), *common, "--published", "2025-13-40"],
        [*root, "ingest", str(tmp_path / "latin1.txt"), *common, "--published", "2025-03-04"],
        [*root, "ingest", str(repo_copy.sources_dir / "000_181a7447120e5f18.txt"), *common,
         "--published", "2025-03-04"],
        [*root, "ingest", str(article), *common, "--published", "2025-03-04", "--lang", "zh"],
    ]
    before = repo_copy.sources_ttl.read_text(encoding="utf-8")
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert repo_copy.sources_ttl.read_text(encoding="utf-8") == before
    assert len(load_repository(repo_copy).documents) == 5
