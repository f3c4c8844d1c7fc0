"""scripts/bench/run.py runs end to end: the endpoints start, agree on every query, take load and stop.

A smoke test of the benchmark itself (one short round), so that it cannot rot
between the runs whose figures the README gives; it checks no speed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import interop_tools as tools

RUN = tools.REPO_ROOT / "scripts" / "bench" / "run.py"

pytestmark = pytest.mark.interop


def test_the_benchmark_runs_against_spacecoop_the_bare_server_and_virtuoso(release, tmp_path: Path) -> None:
    tools.need(shutil.which("wrk") is not None, "wrk (Debian wrk)")
    tools.need(tools.have_virtuoso(), "Virtuoso (Debian virtuoso-opensource)")
    tools.need(release.built, "the repository's own release (the stand-in has no competency questions)")
    report = tmp_path / "report.json"
    finished = subprocess.run(
        [sys.executable, str(RUN), "--dist", str(release.root), "--peers", "spacecoop,bare,virtuoso",
         "--concurrency", "2", "--rounds", "1", "--seconds", "1", "--repeats", "1",
         "--json", str(report), "--logs", str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=600,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "queries agree on all 3 endpoints" in finished.stdout
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["agreement"]["disagreements"] == []
    phases = {(row["endpoint"], row["phase"]) for row in result["load"]}
    assert phases == {("spacecoop", "normal"), ("bare", "normal"), ("virtuoso", "normal"), ("spacecoop", "runaway")}
    assert all(row["errors"] == 0 and row["requests"] > 0 for row in result["load"])
    assert any((tmp_path / "logs").iterdir())  # the endpoints' logs were kept where asked
