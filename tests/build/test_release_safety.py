"""spacecoop only ever replaces its own releases: each way a user's files could be lost, made to happen.

Every command that writes or swaps (`build`, `serve` and `query` with `--build auto`,
`load --files`) refuses, with exit status 2 and a message naming the path, a target
that exists and is not a spacecoop release. A build killed at any moment leaves the
release whole, and the next build removes what it left. A full disk and a failed
build leave the served release byte for byte as it was. A server serves the release
it started with while a build replaces it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from support.server import start_server

from spacecoop import cli
from spacecoop.build.release.guard import MARKER, STAGING, check_target, is_release, new_folder, remove_leftovers
from spacecoop.paths import Repository

ROOT = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, the store's database included: nothing may change."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def hidden_siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}-"))


def assert_whole(dist: Path) -> str:
    """`dist` is a complete release: every file its manifest lists, with its checksum; the release id."""
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (dist / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
    assert is_release(dist) and (dist / "store").is_dir()
    return str(manifest["release"])


def change_the_data(repo: Repository) -> None:
    """One more statement: the next build makes another release."""
    instance = sorted(repo.instances_dir.glob("*.ttl"))[0]
    with instance.open("a", encoding="utf-8") as f:
        f.write('\n<https://w3id.org/spacecoop/id/country/china> '
                '<http://www.w3.org/2000/01/rdf-schema#comment> "x"@en .\n')


def run_cli(*args: str) -> tuple[int, str]:
    """`spacecoop ARGS` in a child process: its exit status and what it printed."""
    done = subprocess.run([sys.executable, "-m", "spacecoop.cli", *args], capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


# --- targets that are not spacecoop's --------------------------------------------------------


def _foreign_targets(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    """name -> (the --dist given, the user's data behind it that must survive)."""
    user_file = tmp_path / "accounts.db"
    user_file.write_text("root:x:0:0\n")
    folder = tmp_path / "my-folder"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work\n")
    (folder / "notes").mkdir()
    (folder / "notes" / "a.txt").write_text("more\n")
    (tmp_path / "link-to-file").symlink_to(user_file)
    (tmp_path / "link-to-folder").symlink_to(folder)
    return {
        "file": (user_file, user_file),
        "folder": (folder, folder),
        "symlink to a file": (tmp_path / "link-to-file", user_file),
        "symlink to a folder": (tmp_path / "link-to-folder", folder),
    }


def _snapshot(path: Path) -> object:
    return path.read_bytes() if path.is_file() else tree(path)


COMMANDS = {
    "build": ["build"],
    "serve --build auto": ["serve", "--port", "1"],
    "serve --build never": ["serve", "--build", "never", "--port", "1"],
    "query --build auto": ["query", "ASK {}"],
    "load --files": ["load", "--files"],  # with --dist below: the release it would read
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["file", "folder", "symlink to a file", "symlink to a folder"])
def test_a_target_that_is_not_a_spacecoop_release_is_refused_and_left_alone(
    tmp_path: Path, command: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target, data = _foreign_targets(tmp_path)[kind]
    before = _snapshot(data)
    args = COMMANDS[command]
    if command == "load --files":
        args = [*args, str(target), "--build", "never", "--dist", str(tmp_path / "no-release")]
    else:
        args = [*args, "--dist", str(target)]
    status = cli.main(["--root", str(ROOT), *args])
    err = capsys.readouterr().err
    assert status == 2, err
    assert str(target) in err and "Traceback" not in err
    assert _snapshot(data) == before
    assert not hidden_siblings(data) and not hidden_siblings(target)


@pytest.mark.parametrize("where", ["/", "home", "repository", "a folder holding the repository"])
def test_the_root_the_home_folder_and_the_repository_are_never_a_release(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    repo = Repository(home / "repo")
    for name in ("ontology", "shapes", "instances", "sources"):
        shutil.copytree(ROOT / name, repo.root / name)
    monkeypatch.setenv("HOME", str(home))
    target = {"/": Path("/"), "home": home, "repository": repo.root, "a folder holding the repository": home}[where]
    if where == "home":
        (home / "repo").rename(home / "elsewhere")  # the home folder alone, no repository in it
        repo = Repository(home / "elsewhere")
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    status = cli.main(["--root", str(repo.root), "build", "--dist", str(target)])
    err = capsys.readouterr().err
    assert status == 2 and str(target) in err, err
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before


def test_an_empty_or_missing_target_is_fine_and_a_symlink_is_followed(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert check_target(tmp_path / "empty") == tmp_path / "empty"
    assert check_target(tmp_path / "missing" / "dist") == tmp_path / "missing" / "dist"
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    assert check_target(tmp_path / "link") == tmp_path / "empty"


@pytest.mark.slow
def test_a_release_reached_through_a_symlink_is_replaced_where_it_is(release_dir: Path, repo_copy: Repository,
                                                                      tmp_path: Path) -> None:
    real = tmp_path / "releases" / "current"
    shutil.copytree(release_dir, real)
    link = tmp_path / "dist"
    link.symlink_to(real)
    status, output = run_cli("--root", str(repo_copy.root), "build", "--dist", str(link))
    assert status == 0, output
    assert link.is_symlink() and link.resolve() == real
    assert_whole(real)
    assert hidden_siblings(real) == []


def test_load_files_writes_only_into_its_own_folder(release_dir: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bulk"
    args = ["--root", str(ROOT), "load", "--build", "never", "--dist", str(release_dir), "--files", str(out)]
    assert cli.main(args) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["spacecoop-release.nq", "spacecoop-union.nq"]
    assert cli.main(args) == 0  # its own files again: fine
    (out / "mine.txt").write_text("keep me\n")
    capsys.readouterr()
    assert cli.main(args) == 2
    assert "mine.txt" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "keep me\n"


@pytest.mark.parametrize("command", [["build"], ["validate"], ["locate", "x", "y"],
                                     ["load", "--files", "out"], ["serve", "--port", "1"]])
@pytest.mark.slow
def test_a_missing_repository_is_an_error_message_not_a_traceback(command: list[str], tmp_path: Path) -> None:
    status, output = run_cli("--root", str(tmp_path / "nowhere"), *command)
    assert status in (1, 2) and "error:" in output and "Traceback" not in output, output
    assert str(tmp_path / "nowhere") in output
    assert sorted(tmp_path.iterdir()) == [] or not (tmp_path / "out").exists()


# --- leftovers -------------------------------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_spacecoops_own_leftovers_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dead = new_folder(dist, STAGING)
    record = json.loads((dead / MARKER).read_text())
    (dead / MARKER).write_text(json.dumps({**record, "pid": _dead_pid()}))
    alive = new_folder(dist, STAGING)  # this process's: a build in progress
    other_target = new_folder(tmp_path / "other", STAGING)
    (other_target / MARKER).write_text(json.dumps({**record, "pid": _dead_pid(), "target": "other"}))
    mine = tmp_path / ".dist-new-mine"  # a user's folder that happens to look like a staging folder
    mine.mkdir()
    (mine / "paper.txt").write_text("mine\n")
    lookalike = tmp_path / ".dist-old-x"
    lookalike.mkdir()
    (lookalike / MARKER).write_text('{"generator": "someone else"}')
    link = tmp_path / ".dist-new-link"
    link.symlink_to(mine)

    assert remove_leftovers(dist) == [dead]
    assert alive.is_dir() and other_target.is_dir() and (mine / "paper.txt").is_file()
    assert lookalike.is_dir() and link.is_symlink()


# --- a build killed at every stage -----------------------------------------------------------

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from spacecoop import cli
    from spacecoop.build.release import writer as release

    point, root, dist = sys.argv[1:]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def before(module, name):
        original = getattr(module, name)
        def wrapped(*args, **kwargs):
            die()
        setattr(module, name, wrapped)

    def after(module, name):
        original = getattr(module, name)
        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            die()
        setattr(module, name, wrapped)

    if point == "staging made":
        before(release, "write_files")
    elif point == "data written":
        before(release, "_gzip")
    elif point == "before the swap":
        before(release, "_swap_in")
    elif point == "after the exchange":
        after(release, "_exchange")
    else:
        cli._progress = lambda args: (lambda message: die() if message == point + " ..." else None)
    sys.exit(cli.main(["--root", root, "build", "--dist", dist]))
    """
)
STAGES = ["load", "evidence", "quality", "reason", "validate", "write"]
WRITE_POINTS = ["staging made", "data written", "before the swap", "after the exchange"]


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_a_whole_release_and_the_next_build_cleans_up(
    release_dir: Path, repo_copy: Repository, tmp_path: Path
) -> None:
    dist = tmp_path / "site" / "dist"
    shutil.copytree(release_dir, dist)
    old_release = assert_whole(dist)
    before = tree(dist)
    change_the_data(repo_copy)
    killer = tmp_path / "killer.py"
    killer.write_text(KILLER)
    for point in [*STAGES, *WRITE_POINTS]:
        done = subprocess.run([sys.executable, str(killer), point, str(repo_copy.root), str(dist)],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == -signal.SIGKILL, f"{point}: {done.returncode}\n{done.stderr}"
        if point == "after the exchange":
            assert assert_whole(dist) != old_release  # the new release, whole
        else:
            assert tree(dist) == before, point  # the old release, byte for byte
    assert hidden_siblings(dist), "the killed builds left their staging folders"
    status, output = run_cli("--root", str(repo_copy.root), "build", "--dist", str(dist))
    assert status == 0, output
    assert assert_whole(dist) != old_release
    assert hidden_siblings(dist) == []


# --- a full disk, a failed build -------------------------------------------------------------


@pytest.mark.slow
def test_a_full_disk_leaves_the_release_as_it_was(release_dir: Path, repo_copy: Repository, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from spacecoop.build.release import writer as release

    dist = tmp_path / "dist"
    shutil.copytree(release_dir, dist)
    before = tree(dist)
    written = 0
    original = release._write

    def write_until_full(path: Path, data: bytes) -> None:
        nonlocal written
        written += 1
        if written > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        original(path, data)

    monkeypatch.setattr(release, "_write", write_until_full)
    status = cli.main(["--root", str(repo_copy.root), "build", "--dist", str(dist)])
    err = capsys.readouterr().err
    assert status == 1 and "disk is full" in err and str(dist) in err and "Traceback" not in err, err
    assert written > 3
    assert tree(dist) == before
    assert hidden_siblings(dist) == []


@pytest.mark.slow
def test_a_failed_build_leaves_the_served_release_byte_identical_validation_report_included(
    release_dir: Path, repo_copy: Repository, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(release_dir, dist)
    before = tree(dist)
    instance = sorted(repo_copy.instances_dir.glob("*.ttl"))[0]
    with instance.open("a", encoding="utf-8") as f:
        f.write("\n<https://w3id.org/spacecoop/id/agreement/broken> "
                "a <https://w3id.org/spacecoop/ontology#Agreement> .\n")
    status, output = run_cli("--root", str(repo_copy.root), "build", "--dist", str(dist))
    assert status == 1 and "agreement/broken" in output, output
    assert tree(dist) == before
    report = Path(output.split("(report written to ")[1].split(")")[0])
    assert "agreement/broken" in report.read_text(encoding="utf-8")
    report.unlink()


# --- a server and a rebuild ------------------------------------------------------------------


@pytest.mark.slow
def test_a_server_serves_the_release_it_started_with_while_a_build_replaces_it(
    release_dir: Path, repo_copy: Repository, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(release_dir, dist)
    server = start_server(dist, tmp_path / "server.log", "--build", "never", "--workers", "1")
    try:
        def observe() -> tuple[object, ...]:
            health = httpx.get(server.url + "/health", timeout=30).json()
            manifest = httpx.get(server.url + "/dumps/manifest.json", timeout=30)
            data = httpx.get(server.url + "/dumps/data.nq", timeout=30)
            count = httpx.get(server.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                              headers={"Accept": "text/csv"}, timeout=30)
            return (health["release"], health["triples"], manifest.content, manifest.headers["etag"],
                    hashlib.sha256(data.content).hexdigest(), data.headers["etag"], count.text)

        served = observe()
        change_the_data(repo_copy)
        status, output = run_cli("--root", str(repo_copy.root), "build", "--dist", str(dist))
        assert status == 0, output
        assert assert_whole(dist) != served[0]
        assert observe() == served
        old_manifest = json.loads(served[2])
        assert served[4] == next(e["sha256"] for e in old_manifest["files"] if e["path"] == "data.nq")
    finally:
        assert server.stop() == 0
    assert hidden_siblings(dist) == []  # the server's snapshot goes with it
