"""Where things live: the repository's inputs and the release's files.

The build writes `dist/`; the store and the server only read it. Keeping the
file names here means a change of layout is one edit, and tests can point the
whole pipeline at a temporary copy of the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spacecoop.errors import MissingInput


@dataclass(frozen=True)
class Repository:
    """The inputs of a build: one folder per stage of the data flow."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def instances_dir(self) -> Path:
        return self.root / "instances"

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def sources_ttl(self) -> Path:
        return self.sources_dir / "sources.ttl"

    @property
    def curation_dir(self) -> Path:
        """Curators' statements that no one document makes (identifiers, cross-document relations):
        each `curation/{name}.ttl` is the named graph `graph/{name}`. Optional."""
        return self.root / "curation"

    @property
    def competency_dir(self) -> Path:
        return self.root / "tests" / "competency"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    def require_inputs(self) -> None:
        """Raise MissingInput, naming what is missing, unless every input folder is there."""
        missing = [
            p for p in (self.ontology_dir, self.shapes_dir, self.instances_dir, self.sources_dir) if not p.is_dir()
        ]
        missing += [] if missing or self.sources_ttl.is_file() else [self.sources_ttl]
        if missing:
            raise MissingInput(self.root, missing)

    def input_files(self) -> list[Path]:
        """Every file whose change makes the release out of date."""
        files: list[Path] = []
        for folder in (self.ontology_dir, self.shapes_dir, self.instances_dir, self.sources_dir):
            files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
        if self.curation_dir.is_dir():
            files.extend(sorted(p for p in self.curation_dir.rglob("*") if p.is_file()))
        files.extend(sorted(self.competency_dir.glob("*.rq")))
        return files


@dataclass(frozen=True)
class Release:
    """The files of a built release in `dist/` (see `manifest.json` for their checksums)."""

    root: Path

    # Vocabulary
    @property
    def ontology_ttl(self) -> Path:
        return self.root / "ontology.ttl"

    @property
    def shapes_ttl(self) -> Path:
        return self.root / "shapes.ttl"

    # Data: every named graph (documents, sources, inferred) in one dataset file.
    @property
    def data_trig(self) -> Path:
        return self.root / "data.trig"

    @property
    def data_nq(self) -> Path:
        return self.root / "data.nq"

    @property
    def asserted_ttl(self) -> Path:
        """The asserted data (documents and sources) as one graph."""
        return self.root / "asserted.ttl"

    @property
    def examples_ttl(self) -> Path:
        """The competency questions as `sh:SPARQLExecutable` example queries."""
        return self.root / "examples.ttl"

    @property
    def void_ttl(self) -> Path:
        return self.root / "void.ttl"

    @property
    def dcat_ttl(self) -> Path:
        return self.root / "dcat.ttl"

    @property
    def docs_html(self) -> Path:
        return self.root / "docs" / "ontology.html"

    @property
    def validation_ttl(self) -> Path:
        return self.root / "validation.ttl"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def store_dir(self) -> Path:
        """The embedded store's on-disk database (made by the server, not the build)."""
        return self.root / "store"
