"""scripts/bench/run.py runs end to end: the endpoints start, agree on every query, take load and stop.

A smoke test of the benchmark itself (one short round), so that it cannot rot
between the runs whose figures docs/performance.md gives; it checks no speed. It covers
every peer but rdflib-endpoint (spacecoop, the bare server, Oxigraph's server,
Virtuoso) and the Linked Data phase (`--ld`: spacecoop's pages beside nginx).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import interop_tools as tools
import pytest

RUN = tools.REPO_ROOT / "scripts" / "bench" / "run.py"
LD_KINDS = {"id-html", "id-turtle", "graph-html", "graph-trig"}

pytestmark = pytest.mark.interop


def have_oxigraph_server() -> bool:
    beside = Path(sys.executable).with_name("oxigraph")
    return (beside.is_file() and os.access(beside, os.X_OK)) or shutil.which("oxigraph") is not None


def have_nginx() -> bool:
    return shutil.which("nginx") is not None or os.access("/usr/sbin/nginx", os.X_OK)


def test_the_benchmark_runs_against_every_server_and_the_linked_data_pages(release, tmp_path: Path) -> None:
    tools.need(shutil.which("wrk") is not None, "wrk (Debian wrk)")
    tools.need(tools.have_virtuoso(), "Virtuoso (Debian virtuoso-opensource)")
    tools.need(have_oxigraph_server(), "the Oxigraph server (the oxigraph package, pip install oxigraph)")
    tools.need(have_nginx(), "nginx (Debian nginx), the --ld phase's static file server")
    tools.need(release.built, "the repository's own release (the stand-in has no competency questions)")
    report = tmp_path / "report.json"
    finished = subprocess.run(
        [sys.executable, str(RUN), "--dist", str(release.root), "--peers", "spacecoop,bare,oxigraph,virtuoso",
         "--concurrency", "2", "--rounds", "1", "--seconds", "1", "--repeats", "1", "--unique-queries",
         "--ld", "--ld-pages", "5", "--ld-concurrency", "2",
         "--json", str(report), "--logs", str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=900,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "queries agree on all 4 endpoints" in finished.stdout
    assert "÷oxigraph" in finished.stdout and "÷static" in finished.stdout
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["agreement"]["disagreements"] == []
    assert set(result["agreement"]["endpoints"]) == {"spacecoop", "bare", "oxigraph", "virtuoso"}
    phases = {(row["endpoint"], row["phase"]) for row in result["load"]}
    assert phases == {("spacecoop", "normal"), ("bare", "normal"), ("oxigraph", "normal"), ("virtuoso", "normal"),
                      ("spacecoop", "runaway")}
    assert all(row["errors"] == 0 and row["requests"] > 0 for row in result["load"])
    assert result["peers"]["oxigraph"]["ready_seconds"] > 0 and result["peers"]["oxigraph"]["memory"]["rss_mib"] > 0
    assert all(result["per_query_ms"][name]["oxigraph"] is not None for name in result["per_query_ms"])

    ld = result["ld"]
    assert ld["sample"]["resources"] == 5 and ld["sample"]["graphs"] >= 1 and ld["sample"]["dropped"] == []
    assert {(row["server"], row["kind"]) for row in ld["load"]} == {
        (server, kind) for server in ("spacecoop", "static") for kind in LD_KINDS}
    assert all(row["errors"] == 0 and row["requests"] > 0 and row["ratio_to_static"] > 0 for row in ld["load"])
    assert set(ld["first_render_ms"]) == LD_KINDS
    assert all(r["pages"] > 0 and r["max_ms"] >= r["p99_ms"] > 0 for r in ld["first_render_ms"].values())
    beside = ld["sparql_beside_pages"]
    for reading in (beside["idle"], beside["flood"]):
        assert reading["requests"] > 0 and reading["errors"] == 0 and reading["p99_ms"] >= reading["p50_ms"] > 0
    assert beside["flood_pages"]["errors"] == 0
    assert any((tmp_path / "logs").iterdir())  # the endpoints' logs were kept where asked
    assert (tmp_path / "logs" / "oxigraph.log").is_file() and (tmp_path / "logs" / "static.log").is_file()
