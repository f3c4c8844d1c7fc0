"""The build: repository in, validated release out.

Stages, in order, each owned by a module of `spacecoop.build`:
  1. load      parse every Turtle file (load)                   -> SyntaxProblem, exit 2
  2. evidence  check every quote against its source (evidence)  -> EvidenceProblem, exit 1
  3. quality   the ontology quality report (quality)            -> QualityProblem, exit 1
               and every ISO 3166-1 code against pycountry (identifiers) -> IdentifierProblem, exit 1
  4. reason    OWL 2 RL closure and consistency (reason/)       -> InconsistencyProblem, exit 1
  5. validate  SHACL on the asserted data (validate/)           -> ValidationProblem, exit 1
  6. write     dist/ built beside the old one and swapped in at once (release/writer);
               only a missing or empty folder or a spacecoop release is replaced (release/guard)

`run_validate` stops after stage 5 and writes nothing but the report.

Two engines reason and validate, with the same results (tests/build/test_rules.py and
tests/build/test_shape_queries.py prove it on the real data and every fixture):

  store      (default) the OWL 2 RL rules and the SHACL shapes compiled to SPARQL
             and evaluated by pyoxigraph over an in-memory store: seconds for a
             million triples (reason/rules, validate/shape_queries)
  reference  owlrl and pyshacl themselves over rdflib graphs: minutes for a
             hundred thousand triples (reason/reference, validate/reference); the
             yardstick, and the way out for OWL or SHACL the store engine refuses
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from spacecoop.build.competency import read_questions
from spacecoop.build.evidence import check_evidence, read_sources
from spacecoop.build.identifiers import check_identifiers
from spacecoop.build.load import LoadedRepository, load_repository
from spacecoop.build.quality import quality_report
from spacecoop.build.reason.reference import Reasoned, check_consistency, reason
from spacecoop.build.reason.rules import materialize
from spacecoop.build.release.guard import check_target
from spacecoop.build.validate.reference import ValidationResult, validate
from spacecoop.build.validate.shape_queries import validate_store
from spacecoop.errors import IdentifierProblem, QualityProblem, ValidationProblem
from spacecoop.paths import Repository

Engine = Literal["store", "reference"]  # the choices of `--engine` (cli.py)


def peak_memory_mb() -> int:
    """The most memory this process has held so far (its peak resident set), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@dataclass
