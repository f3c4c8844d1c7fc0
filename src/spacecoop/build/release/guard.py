"""Which paths spacecoop may write, swap and delete: its own releases, and nothing else.

A release folder is recognised by its `manifest.json`, whose `generator` field
names spacecoop (written last, so a folder with it is a whole release). A
build writes into a staging folder beside the target, `.{name}-new-XXXX`,
marked from its first moment by a `.spacecoop-staging` file; a server serves a
hard-linked snapshot of the release, `.{name}-serving-XXXX`, marked the same
way. Before anything is written, `check_target` refuses a target that exists
and is not a spacecoop release: a file, a folder with other content, a
symlink to either, `/`, the home folder, the repository. Leftovers of a
killed build or server are removed only when their marker says spacecoop
made them and the process that made them is gone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from spacecoop.errors import BuildError

GENERATOR = "spacecoop"
MARKER = ".spacecoop-staging"  # in staging folders and serving snapshots, never in a release
STAGING, SERVING = "staging", "serving"

log = logging.getLogger(__name__)


class UnsafeTarget(BuildError):
    """A path spacecoop was asked to write or replace is not one of its own: exit status 2."""

    exit_status = 2

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}; spacecoop only writes into a missing or empty folder or replaces "
                         "a release it built itself (choose another --dist, or remove the folder yourself)")
        self.path = path


class NotARelease(BuildError):
    """A folder asked to be served is not a release spacecoop built: exit status 2."""

    exit_status = 2

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is not a spacecoop release (no manifest.json with generator 'spacecoop'): "
                         "pass the --dist of a release, or build one with `spacecoop build --dist FOLDER`")
        self.path = path


def _json(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_release(path: Path) -> bool:
    """True for a real folder (not a symlink) holding a release spacecoop wrote."""
    if path.is_symlink() or not path.is_dir():
        return False
    manifest = _json(path / "manifest.json")
    return manifest is not None and manifest.get("generator") == GENERATOR


def _marker(path: Path) -> dict[str, object] | None:
    if path.is_symlink() or not path.is_dir():
        return None
    record = _json(path / MARKER)
    return record if record is not None and record.get("generator") == GENERATOR else None


def _forbidden(path: Path, repo_root: Path | None) -> str | None:
    """Why `path` may never be a release folder, whatever it holds."""
    if path == Path(path.anchor):
        return "is the root of the file system"
    with contextlib.suppress(RuntimeError, KeyError):
        if path == Path.home().resolve():
            return "is the home folder"
    if repo_root is not None:
        root = repo_root.resolve()
        if path == root or path in root.parents:
            return "is the repository (or holds it)"
    return None


def check_output_folder(path: Path, names: tuple[str, ...], repo_root: Path | None = None) -> Path:
    """The absolute folder if spacecoop may write the files `names` into it; else UnsafeTarget.

    Fine: a missing or empty folder, or one that holds nothing but files of those names."""
    target = Path(os.path.abspath(path)).resolve()
    why = _forbidden(target, repo_root)
    if why is not None:
        raise UnsafeTarget(path, why)
    if target.exists() and not target.is_dir():
        raise UnsafeTarget(path, "is a file, not a folder")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in names) if target.is_dir() else []
    if foreign:
        raise UnsafeTarget(path, f"holds files spacecoop did not write there ({', '.join(foreign[:3])}"
                                 f"{', …' if len(foreign) > 3 else ''})")
    return target


def check_target(path: Path, repo_root: Path | None = None) -> Path:
    """The absolute, symlink-free target if spacecoop may write a release there; else UnsafeTarget.

    Fine: a missing path, an empty folder, a release spacecoop built. A symlink is
    followed and judged by what it points to."""
    target = Path(os.path.abspath(path))
    if target.is_symlink():
        pointed = target.resolve()
        if pointed.exists() and not pointed.is_dir():
            raise UnsafeTarget(path, f"is a symlink to {pointed}, which is not a folder")
        if pointed.is_dir() and any(pointed.iterdir()) and not is_release(pointed):
            raise UnsafeTarget(path, f"is a symlink to {pointed}, a folder that is not a spacecoop release")
    target = target.resolve()
    why = _forbidden(target, repo_root)
    if why is not None:
        raise UnsafeTarget(path, why)
    if not target.exists():
        if target.parent.exists() and not target.parent.is_dir():
            raise UnsafeTarget(path, f"cannot be made: {target.parent} is not a folder")
        return target
    if not target.is_dir():
        raise UnsafeTarget(path, "is a file, not a release folder")
    if any(target.iterdir()) and not is_release(target):
        raise UnsafeTarget(path, "is a folder that holds files but no spacecoop release (no manifest.json "
                                 "with generator 'spacecoop')")
    return target


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_folder(target: Path, role: str) -> Path:
    """A marked folder beside `target`: `.{name}-new-…` for a build, `.{name}-serving-…` for a server."""
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = "new" if role == STAGING else role
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}-{kind}-", dir=target.parent))
    record = {"generator": GENERATOR, "role": role, "pid": os.getpid(), "target": target.name}
    (folder / MARKER).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder


def unmark(folder: Path) -> None:
    """Take the marker out of a staging folder that is complete (it becomes a release)."""
    (folder / MARKER).unlink()


def remove_leftovers(target: Path) -> list[Path]:
    """Remove what killed builds and servers left beside `target`; the folders removed.

    Only siblings named like spacecoop's own (`.{name}-new-…`, `.{name}-old-…`,
    `.{name}-serving-…`) whose marker or manifest says spacecoop wrote them, and
    whose process is gone, are removed."""
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    prefixes = tuple(f".{target.name}-{kind}-" for kind in ("new", "old", SERVING))
    for sibling in sorted(target.parent.iterdir()):
        if not sibling.name.startswith(prefixes) or sibling.is_symlink() or not sibling.is_dir():
            continue
        record = _marker(sibling)
        if record is not None:
            if record.get("target") != target.name or _pid_alive(record.get("pid")):
                continue
        elif not is_release(sibling):
            continue  # not spacecoop's: leave it alone
        shutil.rmtree(sibling, ignore_errors=True)
        removed.append(sibling)
    return removed


@contextlib.contextmanager
def pinned(release: Path) -> Iterator[Path]:
    """A snapshot of `release` that a rebuild cannot change, for as long as a server serves it.

    Every file is hard-linked (no data is copied, and the build never writes into
    a file it did not create) into `.{name}-serving-XXXX` beside the release; it is
    removed when the server stops, or by the next build if the server was killed.
    Where hard links cannot be made (another file system, a read-only folder), the
    release is served in place, and a warning says a rebuild would change it."""
    if not is_release(release):
        yield release  # nothing to pin: opening it says what is wrong
        return
    try:
        remove_leftovers(release)
        snapshot = new_folder(release, SERVING)
    except OSError as error:
        log.warning("serving %s in place (a snapshot could not be made: %s); a rebuild changes it", release, error)
        yield release
        return
    try:
        for source in sorted(release.rglob("*")):
            copy = snapshot / source.relative_to(release)
            if source.is_dir() and not source.is_symlink():
                copy.mkdir(exist_ok=True)
            elif source.is_file() and source.name != MARKER:
                os.link(source, copy)
    except OSError as error:
        shutil.rmtree(snapshot, ignore_errors=True)
        log.warning("serving %s in place (a snapshot could not be made: %s); a rebuild changes it", release, error)
        yield release
        return
    try:
        yield snapshot
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)
