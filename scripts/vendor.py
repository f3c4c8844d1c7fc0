"""The vendored browser libraries (`src/spacecoop/web/static/vendor/*/`) against the npm registry.

Each folder's `SOURCE` names the npm package, its version, the tarball's
`integrity` (SHA-512, as the registry publishes it) and the files copied from
it with their SHA-256. This script fetches each tarball with `npm pack`, checks
its integrity, and checks (default) or rewrites (`--update`) every copied file
from it, byte for byte.

    .venv/bin/python scripts/vendor.py            # exit 1 on any difference
    .venv/bin/python scripts/vendor.py --update   # copy the files again from the tarballs
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "spacecoop" / "web" / "static" / "vendor"
_FILE = re.compile(r"^\s+(?P<member>package/\S+) -> (?P<name>\S+) (?P<sha256>[0-9a-f]{64})$")


@dataclass(frozen=True)
class Source:
    folder: Path
    package: str
    version: str
    integrity: str
    files: tuple[tuple[str, str, str], ...]  # (member in the tarball, file here, sha256)


def read_source(folder: Path) -> Source:
    text = (folder / "SOURCE").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^(npm package|version|integrity): (\S+)$", text, re.M))
    files = tuple((m["member"], m["name"], m["sha256"]) for m in map(_FILE.match, text.splitlines()) if m)
    missing = {"npm package", "version", "integrity"} - fields.keys()
    if missing or not files:
        raise SystemExit(f"{folder / 'SOURCE'}: no {', '.join(sorted(missing)) or 'copied files'} named")
    return Source(folder, fields["npm package"], fields["version"], fields["integrity"], files)


def fetch(source: Source, into: Path) -> Path:
    """The package's tarball, from the registry, its integrity checked."""
    done = subprocess.run(["npm", "pack", f"{source.package}@{source.version}", "--silent"],
                          cwd=into, check=True, capture_output=True, text=True)
    tarball = into / done.stdout.strip().splitlines()[-1]
    algorithm, _, expected = source.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{source.package}@{source.version}: the tarball's {algorithm} is {actual}, "
                         f"SOURCE says {expected}")
    return tarball


def check(source: Source, tarball: Path, update: bool) -> list[str]:
    problems = []
    with tarfile.open(tarball) as archive:
        for member, name, sha256 in source.files:
            data = archive.extractfile(member)
            if data is None:
                problems.append(f"{source.package}: {member} is not in the tarball")
                continue
            content = data.read()
            if hashlib.sha256(content).hexdigest() != sha256:
                problems.append(f"{source.package}: {member} differs from the SHA-256 in SOURCE")
            here = source.folder / name
            if update:
                here.write_bytes(content)
            elif not here.is_file() or here.read_bytes() != content:
                problems.append(f"{source.package}: {here.relative_to(VENDOR)} is not the tarball's {member}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="copy the files again from the tarballs")
    args = parser.parse_args()
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for folder in sorted(p for p in VENDOR.iterdir() if p.is_dir()):
            source = read_source(folder)
            problems += check(source, fetch(source, Path(scratch)), args.update)
            print(f"{source.package}@{source.version}: {len(source.files)} files "
                  f"{'copied' if args.update else 'checked'}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