class BuildReport:
    """What a build did: counts, warnings and the time of each stage (seconds).

    `progress`, if set, is told when each stage starts and ends (a long build
    shows where it is)."""

    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    release: str | None = None
    progress: Callable[[str], None] | None = None

    def summary(self) -> str:
        lines = [f"{k}: {v}" for k, v in self.counts.items()]
        lines += [f"stage {k}: {v * 1000:.0f} ms" for k, v in self.timings.items()]
        lines.append(f"total: {sum(self.timings.values()) * 1000:.0f} ms")
        lines.append(f"peak memory: {peak_memory_mb()} MB")
        if self.release:
            lines.append(f"release: {self.release}")
        return "\n".join(lines)

    def tell(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


@contextmanager
def _stage(report: BuildReport, name: str) -> Iterator[None]:
    """Time one stage of the build into the report."""
    report.tell(f"{name} ...")
    start = time.perf_counter()
    try:
        yield
    finally:
        report.timings[name] = time.perf_counter() - start
        report.tell(f"{name} done in {report.timings[name]:.1f} s (peak memory {peak_memory_mb()} MB)")


@dataclass
class Checked:
    """Everything stages 1-5 produced, ready to be written."""

    loaded: LoadedRepository
    reasoned: Reasoned
    validation: ValidationResult


def inputs_digest(repo: Repository) -> str:
    """A fingerprint of every input file: the release is stale when it changes."""
    digest = hashlib.sha256()
    for path in repo.input_files():
        digest.update(path.relative_to(repo.root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def check(repo: Repository, report: BuildReport, engine: Engine = "store") -> Checked:
    """Stages 1-5. Raises a BuildError subclass at the first failing stage."""
    with _stage(report, "load"):
        loaded = load_repository(repo)
        questions = read_questions(repo.competency_dir)
        if engine == "store":
            store = loaded.store()
    with _stage(report, "evidence"):
        sources = read_sources(loaded.sources, repo.sources_dir)
        report.counts["evidence quotes"] = check_evidence(loaded.documents, loaded.instance_files, sources)
    with _stage(report, "quality"):
        quality = quality_report(loaded.ontology, [loaded.shapes, *loaded.graphs().values()])
        report.warnings.extend(quality.warnings)
        if quality.errors:
            raise QualityProblem(quality.errors)
        identifiers = check_identifiers(loaded.graphs(), loaded.files())
        report.warnings.extend(identifiers.warnings)
        if identifiers.errors:
            raise IdentifierProblem(identifiers.errors)
        report.counts["verified identifiers"] = identifiers.checked
    with _stage(report, "reason"):
        if engine == "store":
            reasoned = materialize(store, loaded.ontology).reasoned()
        else:
            reasoned = reason(loaded.ontology, loaded.asserted())
        check_consistency(reasoned)
    with _stage(report, "validate"):
        if engine == "store":
            result = validate_store(store, loaded.shapes, loaded.ontology)
        else:
            result = validate(loaded.asserted(), loaded.shapes, loaded.ontology)
        report.warnings.extend(f.line() for f in result.warnings)
    report.counts["asserted triples"] = len(store) if engine == "store" else len(loaded.asserted())
    report.counts["inferred triples"] = len(reasoned.inferred)
    report.counts["documents"] = len(loaded.documents)
    report.counts["competency questions"] = len(questions)
    report.counts["shacl warnings"] = len(result.warnings)
    report.counts["shacl violations"] = len(result.violations)
    return Checked(loaded, reasoned, result)


def _violation_text(result: ValidationResult) -> str:
    return "\n".join(f.line() for f in result.violations)


def run_validate(
    repo: Repository,
    report_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
    engine: Engine = "store",
) -> BuildReport:
    """`spacecoop validate`: stages 1-5; writes only the SHACL report."""
    report = BuildReport(progress=progress)
    repo.require_inputs()
    checked = check(repo, report, engine)
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_bytes(checked.validation.report.serialize(format="turtle", encoding="utf-8"))
    if not checked.validation.conforms:
        raise ValidationProblem(_violation_text(checked.validation), len(checked.validation.violations))
    return report


def run_build(
    repo: Repository,
    dist: Path | None = None,
    progress: Callable[[str], None] | None = None,
    engine: Engine = "store",
) -> BuildReport:
    """`spacecoop build`: stages 1-6. On any failure `dist/` is left exactly as it was."""
    from spacecoop.build.load import parse_folder
    from spacecoop.build.release.vocabulary_docs import DocsJob
    from spacecoop.build.release.writer import write_release  # the writer is only needed once checks pass

    report = BuildReport(progress=progress)
    target = check_target(dist or repo.dist, repo.root)  # refused before minutes of checks, and again before the swap
    repo.require_inputs()
    # pyLODE documents the vocabulary in a child process while the checks run.
    docs = DocsJob(parse_folder(repo.ontology_dir))
    try:
        checked = check(repo, report, engine)
    except BaseException:
        docs.cancel()
        raise
    if not checked.validation.conforms:
        docs.cancel()
        # The report is a build log, not part of any release: the served release stays
        # exactly as it was, its own validation.ttl included.
        failed = _failure_report(checked.validation)
        raise ValidationProblem(
            _violation_text(checked.validation) + f"\n(report written to {failed})",
            len(checked.validation.violations),
        )
    with _stage(report, "write"):
        report.release = write_release(repo, target, checked, inputs_digest(repo), report, docs)
    return report


def _failure_report(result: ValidationResult) -> Path:
    """Write the SHACL report of a failed build into a new temporary file; its path."""
    handle, name = tempfile.mkstemp(prefix="spacecoop-validation-", suffix=".ttl")
    with os.fdopen(handle, "wb") as out:
        out.write(result.report.serialize(format="turtle", encoding="utf-8"))
    return Path(name)


def is_stale(repo: Repository, dist: Path | None = None) -> bool:
    """True when dist/ is missing or was built from other inputs than the repository's."""
    manifest = (dist or repo.dist) / "manifest.json"
    if not manifest.is_file():
        return True
    try:
        recorded: object = json.loads(manifest.read_text(encoding="utf-8")).get("inputs")
    except (ValueError, OSError):
        return True
    return recorded != inputs_digest(repo)
