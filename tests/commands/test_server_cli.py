"""`spacecoop serve` and `spacecoop query` from the command line, and the settings table behind them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
from support.server import start_server

from spacecoop.web.settings import SettingError, Settings, env_var, flag, load

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [setting for setting in fields(Settings)]


def spacecoop(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spacecoop.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def serve_help() -> str:
    result = spacecoop("serve", "--help")
    assert result.returncode == 0
    return " ".join(result.stdout.split())


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_serve_help_documents_every_setting_with_its_environment_variable(serve_help, setting):
    assert flag(setting) in serve_help
    assert env_var(setting) in serve_help


@pytest.fixture(scope="module")
def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## SPARQL endpoint")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_readme_lists_every_setting(readme_section, setting):
    assert f"`{flag(setting)}`" in readme_section
    assert f"`{env_var(setting)}`" in readme_section


def test_environment_variables_set_settings():
    settings = load({}, {"SPACECOOP_PORT": "9001", "SPACECOOP_TIME_LIMIT": "2.5", "SPACECOOP_DIST": "/srv/dist"})
    assert (settings.port, settings.time_limit, settings.dist) == (9001, 2.5, Path("/srv/dist"))


def test_command_line_wins_over_the_environment():
    assert load({"port": 9002}, {"SPACECOOP_PORT": "9001"}).port == 9002


def test_defaults_without_either():
    assert load({}, {}) == Settings()


@pytest.mark.parametrize(
    "environ",
    [
        {"SPACECOOP_PORT": "eighty"},
        {"SPACECOOP_BUILD": "sometimes"},
        {"SPACECOOP_WORKERS": "0"},
        {"SPACECOOP_TIME_LIMIT": "-1"},
        {"SPACECOOP_QUERY_MEMORY": "10"},
    ],
)
def test_invalid_settings_are_refused_with_a_message(environ):
    with pytest.raises(SettingError):
        load({}, environ)


def test_serve_refuses_an_invalid_setting_from_the_environment(server_release):
    env = {**__import__("os").environ, "SPACECOOP_WORKERS": "0"}
    result = spacecoop("serve", "--dist", str(server_release), "--build", "never", env=env)
    assert result.returncode == 2
    assert "at least one query engine" in result.stderr


@pytest.mark.slow
def test_serve_explains_a_missing_release(tmp_path):
    result = spacecoop("serve", "--dist", str(tmp_path / "dist"), "--build", "never", cwd=tmp_path)
    assert result.returncode == 1
    assert "no release" in result.stderr and "spacecoop build" in result.stderr


@pytest.mark.slow
def test_serve_takes_its_settings_from_the_environment(server_release, tmp_path):
    server = start_server(
        server_release, tmp_path / "server.log", "--build", "never", "--workers", "1",
        env={"SPACECOOP_TIME_LIMIT": "7", "SPACECOOP_MAX_ROWS": "42"},
    )
    try:
        description = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"}).text
        assert "may run 7 s" in description and "at most 42 rows" in description
        assert len(server.children()) == 1
    finally:
        assert server.stop() == 0


# ---------------------------------------------------------------------------
# spacecoop query
# ---------------------------------------------------------------------------

AGENCIES = "SELECT ?agency WHERE { ?agency a <https://w3id.org/spacecoop/ontology#Agency> } ORDER BY ?agency"


def query(server_release: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return spacecoop("query", "--dist", str(server_release), "--build", "never", *args, cwd=server_release.parent)


def test_query_prints_a_table(server_release):
    result = query(server_release, AGENCIES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "agency",
        "-" * len("<https://w3id.org/spacecoop/id/agency/cnsa>"),
        "<https://w3id.org/spacecoop/id/agency/cnsa>",
        "<https://w3id.org/spacecoop/id/agency/esa>",
        "(2 rows)",
    ]


def test_query_prints_csv(server_release):
    result = query(server_release, AGENCIES, "--format", "csv")
    assert result.stdout.splitlines() == [
        "agency",
        "https://w3id.org/spacecoop/id/agency/cnsa",
        "https://w3id.org/spacecoop/id/agency/esa",
    ]


def test_query_prints_json(server_release):
    result = query(server_release, AGENCIES, "--format", "json")
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert [b["agency"]["value"] for b in bindings] == [
        "https://w3id.org/spacecoop/id/agency/cnsa",
        "https://w3id.org/spacecoop/id/agency/esa",
    ]


def test_query_reads_a_file_and_answers_ask(server_release, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("ASK { ?s a <https://w3id.org/spacecoop/ontology#Mission> }")
    assert query(server_release, "--file", str(path)).stdout.strip() == "true"


def test_query_prints_turtle_for_a_construct(server_release):
    result = query(server_release, "DESCRIBE <https://w3id.org/spacecoop/id/agency/esa>")
    assert "European Space Agency" in result.stdout and "@prefix" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * WHERE {", "error at 1:"),
        ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "SERVICE is refused"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "read-only"),
    ],
    ids=["syntax", "service", "update"],
)
def test_query_reports_errors_with_status_2(server_release, text, message):
    result = query(server_release, text)
    assert result.returncode == 2
    assert message in result.stderr


def test_query_reports_the_row_cap(server_release):
    result = query(server_release, "SELECT * WHERE { VALUES ?x { 1 2 3 } }", "--max-rows", "2")
    assert result.returncode == 1
    assert "more than 2 rows" in result.stderr
