"""Time `spacecoop diff` on two releases of about a million statements that differ by a few percent.

    .venv/bin/python scripts/bench/diff_scale.py [--release .bench/synth-1000000/dist] [--percent 3]

OLD is the given release (built by scripts/bench/build_scale.py), linked file by file
into a scratch folder; NEW is a copy whose `data.nq` has `percent`/2 % of its
statements removed and as many new ones added (new resources with new statements),
and whose vocabulary has one term reworded. The command then runs in a child
process, as a curator runs it, and its wall time is printed in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _link_release(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for name in ("manifest.json", "data.nq", "ontology.nt"):
        os.link(source / name, target / name)


def _changed_release(source: Path, target: Path, percent: float, seed: int) -> tuple[int, int]:
    target.mkdir(parents=True)
    rng = random.Random(seed)
    lines = (source / "data.nq").read_text(encoding="utf-8").splitlines()
    share = percent / 200
    kept = [line for line in lines if rng.random() >= share]
    removed = len(lines) - len(kept)
    graph = "<https://w3id.org/spacecoop/graph/bench-added>"
    added = [f'<https://w3id.org/spacecoop/id/bench/r{n // 4}> <http://www.w3.org/2000/01/rdf-schema#comment> '
             f'"statement {n}"@en {graph} .' for n in range(removed)]
    (target / "data.nq").write_text("\n".join(kept + added) + "\n", encoding="utf-8")
    vocabulary = (source / "ontology.nt").read_text(encoding="utf-8").splitlines()
    vocabulary.append('<https://w3id.org/spacecoop/ontology#Agency> <http://www.w3.org/2000/01/rdf-schema#comment> '
                      '"reworded"@en .')
    (target / "ontology.nt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest["release"] = "bench-new"
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return len(lines), removed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", type=Path, default=ROOT / ".bench" / "synth-1000000" / "dist")
    parser.add_argument("--percent", type=float, default=3.0, help="share of statements changed (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (args.release / "data.nq").is_file():
        print(f"no release at {args.release}: run scripts/bench/build_scale.py --triples 1000000 first",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(dir=ROOT / ".bench") as scratch:
        old, new = Path(scratch) / "old", Path(scratch) / "new"
        _link_release(args.release, old)
        statements, changed = _changed_release(args.release, new, args.percent, args.seed)
        command = [sys.executable, "-m", "spacecoop.cli", "diff", str(old), str(new),
                   "--output", str(Path(scratch) / "diff.txt")]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        summary = (Path(scratch) / "diff.txt").read_text(encoding="utf-8").splitlines()[:4]
        started = time.perf_counter()
        subprocess.run([*command[:-2], "--format", "sparql-update", "--output", str(Path(scratch) / "diff.ru")],
                       check=True, cwd=ROOT)
        update_seconds = time.perf_counter() - started
    print("\n".join(summary))
    print(f"statements in OLD: {statements}; removed and added: {changed} each")
    print(f"spacecoop diff (text): {seconds:.1f} s")
    print(f"spacecoop diff --format sparql-update: {update_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
