"""A writable copy of the repository's inputs, for tests that change them (importable from any test folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from spacecoop.paths import Repository

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("ontology", "shapes", "instances", "sources", "curation")


def copy_repository(target: Path) -> Repository:
    """The inputs (`INPUTS`) and the competency questions copied under `target`."""
    for name in INPUTS:
        shutil.copytree(ROOT / name, target / name)
    (target / "tests").mkdir()
    shutil.copytree(ROOT / "tests" / "competency", target / "tests" / "competency")
    return Repository(target)
