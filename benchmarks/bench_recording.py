"""Benchmark recording a pairing in the history, as ``peermatch pair`` does, into a new history and into one that
already holds rounds of the same size.

Not part of the test suite: its numbers depend on the machine.

    python benchmarks/bench_recording.py --sizes 100000 1000000 --repeats 3
    python benchmarks/bench_recording.py --roster /tmp/roster.csv --baseline /path/to/older/checkout

Each measurement is a fresh interpreter that reads and pairs the roster (not timed), then records the pairing
(``record_pair_result`` and the commit) twice: into a new history, and into a copy of a history holding ``--held``
earlier rounds of the same roster (a monthly cron's file).  Each is timed by CPU (``time.process_time``, steadier
than the wall clock on a shared machine) and wall clock, with the most memory the process held while recording
above what it held before (Linux only; blank elsewhere).  Kinds:

* ``floor``: the same rows (made beforehand, not timed) inserted into tables with no index or constraint, one
  ``executemany`` each, and committed: the least SQLite can take to store them;
* ``peermatch``: this checkout;
* ``baseline`` (with ``--baseline DIR``): the ``peermatch`` package in DIR, so that a change is measured against
  what it changes, on the same machine in the same run.

The kinds take turns within each repeat; the report gives medians, and each as a multiple of the floor.
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

# Run in a fresh interpreter: argv = roster, kind, folder; the held history is folder/held.sqlite.
MEASURE = """
import json, shutil, sqlite3, sys, time
from pathlib import Path
from peermatch.history.recording import record_pair_result
from peermatch.history.store import History
from peermatch.matching.pairing import pair
from peermatch.models import group_uid
from peermatch.roster.config import Config
from peermatch.roster.reading import load_roster

roster, kind, folder = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
LABEL = "pair-2027-01-11"
result = pair(load_roster(roster), Config(), seed=1)


def status(field):
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith(field))
    except OSError:
        return None


def timed(record):
    try:  # the peak so far forgotten: VmHWM is then the peak of this recording
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    held = status("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    record()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = status("VmHWM")
    return {"cpu": cpu, "wall": wall, "extra_mb": None if held is None or peak is None else peak - held}


def record_in(path, label):
    def record():
        with History.open(path, write=True) as store:
            record_pair_result(store, label, result)
            store.commit()
    return record


if kind == "prepare":
    for k in range(int(sys.argv[4])):
        record_in(folder / "held.sqlite", f"held-{k + 1}")()
    sys.exit()
measured = {}
if kind == "floor":
    people = {p.id: p for p in result.roster.people}
    groups = [(k, LABEL, group_uid(LABEL, group.members)) for k, group in enumerate(result.groups, 1)]
    members = [(k, n, pid, people[pid].profession_key, people[pid].organisation_key, int(pid == group.joined))
               for k, group in enumerate(result.groups, 1) for n, pid in enumerate(group.members)]

    def floor():
        with sqlite3.connect(folder / "floor.sqlite", isolation_level=None) as raw:
            raw.execute("BEGIN")
            raw.execute("CREATE TABLE groups (id, round, uid)")
            raw.execute("CREATE TABLE members (group_id, position, person_id, profession, organisation, odd)")
            raw.executemany("INSERT INTO groups VALUES (?, ?, ?)", groups)
            raw.executemany("INSERT INTO members VALUES (?, ?, ?, ?, ?, ?)", members)
            raw.execute("COMMIT")
        raw.close()
    measured["new"] = timed(floor)
else:
    measured["new"] = timed(record_in(folder / "new.sqlite", LABEL))
    shutil.copy(folder / "held.sqlite", folder / "next.sqlite")
    measured["held"] = timed(record_in(folder / "next.sqlite", LABEL))
print(json.dumps(measured))
"""


def run(roster: Path, kind: str, package: Path, folder: Path, *extra: str) -> dict[str, dict[str, float | None]]:
    for name in ("new.sqlite", "next.sqlite", "floor.sqlite"):
        (folder / name).unlink(missing_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(package)}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(roster), kind, str(folder), *extra],
                          capture_output=True, text=True, check=True, env=environment, cwd=folder)
    return json.loads(done.stdout) if done.stdout.strip() else {}


def median(runs: list[dict[str, dict[str, float | None]]], history: str, key: str) -> float | None:
    values = [value for run in runs if history in run and (value := run[history][key]) is not None]
    return statistics.median(values) if values else None


def shown(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def bench(roster: Path, repeats: int, held: int, baseline: Path | None, folder: Path) -> list[str]:
    print(f"  {roster.name}: recording {held} rounds to start from", file=sys.stderr)
    run(roster, "prepare", REPO, folder, str(held))
    packages = {"floor": REPO, "peermatch": REPO, **({"baseline": baseline} if baseline else {})}
    runs: dict[str, list[dict[str, dict[str, float | None]]]] = {kind: [] for kind in packages}
    for repeat in range(repeats):
        for kind, package in packages.items():
            runs[kind].append(run(roster, "peermatch" if kind == "baseline" else kind, package, folder))
            print(f"  {roster.name} run {repeat + 1}/{repeats} {kind}: {runs[kind][-1]}", file=sys.stderr)
    floor = statistics.median(float(run["new"]["cpu"] or 0) for run in runs["floor"])
    rows = []
    for kind, measured in runs.items():
        for history in ("new", "held"):
            if not any(history in run for run in measured):
                continue
            cpu = median(measured, history, "cpu") or 0.0
            rows.append(f"| {roster.name} | {kind} | {'new' if history == 'new' else f'holding {held} rounds'} | "
                        f"{cpu:.2f} | {cpu / floor:.2f} | {shown(median(measured, history, 'wall'))} | "
                        f"{shown(median(measured, history, 'extra_mb'), 0)} |")
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="synthetic roster sizes (as bench_pair.py makes them)")
    parser.add_argument("--roster", type=Path, help="record pairings of this roster instead of synthetic ones")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--held", type=int, default=3, help="rounds the history already holds (default 3)")
    parser.add_argument("--baseline", type=Path, help="a folder holding an older peermatch package to compare with")
    args = parser.parse_args(argv)
    lines = ["| roster | recorder | history | CPU s (median) | × floor | wall s | MB above held |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        rosters = [args.roster.resolve()] if args.roster else []
        for size in [] if args.roster else args.sizes:
            rosters.append(Path(folder) / f"roster-{size}.csv")
            generate_roster(size, rosters[-1])
        for roster in rosters:
            lines += bench(roster, args.repeats, args.held, args.baseline.resolve() if args.baseline else None,
                           Path(folder))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
