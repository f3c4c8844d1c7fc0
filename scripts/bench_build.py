#!/usr/bin/env python3
"""Time each stage of the build over several runs and print the medians.

    python scripts/bench_build.py            # 7 runs
    python scripts/bench_build.py --runs 15

Each run is a complete `run_build` of the repository into a temporary folder
(documentation included); the first run is a warm-up and is not counted.
Target: the whole build under 5 seconds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from spacecoop.build.pipeline import run_build  # noqa: E402
from spacecoop.paths import Repository  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    repo = Repository(ROOT)
    stages: dict[str, list[float]] = {}
    totals: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):
            started = time.perf_counter()
            report = run_build(repo, Path(tmp) / f"dist{run}")
            elapsed = time.perf_counter() - started
            if run == 0:
                continue  # warm-up: imports and caches
            totals.append(elapsed)
            for name, seconds in report.timings.items():
                stages.setdefault(name, []).append(seconds)
    print(f"build of {ROOT.name}: {args.runs} runs, medians (min-max)")
    for name, values in stages.items():
        print(f"  {name:<10} {statistics.median(values) * 1000:7.0f} ms  "
              f"({min(values) * 1000:.0f}-{max(values) * 1000:.0f})")
    print(f"  {'total':<10} {statistics.median(totals) * 1000:7.0f} ms  "
          f"({min(totals) * 1000:.0f}-{max(totals) * 1000:.0f})")
    print(f"  counts: {report.counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
