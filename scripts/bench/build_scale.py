"""Build at scale: `spacecoop build` over synthetic data, then a server started from the release.

    .venv/bin/python scripts/bench/build_scale.py [--triples 100000,1000000] [--seed 1]

For each size it generates the data (scripts/bench/generate.py, cached under
.bench/synth-N), runs `spacecoop --root .bench/synth-N build --progress` in a
child process (the stages print as they go), and reports the time of each
stage, the total wall time and the build's peak memory. Then it starts
`spacecoop serve --build never` on that release and reports the time until
/health answers, the time until the first query is answered, and the memory
of the server's whole process tree (PSS and RSS) after a few queries.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402  (scripts/bench is not a package)

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench"
QUERIES = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/spacecoop/ontology#Agreement> }",
    "SELECT ?p ?o WHERE { <https://w3id.org/spacecoop/id/agency/cnsa> ?p ?o }",
)


def generate(triples: int, seed: int) -> Path:
    folder = CACHE / f"synth-{triples}" if seed == 1 else CACHE / f"synth-{triples}-seed{seed}"
    stamp = folder / ".generated"
    if not stamp.is_file():
        print(f"generating {triples} triples into {folder} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(ROOT / "scripts/bench/generate.py"), "--triples", str(triples),
                        "--seed", str(seed), "--out", str(folder), "--force"], check=True)
        stamp.write_text("ok\n")
    return folder


def build(folder: Path) -> dict:
    dist = folder / "dist"
    command = [sys.executable, "-m", "spacecoop.cli", "--root", str(folder), "build", "--dist", str(dist), "--progress"]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.monotonic()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None, text=True, cwd=ROOT)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"the build failed with status {done.returncode}:\n{done.stdout[-3000:]}")
    stages = {m.group(1): int(m.group(2)) / 1000 for m in re.finditer(r"^stage (\w+): (\d+) ms$", done.stdout, re.M)}
    peak = re.search(r"^peak memory: (\d+) MB$", done.stdout, re.M)
    asserted = re.search(r"^asserted triples: (\d+)$", done.stdout, re.M)
    inferred = re.search(r"^inferred triples: (\d+)$", done.stdout, re.M)
    return {
        "wall_seconds": round(wall, 1),
        "stages": stages,
        "peak_memory_mb": int(peak.group(1)) if peak else None,
        "asserted_triples": int(asserted.group(1)) if asserted else None,
        "inferred_triples": int(inferred.group(1)) if inferred else None,
        "dist": str(dist),
    }


def serve(dist: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="spacecoop-serve-") as work:
        peer = peers.start_spacecoop(dist, Path(work))
        try:
            for query in QUERIES:
                status, _ = peers.get(peer.host, peer.port, peer.target(query))
                if status != 200:
                    raise SystemExit(f"the server answered {status} to {query}")
            memory = peer.memory()
        finally:
            peer.stop()
    return {"ready_seconds": round(peer.ready_seconds or 0, 2), "memory": memory, "notes": peer.notes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", default="100000,1000000", help="comma-separated sizes (default: 100000,1000000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    try:
        sizes = [int(n) for n in args.triples.split(",")]
    except ValueError:
        parser.error("--triples takes comma-separated integers")
    results = {}
    for size in sizes:
        folder = generate(size, args.seed)
        result = build(folder)
        result["server"] = serve(Path(result["dist"]))
        results[size] = result
    print(f"\n$ {' '.join(sys.argv)}")
    names = sorted({name for r in results.values() for name in r["stages"]},
                   key=list(next(iter(results.values()))["stages"]).index)
    print("| triples (asserted / inferred) | " + " | ".join(names)
          + " | build wall | build peak memory | server ready | server memory PSS / RSS |")
    print("|---" * (len(names) + 5) + "|")
    for _size, r in results.items():
        stages = " | ".join(f"{r['stages'].get(n, 0):.1f} s" for n in names)
        server = r["server"]
        print(f"| {r['asserted_triples']} / {r['inferred_triples']} | {stages} | {r['wall_seconds']:.1f} s | "
              f"{r['peak_memory_mb']} MB | {server['ready_seconds']:.2f} s | "
              f"{server['memory']['pss_mib']:.0f} / {server['memory']['rss_mib']:.0f} MiB "
              f"({server['memory']['processes']} processes) |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
