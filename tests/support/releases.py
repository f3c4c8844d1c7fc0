"""One builder for the tests' fixture releases: a tiny repository, built by the release writer `spacecoop build` uses.

`build_release` writes its inputs as a repository (the layout `spacecoop.paths.Repository`
reads: ontology/, shapes/, instances/{source-id}.ttl, sources/sources.ttl with the source
texts, tests/competency/{name}.rq) into a temporary folder, loads it with the build's loader,
checks its evidence quotes (when it has source texts), validates it with the build's SHACL
engine (against its shapes, if any) and hands it to `write_files`, the writer of
`spacecoop.build.release.writer` that `spacecoop build` uses. So a fixture release has every
file, manifest field and embedded store a real release has, and a change of the writer shows
in the tests that serve it.

One stage is given rather than run: reasoning. A fixture states its inferred graph
(`inferred_ttl`), so that the tests know it exactly; it is published as the build publishes
what the reasoner inferred.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from spacecoop.build.competency import examples_graph, read_questions
from spacecoop.build.evidence import check_evidence, read_sources
from spacecoop.build.load import load_repository
from spacecoop.build.pipeline import Checked, inputs_digest
from spacecoop.build.reason.reference import Reasoned
from spacecoop.build.release.vocabulary_docs import DocsJob
from spacecoop.build.release.writer import write_files
from spacecoop.build.validate.shape_queries import validate_store
from spacecoop.paths import Release, Repository


def competency_query(question: str, query: str, documents: tuple[str, ...] = ()) -> str:
    """A competency question's `.rq` file: the header comments the build reads, then the query."""
    header = f"# question: {question}\n"
    if documents:
        header += f"# documents: {' '.join(documents)}\n"
    return header + query


@dataclass(frozen=True)
class FixtureInputs:
    """What a fixture repository holds.

    instance_ttls: source id -> that document's Turtle (its named graph is `graph/{source id}`);
    source_texts: source id -> the text of `sources/{source id}.txt`;
    competency: name -> the text of `tests/competency/{name}.rq` (see `competency_query`);
    inferred_ttl: the inferred graph, as given (the reasoner is not run on a fixture)."""

    ontology_ttl: str
    instance_ttls: dict[str, str]
    sources_ttl: str
    source_texts: dict[str, str] = field(default_factory=dict)
    competency: dict[str, str] = field(default_factory=dict)
    shapes_ttl: str = ""
    inferred_ttl: str = ""


def write_repository(root: Path, inputs: FixtureInputs) -> Repository:
    """The inputs as a repository at `root`."""
    repo = Repository(root)
    for folder in (repo.ontology_dir, repo.shapes_dir, repo.instances_dir, repo.sources_dir, repo.competency_dir):
        folder.mkdir(parents=True, exist_ok=True)
    (repo.ontology_dir / "ontology.ttl").write_text(inputs.ontology_ttl, encoding="utf-8")
    if inputs.shapes_ttl:
        (repo.shapes_dir / "shapes.ttl").write_text(inputs.shapes_ttl, encoding="utf-8")
    for source_id, ttl in inputs.instance_ttls.items():
        (repo.instances_dir / f"{source_id}.ttl").write_text(ttl, encoding="utf-8")
    repo.sources_ttl.write_text(inputs.sources_ttl, encoding="utf-8")
    for source_id, text in inputs.source_texts.items():
        (repo.sources_dir / f"{source_id}.txt").write_text(text, encoding="utf-8")
    for name, text in inputs.competency.items():
        (repo.competency_dir / f"{name}.rq").write_text(text, encoding="utf-8")
    repo.require_inputs()
    return repo


def questions_graph(competency: dict[str, str]) -> Graph:
    """The example-queries graph the build publishes (examples.ttl) for these competency files."""
    with tempfile.TemporaryDirectory() as folder:
        for name, text in competency.items():
            (Path(folder) / f"{name}.rq").write_text(text, encoding="utf-8")
        return examples_graph(read_questions(Path(folder)))


_DOCS: dict[str, str] = {}  # ontology Turtle -> its pyLODE page: pyLODE takes seconds, so once a session


class _SessionDocs:
    """The writer's vocabulary-documentation job (a `DocsJob`), its page kept for the session."""

    def __init__(self, key: str, ontology: Graph) -> None:
        self._key = key
        self._job = None if key in _DOCS else DocsJob(ontology)  # started now: it runs while the dumps are written

    def result(self) -> str:
        if self._job is not None:
            _DOCS[self._key] = self._job.result()
            self._job = None
        return _DOCS[self._key]

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()


def build_release(dist: Path, inputs: FixtureInputs, *, store: bool = True) -> Path:
    """Build a release of these inputs into `dist` (missing or empty) with the build's own writer; `dist`.

    `store=False` leaves out the embedded store the build loads into `dist/store/` (a
    release as copied or published: the manifest does not list the store), so that the server
    or `prepare()` loads it from the files, checking their checksums."""
    dist.mkdir(parents=True, exist_ok=True)
    if any(dist.iterdir()):
        raise ValueError(f"{dist} is not empty: a fixture release is built into a new folder")
    with tempfile.TemporaryDirectory(prefix=".fixture-repository-", dir=dist.parent) as scratch:
        repo = write_repository(Path(scratch), inputs)
        loaded = load_repository(repo)
        docs = _SessionDocs(inputs.ontology_ttl, loaded.ontology)
        try:
            if inputs.source_texts:  # the evidence quotes point into the texts: checked as the build checks them
                check_evidence(loaded.documents, loaded.instance_files, read_sources(loaded.sources, repo.sources_dir))
            validation = validate_store(loaded.store(), loaded.shapes, loaded.ontology)
            if not validation.conforms:
                raise ValueError("the fixture does not conform to its shapes:\n"
                                 + "\n".join(f.line() for f in validation.violations))
            reasoned = Reasoned(inferred=Graph().parse(data=inputs.inferred_ttl, format="turtle"), errors=[])
        except BaseException:
            docs.cancel()
            raise
        write_files(repo, dist, Checked(loaded, reasoned, validation), inputs_digest(repo), docs)  # type: ignore[arg-type]
    if not store:
        shutil.rmtree(Release(dist).store_dir)
    return dist
