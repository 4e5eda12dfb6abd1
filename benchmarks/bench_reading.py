"""Benchmark reading a roster (``peermatch.roster.reading.load_roster``) against pandas reading the same file.

Not part of the test suite: its numbers depend on the machine.

    python benchmarks/bench_reading.py --sizes 100000 1000000 --repeats 3
    python benchmarks/bench_reading.py --roster /tmp/roster.csv --baseline /path/to/older/checkout

Each measurement is a fresh interpreter that imports what it needs, then reads the roster once and reports the
CPU time of that read alone (``time.process_time``, steadier than the wall clock on a shared machine), its wall
time, the memory the process holds once it is done (resident, after a collection) and its peak.  Three kinds:

* ``pandas``: ``pd.read_csv`` of the file into text columns, the least any reader in Python can take;
* ``peermatch``: ``load_roster`` as ``peermatch pair`` calls it, every check included;
* ``baseline`` (with ``--baseline DIR``): the same, with the ``peermatch`` package found in DIR, so that a change
  is measured against what it changes, on the same machine in the same run.

The kinds take turns within each repeat, and the report gives medians and each kind as a multiple of pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench_pair import generate_roster

REPO = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: argv[1] is the roster, argv[2] "pandas" or "peermatch".
MEASURE = """
import gc, json, resource, sys, time
from pathlib import Path

def held_mb():
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20

path, kind = Path(sys.argv[1]), sys.argv[2]
if kind == "pandas":
    import pandas as pd
    read = lambda: pd.read_csv(path, dtype=str, keep_default_na=False)
else:
    from peermatch.roster.levels import LevelScheme
    from peermatch.roster.reading import load_roster
    read = lambda: load_roster(path, levels=LevelScheme())
before = held_mb()
cpu, wall = time.process_time(), time.perf_counter()
result = read()
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu, "wall": wall, "held_mb": held_mb() - before,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(roster: Path, reader: str, package: Path) -> dict[str, float]:
    environment = {**os.environ, "PYTHONPATH": str(package)}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(roster), reader],
                          capture_output=True, text=True, check=True, env=environment, cwd=package)
    measured: dict[str, float] = json.loads(done.stdout)
    return measured


def bench(roster: Path, repeats: int, baseline: Path | None) -> list[str]:
    packages = {"pandas": REPO, "peermatch": REPO, **({"baseline": baseline} if baseline else {})}
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in packages}
    for repeat in range(repeats):
        for kind, package in packages.items():
            runs[kind].append(measure(roster, "peermatch" if kind == "baseline" else kind, package))
            print(f"  {roster.name} run {repeat + 1}/{repeats} {kind}: {runs[kind][-1]}", file=sys.stderr)
    floor = statistics.median(run["cpu"] for run in runs["pandas"])
    rows = []
    for kind, measured in runs.items():
        cpu = statistics.median(run["cpu"] for run in measured)
        rows.append(f"| {roster.name} | {kind} | {cpu:.2f} | {cpu / floor:.2f} | "
                    f"{statistics.median(run['wall'] for run in measured):.2f} | "
                    f"{statistics.median(run['held_mb'] for run in measured):.0f} | "
                    f"{statistics.median(run['peak_mb'] for run in measured):.0f} |")
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="synthetic roster sizes (as bench_pair.py makes them)")
    parser.add_argument("--roster", type=Path, help="read this roster instead of synthetic ones")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a folder holding an older peermatch package to compare with")
    args = parser.parse_args(argv)
    lines = ["| roster | reader | CPU s (median) | × pandas | wall s | held MB | peak MB |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        rosters = [args.roster] if args.roster else []
        for size in [] if args.roster else args.sizes:
            rosters.append(Path(folder) / f"roster-{size}.csv")
            generate_roster(size, rosters[-1])
        for roster in rosters:
            lines += bench(roster, args.repeats, args.baseline.resolve() if args.baseline else None)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
