"""Register a new article: its text in `sources/`, its record in `sources.ttl`, its draft instance file.

The source id is `NNN_{hex}`: the next free three-digit number and the first 16 hex digits of the
SHA-256 of the file's bytes (as the first five were named). Nothing is written unless everything
is ready: the text, the record and the draft are computed first, then written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SKOS

from spacecoop.build.evidence import SourceText
from spacecoop.build.load import parse_turtle
from spacecoop.curate.draft import Findings, write_draft
from spacecoop.curate.mentions import Entity, chinese_candidates, english_candidates, find_mentions, read_entities
from spacecoop.curate.quantities import find_dates, find_quantities
from spacecoop.curate.text import has_cjk, slugify, turtle_string
from spacecoop.errors import BuildError
from spacecoop.iris import ID, SCO, source_iri
from spacecoop.paths import Repository

_ORGANIZATION = f"{ID}organization/"


class IngestProblem(BuildError):
    """The article or its description cannot be registered: exit status 2 (a usage error)."""

    exit_status = 2


@dataclass(frozen=True)
class Article:
    """What the curator says of a new article on the command line."""

    path: Path
    title: str
    published: str  # YYYY-MM-DD
    publisher: str
    lang: str = "en"
    url: str | None = None
    title_en: str | None = None  # the English label of a Chinese article (the shapes require one)
    title_zh: str | None = None  # the Chinese label of an English article (expected, a warning otherwise)


@dataclass(frozen=True)
class Ingested:
    source_id: str
    text_file: Path
    draft_file: Path
    findings: Findings


def _published(value: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise IngestProblem(f"--published {value!r} is not a date YYYY-MM-DD") from None


def _read_text(path: Path) -> tuple[bytes, str]:
    if not path.is_file():
        raise IngestProblem(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IngestProblem(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def body_range(text: str, title: str) -> tuple[int, int]:
    """The article body: the text without surrounding whitespace and without a first line that is
    the title."""
    start = len(text) - len(text.lstrip())
    first_line = text[start:].split("\n", 1)[0]
    if " ".join(first_line.split()) == " ".join(title.split()) and "\n" in text[start:]:
        start += len(first_line)
        start += len(text[start:]) - len(text[start:].lstrip())
    end = len(text.rstrip())
    if start >= end:
        raise IngestProblem("the article has no body (the file is empty or holds only its title)")
    return start, end


def _source_id(repo: Repository, sources: Graph, digest: str) -> str:
    numbers = [-1]
    for subject in sources.subjects(RDF.type, SCO.NewsArticle):
        known = sources.value(subject, SCO.sha256)
        existing = str(subject).rsplit("/", 1)[-1]
        if known is not None and str(known) == digest:
            raise IngestProblem(f"this text is already source {existing}")
        if re.match(r"^\d{3}_", existing):
            numbers.append(int(existing[:3]))
    source_id = f"{max(numbers) + 1:03d}_{digest[:16]}"
    for path in (repo.sources_dir / f"{source_id}.txt", repo.instances_dir / f"{source_id}.ttl"):
        if path.exists():
            raise IngestProblem(f"{path} exists already: source {source_id} is taken")
    return source_id


def _publisher(sources: Graph, name: str) -> tuple[str, str | None]:
    """The publisher's IRI, and its Turtle description when sources.ttl does not know it yet."""
    wanted = " ".join(name.split()).casefold()
    for prop in (RDFS.label, SKOS.altLabel):
        for subject, label in sources.subject_objects(prop):
            if str(label).casefold() == wanted and str(subject).startswith(_ORGANIZATION):
                return str(subject), None
    slug = slugify(name)
    if not slug or has_cjk(name):
        raise IngestProblem(f"--publisher {name!r} is not in sources.ttl: give its English name (a new publisher "
                            "is described by its English label)")
    iri = f"{_ORGANIZATION}{slug}"
    return iri, f"<{iri}> a sco:NewsMedium ;\n    rdfs:label {turtle_string(' '.join(name.split()))}@en .\n"


