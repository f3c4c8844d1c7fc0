"""Every sentence of every article body that states a fact is quoted by some evidence annotation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_sentence_is_quoted_or_its_omission_explained() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "coverage.py"), "--missing"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_coverage_report_names_the_quoting_instances() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "coverage.py")],
                            capture_output=True, text=True, timeout=120)
    assert "<- " in result.stdout and "sentences quoted" in result.stdout