def _record(article: Article, source_id: str, digest: str, start: int, end: int, publisher: str) -> str:
    labels = [f"{turtle_string(article.title)}@{article.lang}"]
    other = article.title_en if article.lang == "zh" else article.title_zh
    if other:
        labels.append(f"{turtle_string(other)}@{'en' if article.lang == 'zh' else 'zh'}")
    lines = [
        f"<{source_iri(source_id)}> a sco:NewsArticle ;",
        f"    rdfs:label {' , '.join(sorted(labels, key=lambda label: not label.endswith('@en')))} ;",
        f"    dcterms:title {turtle_string(article.title)}@{article.lang} ;",
        f'    dcterms:issued "{article.published}"^^xsd:date ;',
        f"    dcterms:publisher <{publisher}> ;",
        f'    dcterms:language "{article.lang}" ;',
    ]
    if article.url:
        lines.append(f"    <https://schema.org/url> <{article.url}> ;")
    lines += [
        f'    sco:fileName "{source_id}.txt" ;',
        f'    sco:sha256 "{digest}" ;',
        f"    sco:bodyStart {start} ;",
        f"    sco:bodyEnd {end} .",
    ]
    return "\n".join(lines) + "\n"


def _check(article: Article) -> dt.date:
    if article.lang not in ("en", "zh"):
        raise IngestProblem(f"--lang {article.lang!r}: en or zh")
    if not article.title.strip():
        raise IngestProblem("--title is empty")
    if article.lang == "zh" and not (article.title_en or "").strip():
        raise IngestProblem("a Chinese article needs --title-en, its English label (the shapes require one)")
    if article.url is not None and not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", article.url):
        raise IngestProblem(f"--url {article.url!r} is not an http(s) URL")
    return _published(article.published)


def find_all(
    source: SourceText, lang: str, published: dt.date, documents: list[Graph]
) -> tuple[dict[str, Entity], Findings]:
    """Everything the draft proposes for `source`, in text order."""
    entities = read_entities(documents)
    text, start, end = source.text, source.body_start, source.body_end
    chinese = lang == "zh"
    mentions = find_mentions(text, start, end, entities)
    taken = [(m.start, m.end) for m in mentions]
    dates = find_dates(text, start, end, chinese, published)
    candidates = (chinese_candidates if chinese else english_candidates)(text, start, end, taken)
    names = taken + [(c.start, c.end) for c in candidates]
    # A number inside a name (Shenzhou-20) or a date is no count.
    quantities = find_quantities(text, start, end, chinese, names + [(d.start, d.end) for d in dates])
    return entities, Findings(mentions, candidates, quantities, dates)


def ingest(repo: Repository, article: Article) -> Ingested:
    """Register `article` in `repo`; its source id, files and what the draft proposes."""
    published = _check(article)
    raw, text = _read_text(article.path)
    repo.require_inputs()
    sources = parse_turtle(repo.sources_ttl)
    digest = hashlib.sha256(raw).hexdigest()
    source_id = _source_id(repo, sources, digest)
    publisher, new_publisher = _publisher(sources, article.publisher)
    start, end = body_range(text, article.title)
    source = SourceText(source_id, source_iri(source_id), text, start, end)
    documents = [parse_turtle(path) for path in sorted(repo.instances_dir.glob("*.ttl"))]
    entities, findings = find_all(source, article.lang, published, documents)
    draft = write_draft(source, article.title, article.lang, published, entities, findings)
    record = _record(article, source_id, digest, start, end, publisher)

    text_file = repo.sources_dir / f"{source_id}.txt"
    draft_file = repo.instances_dir / f"{source_id}.ttl"
    text_file.write_bytes(raw)
    draft_file.write_text(draft, encoding="utf-8")
    current = repo.sources_ttl.read_text(encoding="utf-8")
    addition = "\n" + record + ("\n" + new_publisher if new_publisher else "")
    repo.sources_ttl.write_text(current.rstrip("\n") + "\n" + addition, encoding="utf-8")
    return Ingested(source_id, text_file, draft_file, findings)

